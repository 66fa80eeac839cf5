"""Reading .7z and .rar with no C library: py7zr for .7z, and for .rar each archive program this PC
has, found on a PATH that holds only it. Every path extracts a real archive and the bytes are compared."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cds_batch.core.commit import _OWNED
from cds_batch.core.findings import Code
from cds_batch.intake import archives
from cds_batch.intake.archives import Program, _CannotOpen, _seven_zip_program, archive_programs
from cds_batch.intake.discover import Entry, Limits, discover, private_workdir
from tests.builders.archives import SEVEN_ZIP_TIME, seven_zip, stored_rar, xlsx_bytes
from tests.intake.conftest import hide_libarchive

VN = timezone(timedelta(hours=7))
MEMBERS = [("Trường Lê Lợi/Báo cáo.xlsx", xlsx_bytes("một")), ("phụ lục.xlsx", xlsx_bytes("hai"))]
SEVEN_ZIP = "7zz"   # Debian's 7-Zip (package 7zip); the test set-up installs it, with bsdtar (libarchive-tools)


def only_on_path(monkeypatch: pytest.MonkeyPatch, folder: Path, programs: dict[str, str]) -> Path:
    """PATH holds `folder` alone, with each name linked to the real program."""
    folder.mkdir()
    for name, real in programs.items():
        found = shutil.which(real)
        assert found, f"{real} is installed by scripts/test.sh"
        (folder / name).symlink_to(found)
    monkeypatch.setenv("PATH", str(folder))
    return folder


def read_all(entries: list[Entry]) -> dict[str, bytes]:
    return {e.source: e.path.read_bytes() for e in entries if e.path is not None}


@pytest.mark.parametrize("name", ["tar", "bsdtar"])
def test_rar_through_bsdtar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Windows 10 and 11 ship bsdtar as tar.exe: a `tar` that says it is bsdtar reads the .rar."""
    monkeypatch.chdir(tmp_path)
    Path("nen.rar").write_bytes(stored_rar(MEMBERS))
    hide_libarchive(monkeypatch)
    folder = only_on_path(monkeypatch, tmp_path / "bin", {name: "bsdtar"})
    assert archive_programs() == [Program("bsdtar", str(folder / name))]
    with private_workdir() as work:
        entries = discover([Path("nen.rar")], work)
        got = read_all(entries)
    assert [(e.source, e.fate and e.fate.value) for e in entries] == [
        ("nen.rar", "container"), ("nen.rar!Trường Lê Lợi/Báo cáo.xlsx", None), ("nen.rar!phụ lục.xlsx", None)]
    assert got == {f"nen.rar!{label}": data for label, data in MEMBERS}
    assert {e.received_at for e in entries[1:]} == {datetime(2024, 3, 5, 14, 30, tzinfo=VN)}


def test_rar_through_bsdtar_keeps_the_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("nen.rar").write_bytes(stored_rar([("lon.xlsx", b"\0" * 9000), ("nho.xlsx", xlsx_bytes())]))
    hide_libarchive(monkeypatch)
    only_on_path(monkeypatch, tmp_path / "bin", {"tar": "bsdtar"})
    with private_workdir() as work:
        entries = discover([Path("nen.rar")], work, Limits(max_file_bytes=6000, max_ratio=10**6))
        assert not any(work.rglob("lon.xlsx"))
    assert [(e.source, e.fate and e.fate.value, e.reason_code) for e in entries] == [
        ("nen.rar", "container", Code.L106), ("nen.rar!lon.xlsx", "rejected", Code.L108),
        ("nen.rar!nho.xlsx", None, None)]


def test_gnu_tar_is_not_taken_for_bsdtar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GNU tar (Linux's usual tar) reads no RAR: with only it, the reason says what to install."""
    gnu = shutil.which("tar", path="/usr/bin:/bin")
    assert gnu and b"GNU tar" in subprocess.run([gnu, "--version"], capture_output=True, check=True).stdout
    monkeypatch.chdir(tmp_path)
    Path("nen.rar").write_bytes(stored_rar(MEMBERS))
    hide_libarchive(monkeypatch)
    only_on_path(monkeypatch, tmp_path / "bin", {"tar": gnu})
    assert archive_programs() == []
    with private_workdir() as work:
        entries = discover([Path("nen.rar")], work)
    assert [(e.source, e.fate and e.fate.value, e.reason_code) for e in entries] == [
        ("nen.rar", "unreadable", Code.L215)]


def test_a_program_that_cannot_read_rar_gives_way_to_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's 7-Zip has no RAR reader (nor has an old tar.exe RAR 5): the next program reads it."""
    monkeypatch.chdir(tmp_path)
    Path("nen.rar").write_bytes(stored_rar(MEMBERS))
    hide_libarchive(monkeypatch)
    folder = only_on_path(monkeypatch, tmp_path / "bin", {"7z": SEVEN_ZIP, "tar": "bsdtar"})
    assert archive_programs() == [Program("7z", str(folder / "7z")), Program("bsdtar", str(folder / "tar"))]
    with private_workdir() as work:
        got = read_all(discover([Path("nen.rar")], work))
    assert got == {f"nen.rar!{label}": data for label, data in MEMBERS}


def seven_zip_made_by_7zip(tmp_path: Path, name: str, *options: str) -> Path:
    """A .7z saved by 7-Zip itself from files dated 2024-03-05 14:30 in this PC's time."""
    source = tmp_path / "nguon"
    for label, data in MEMBERS:
        (source / label).parent.mkdir(parents=True, exist_ok=True)
        (source / label).write_bytes(data)
        stamp = datetime(2024, 3, 5, 14, 30).timestamp()
        os.utime(source / label, (stamp, stamp))
    archive = tmp_path / name
    subprocess.run([shutil.which(SEVEN_ZIP) or SEVEN_ZIP, "a", *options, str(archive), "."], cwd=source,
                   check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    return archive


def test_the_7zip_program_lists_and_streams_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 7-Zip path (list with `l -slt`, each member from `x -so`), on a 7z: this Debian 7-Zip reads no RAR."""
    archive = seven_zip_made_by_7zip(tmp_path, "nen.7z")
    program = shutil.which(SEVEN_ZIP)
    assert program
    members = list(_seven_zip_program(program, archive, kind="7z"))
    got = {m.label: b"".join(m.chunks()) for m in members}
    assert got == dict(MEMBERS)
    assert {m.mtime for m in members} == {datetime(2024, 3, 5, 14, 30).astimezone()}


def test_the_7zip_program_reports_passwords(tmp_path: Path) -> None:
    program = shutil.which(SEVEN_ZIP)
    assert program
    members = list(_seven_zip_program(program, seven_zip_made_by_7zip(tmp_path, "khoa.7z", "-pmk", "-mhe=off"),
                                      kind="7z"))
    assert {(m.problem, m.reason and m.reason.code) for m in members} == {("unreadable", Code.L214)}
    with pytest.raises(_CannotOpen) as refused:
        list(_seven_zip_program(program, seven_zip_made_by_7zip(tmp_path, "an.7z", "-pmk", "-mhe=on"), kind="7z"))
    assert refused.value.reason.code is Code.L216


@pytest.mark.parametrize("options", [("-pmk", "-mhe=off"), ("-pmk", "-mhe=on")])
def test_password_protected_7z_is_said_so_without_libarchive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             options: tuple[str, ...]) -> None:
    archive = seven_zip_made_by_7zip(tmp_path, "khoa.7z", *options)
    hide_libarchive(monkeypatch)
    with private_workdir() as work:
        entries = discover([archive], work)
    assert [(e.fate and e.fate.value, e.reason) for e in entries] == [
        ("unreadable", "Tệp .7z có mật khẩu; hãy đề nghị gửi lại tệp không đặt mật khẩu")]


def test_7z_made_by_7zip_is_read_by_py7zr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = seven_zip_made_by_7zip(tmp_path, "nen.7z", "-ms=on")   # solid, as 7-Zip saves by default
    hide_libarchive(monkeypatch)
    with private_workdir() as work:
        entries = discover([archive], work)
        got = read_all(entries)
    assert got == {f"{archive.name}!{label}": data for label, data in MEMBERS}
    assert {e.received_at for e in entries[1:]} == {datetime(2024, 3, 5, 14, 30).astimezone()}
    # py7zr's scratch folder is gone, and named so that the next run removes it after a kill (core.commit)
    scratch = list(Path(tempfile.gettempdir()).glob(f"cds_batch-archive-{os.getpid()}-*"))
    assert scratch == [] and _OWNED.fullmatch(f"cds_batch-archive-{os.getpid()}-abcd1234")


def test_7z_names_out_of_the_folder_are_not_extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    seven_zip(Path("a/b/nen.7z"), [("../../evil.xlsx", xlsx_bytes("x")), ("tot.xlsx", xlsx_bytes("y"))])
    with private_workdir() as work:
        entries = discover([Path("a/b/nen.7z")], work)
    assert [(e.source, e.fate and e.fate.value, e.reason_code) for e in entries] == [
        ("a/b/nen.7z", "container", Code.L106), ("a/b/nen.7z!../../evil.xlsx", "rejected", Code.L221),
        ("a/b/nen.7z!tot.xlsx", None, None)]
    assert entries[1].received_at == SEVEN_ZIP_TIME
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["nen.7z"]


def test_7z_past_the_run_total_is_refused_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """py7zr extracts the whole .7z first: one that would expand past the run's total never reaches the disk."""
    monkeypatch.chdir(tmp_path)
    seven_zip(Path("nen.7z"), [("a.xlsx", b"\0" * 4000), ("b.xlsx", b"\1" * 4000)])
    with private_workdir() as work:
        entries = discover([Path("nen.7z")], work, Limits(max_total_bytes=6000))
    assert [(e.source, e.fate and e.fate.value, e.reason) for e in entries] == [
        ("nen.7z", "rejected", "Vượt giới hạn: tổng dung lượng giải nén quá 6000 byte")]


def test_an_archive_program_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that never answers (here a `tar` that says it is bsdtar, then sleeps) is stopped at the
    time limit and the archive is unreadable, with the reason in Vietnamese."""
    monkeypatch.chdir(tmp_path)
    Path("nen.rar").write_bytes(stored_rar(MEMBERS))
    hide_libarchive(monkeypatch)
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "tar").write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "bsdtar 3.7.2 - libarchive 3.7.2"; '
                                f'exit 0; }}\nexec {shutil.which("sleep")} 600\n')
    (folder / "tar").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr(archives, "PROGRAM_SECONDS", 0.5)
    with private_workdir() as work:
        entries = discover([Path("nen.rar")], work)
    assert [(e.source, e.fate and e.fate.value, e.reason) for e in entries] == [
        ("nen.rar", "unreadable", "Không đọc được tệp .rar trên máy này (tệp hỏng hoặc định dạng chưa hỗ trợ): "
                                  "chương trình giải nén chưa xong sau 0.5 giây")]


@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_7z_is_unreadable_with_a_vietnamese_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             damage: str) -> None:
    whole = seven_zip_made_by_7zip(tmp_path, "nen.7z").read_bytes()
    middle = len(whole) // 2
    broken = whole[:middle] if damage == "cut" else whole[:middle] + bytes([whole[middle] ^ 0xFF]) + whole[middle + 1:]
    monkeypatch.chdir(tmp_path)
    Path("hong.7z").write_bytes(broken)
    hide_libarchive(monkeypatch)
    with private_workdir() as work:
        entries = discover([Path("hong.7z")], work)
    assert [(e.source, e.fate and e.fate.value, e.reason_code) for e in entries] == [
        ("hong.7z", "unreadable", Code.L217)]
    assert entries[0].reason.startswith("Không đọc được tệp .7z trên máy này (tệp hỏng")
