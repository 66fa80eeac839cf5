"""Discover stage: one ledger entry per file and member, safely, with readable expectations.

Every fixture is built in the test from `tests.builders`; assertions are on (source, kind, fate).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cds_batch.core.findings import Code
from cds_batch.intake.discover import Entry, Fate, Limits, TimeSource, discover, private_workdir
from tests.builders.archives import (
    SEVEN_ZIP_TIME, bomb_bytes, docx_bytes, flag_encrypted, nested_zip, seven_zip, slip_zip_bytes, stored_rar,
    symlink_zip, xlsx_bytes, zip_bytes
)
from tests.builders.cfb import encrypted_package, outlook_msg, write_cfb
from tests.builders.mail import eml_bytes, mbox_bytes
from tests.intake.conftest import hide_libarchive

WB = xlsx_bytes
DATE = "Tue, 05 Mar 2024 08:00:00 +0700"


def rows(entries: list[Entry]) -> list[tuple[str, str, str | None]]:
    return [(e.source, e.kind.value, e.fate.value if e.fate else None) for e in entries]


def by_source(entries: list[Entry]) -> dict[str, Entry]:
    return {e.source: e for e in entries}


def write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rar_reader: str) -> Path:
    """A district inbox with one of everything, read with and without libarchive (`conftest.rar_reader`);
    the test runs from tmp_path so sources are short."""
    monkeypatch.chdir(tmp_path)
    root = Path("inbox")
    msg_one = eml_bytes([("Báo cáo.xlsx", WB("mbox 1"))], "ht1@example.vn", DATE)
    msg_two = eml_bytes([("Phụ lục.pdf", b"%PDF-1.4 x")], "ht2@example.vn", "Wed, 06 Mar 2024 09:00:00 +0700")
    write(root, {
        "Trường A/bao cao.xlsx": WB(),
        "Trường A/bao cao (ban sao).xlsx": WB(),
        "Trường B/ghi chu.docx": docx_bytes(),
        "Trường B/hong.xlsx": WB("hỏng")[:700],
        "Trường B/mat khau.xlsx": encrypted_package(),
        "Trường B/cu.xls": write_cfb({"Workbook": b"\x09\x08\x10\0" + b"\0" * 16 + b"\x0a\0\0\0"}),
        "Trường B/cong van.doc": write_cfb({"WordDocument": b"\0" * 100}),
        "co_dau.zip": zip_bytes([("Trường Lê Lợi/Báo cáo.xlsx", WB("utf8"))]),
        "ma_cu.zip": zip_bytes([("Trường Lê Lợi/Báo cáo.xlsx", WB("cp1258"))], utf8_flag=False),
        "long.zip": zip_bytes([("ngoai/trong.zip", zip_bytes([("bao cao.xlsx", WB("long"))]))]),
        "thu.eml": eml_bytes([("Báo cáo quý 1.xlsx", WB("eml"))], "HT.NguyenDu@Example.vn", DATE,
                             encoded_word="Bảng điểm.xlsx"),
        "hop.mbox": mbox_bytes([msg_one, msg_two]),
        "outlook.msg": outlook_msg([("Báo cáo Outlook.xlsx", WB("msg")), ("ảnh.png", b"\x89PNG....")],
                                   "ht3@example.vn", DATE),
        "nen.rar": stored_rar([("trường c/bao cao.xlsx", WB("rar"))]),
    })
    seven_zip(root / "nen.7z", [("Trường D/Báo cáo.xlsx", WB("7z"))])
    return root


def test_every_file_and_member_is_one_entry(inbox: Path, tmp_path: Path) -> None:
    with private_workdir() as work:
        entries = discover([inbox], work)
    assert rows(entries) == [
        ("inbox/co_dau.zip", "zip", "container"),
        ("inbox/co_dau.zip!Trường Lê Lợi/Báo cáo.xlsx", "xlsx", None),
        ("inbox/hop.mbox", "mbox", "container"),
        ("inbox/hop.mbox!thư 1.eml", "eml", "container"),
        ("inbox/hop.mbox!thư 1.eml!Báo cáo.xlsx", "xlsx", None),
        ("inbox/hop.mbox!thư 2.eml", "eml", "container"),
        ("inbox/hop.mbox!thư 2.eml!Phụ lục.pdf", "other", "not_a_workbook"),
        ("inbox/long.zip", "zip", "container"),
        ("inbox/long.zip!ngoai/trong.zip", "zip", "container"),
        ("inbox/long.zip!ngoai/trong.zip!bao cao.xlsx", "xlsx", None),
        ("inbox/ma_cu.zip", "zip", "container"),
        ("inbox/ma_cu.zip!Trường Lê Lợi/Báo cáo.xlsx", "xlsx", None),
        ("inbox/nen.7z", "7z", "container"),
        ("inbox/nen.7z!Trường D/Báo cáo.xlsx", "xlsx", None),
        ("inbox/nen.rar", "rar", "container"),
        ("inbox/nen.rar!trường c/bao cao.xlsx", "xlsx", None),
        ("inbox/outlook.msg", "msg", "container"),
        ("inbox/outlook.msg!Báo cáo Outlook.xlsx", "xlsx", None),
        ("inbox/outlook.msg!ảnh.png", "other", "not_a_workbook"),
        ("inbox/thu.eml", "eml", "container"),
        ("inbox/thu.eml!Báo cáo quý 1.xlsx", "xlsx", None),
        ("inbox/thu.eml!Bảng điểm.xlsx", "xlsx", None),
        ("inbox/Trường A/bao cao (ban sao).xlsx", "xlsx", None),
        ("inbox/Trường A/bao cao.xlsx", "xlsx", "duplicate"),
        ("inbox/Trường B/cong van.doc", "other", "not_a_workbook"),
        ("inbox/Trường B/cu.xls", "xls", None),
        ("inbox/Trường B/ghi chu.docx", "other", "not_a_workbook"),
        ("inbox/Trường B/hong.xlsx", "xlsx", "unreadable"),
        ("inbox/Trường B/mat khau.xlsx", "xlsx", "unreadable"),
    ]
    found = by_source(entries)
    assert found["inbox/Trường A/bao cao.xlsx"].reason == "Trùng nội dung với inbox/Trường A/bao cao (ban sao).xlsx"
    assert found["inbox/Trường B/mat khau.xlsx"].reason == "Tệp Excel có mật khẩu"
    assert found["inbox/Trường B/ghi chu.docx"].reason == "Tệp Word (.docx), không phải bảng tính"
    assert found["inbox/Trường B/hong.xlsx"].reason.startswith("Tệp xlsx hỏng: ")
    assert found["inbox/co_dau.zip"].reason == "Đã mở: 1 tệp bên trong"
    assert found["inbox/thu.eml!Bảng điểm.xlsx"].name == "Bảng điểm.xlsx"


def test_workbooks_have_hash_size_and_readable_bytes(inbox: Path) -> None:
    with private_workdir() as work:
        entries = discover([inbox], work)
        for entry in entries:
            if entry.fate is None:
                assert entry.path is not None and entry.path.name == entry.name
                data = entry.path.read_bytes()
                assert (entry.sha256, entry.size) == (hashlib.sha256(data).hexdigest(), len(data))
            else:
                assert entry.path is None or entry.fate is Fate.DUPLICATE
    members = [e.path for e in entries if e.parent and e.path]
    assert members and all(work in p.parents for p in members)
    assert not work.exists()


def test_received_time_and_sender(inbox: Path) -> None:
    with private_workdir() as work:
        found = by_source(discover([inbox], work))
    vn = timezone(timedelta(hours=7))
    mail = found["inbox/thu.eml!Báo cáo quý 1.xlsx"]
    assert (mail.received_at, mail.time_source, mail.sender) == (
        datetime(2024, 3, 5, 8, 0, tzinfo=vn), TimeSource.MAIL_DATE, "ht.nguyendu@example.vn")
    assert found["inbox/hop.mbox!thư 2.eml!Phụ lục.pdf"].received_at == datetime(2024, 3, 6, 9, 0, tzinfo=vn)
    assert found["inbox/hop.mbox!thư 2.eml"].sender == "ht2@example.vn"
    member = found["inbox/ma_cu.zip!Trường Lê Lợi/Báo cáo.xlsx"]
    assert (member.received_at, member.time_source) == (datetime(2024, 3, 5, 14, 30, tzinfo=vn),
                                                        TimeSource.ARCHIVE_MEMBER)
    assert member.received_at.utcoffset() == timedelta(hours=7)
    outlook = found["inbox/outlook.msg!Báo cáo Outlook.xlsx"]
    assert (outlook.time_source, outlook.sender) == (TimeSource.MAIL_DATE, "ht3@example.vn")
    rar = found["inbox/nen.rar!trường c/bao cao.xlsx"]  # RAR 4 keeps DOS local time, like zip
    assert (rar.received_at, rar.time_source) == (datetime(2024, 3, 5, 14, 30, tzinfo=vn), TimeSource.ARCHIVE_MEMBER)
    seven = found["inbox/nen.7z!Trường D/Báo cáo.xlsx"]  # 7z keeps UTC; the builder dated it in this PC's time
    assert (seven.received_at, seven.time_source) == (SEVEN_ZIP_TIME, TimeSource.ARCHIVE_MEMBER)
    plain = found["inbox/Trường A/bao cao.xlsx"]
    assert plain.time_source is TimeSource.FILE_MTIME and plain.received_at.tzinfo is not None
    assert plain.parent == "" and member.parent == "inbox/ma_cu.zip"


def test_inputs_unchanged_and_workdir_removed(inbox: Path) -> None:
    before = hashes(inbox)
    with private_workdir() as work:
        discover([inbox], work)
        assert any(work.rglob("*.xlsx"))
    assert hashes(inbox) == before
    assert not work.exists()


def test_single_file_paths_and_missing_path(inbox: Path) -> None:
    with private_workdir() as work:
        entries = discover([inbox / "thu.eml", Path("khong_co.xlsx")], work)
    assert rows(entries)[0] == ("inbox/thu.eml", "eml", "container")
    assert rows(entries)[-1] == ("khong_co.xlsx", "xlsx", "unreadable")


@pytest.mark.parametrize("name, data, expected", [
    ("bom.zip", bomb_bytes(), [("bom.zip", "zip", "container"), ("bom.zip!bang_diem.xlsx", "xlsx", "rejected")]),
    ("sau.zip", nested_zip(4, WB()), [
        ("sau.zip", "zip", "container"), ("sau.zip!tang2.zip", "zip", "container"),
        ("sau.zip!tang2.zip!tang3.zip", "zip", "container"),
        ("sau.zip!tang2.zip!tang3.zip!tang4.zip", "zip", "rejected")]),
    ("link.zip", symlink_zip("/etc/passwd"), [
        ("link.zip", "zip", "container"), ("link.zip!lien_ket.xlsx", "xlsx", "rejected")]),
    ("khoa.zip", flag_encrypted(zip_bytes([("a.xlsx", WB())])), [
        ("khoa.zip", "zip", "container"), ("khoa.zip!a.xlsx", "xlsx", "unreadable")]),
    ("hong.zip", zip_bytes([("a.xlsx", WB())])[:-30], [("hong.zip", "zip", "unreadable")]),
    ("hong.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 40, [("hong.rar", "rar", "unreadable")]),
    ("hong.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x11" * 40, [("hong.7z", "7z", "unreadable")]),
    ("khoa.xls", write_cfb({"Workbook": b"\x09\x08\x10\0" + b"\0" * 16 + b"\x2f\0\x02\0\0\0"}),
     [("khoa.xls", "xls", "unreadable")]),
    ("rong.xlsx", b"", [("rong.xlsx", "xlsx", "unreadable")]),
    ("~$bao cao.xlsx", b"\x0bNguoi dung" + b"\0" * 150, [("~$bao cao.xlsx", "other", "not_a_workbook")]),
    ("xuat tu phan mem.xls", b"<html><table><tr><td>1</td></tr></table></html>",
     [("xuat tu phan mem.xls", "other", "not_a_workbook")]),
    ("khong phai thu.eml", b"Xin chao\n", [("khong phai thu.eml", "eml", "unreadable")]),
])
def test_hostile_and_broken_containers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes,
                                       expected: list[tuple[str, str, str | None]], rar_reader: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    with private_workdir() as work:
        entries = discover([Path(name)], work)
    assert rows(entries) == expected
    assert all(e.reason and e.reason_code is not None and e.reason_code.name.startswith("L") for e in entries)


def test_limit_reasons_are_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rar_reader: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(Path("."), {"bom.zip": bomb_bytes(), "sau.zip": nested_zip(4, WB()),
                      "hong.rar": b"Rar!\x1a\x07\x00" + b"\x00" * 40})
    with private_workdir() as work:
        found = by_source(discover([Path("bom.zip"), Path("sau.zip"), Path("hong.rar")], work))
    assert found["bom.zip!bang_diem.xlsx"].reason == "Vượt giới hạn: tỉ lệ nén quá 200 lần (nghi là bom nén)"
    assert found["sau.zip!tang2.zip!tang3.zip!tang4.zip"].reason == (
        "Vượt giới hạn: tệp nén hoặc thư lồng nhau quá 3 tầng")
    assert found["hong.rar"].reason.startswith("Không đọc được tệp .rar trên máy này")
    assert [found[s].reason_code for s in ("bom.zip!bang_diem.xlsx", "sau.zip!tang2.zip!tang3.zip!tang4.zip",
                                           "hong.rar")] == [Code.L110, Code.L103, Code.L217]


@pytest.mark.parametrize("limits, expected", [
    (Limits(max_file_bytes=1000), [
        ("hai.zip", "container", "Đã mở: 2 tệp bên trong"),
        ("hai.zip!a.xlsx", "rejected", "Vượt giới hạn: tệp giải nén lớn hơn 1000 byte"),
        ("hai.zip!b.xlsx", "rejected", "Vượt giới hạn: tệp giải nén lớn hơn 1000 byte")]),
    (Limits(max_total_bytes=6000), [
        ("hai.zip", "container", "Đã mở: 2 tệp bên trong"),
        ("hai.zip!a.xlsx", None, ""),
        ("hai.zip!b.xlsx", "rejected", "Vượt giới hạn: tổng dung lượng giải nén quá 6000 byte")]),
    (Limits(max_members=1), [
        ("hai.zip", "rejected", "Vượt giới hạn: quá 1 tệp thành phần trong các tệp nén")]),
])
def test_configurable_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits,
                             expected: list[tuple[str, str | None, str]]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("hai.zip").write_bytes(zip_bytes([("a.xlsx", WB("a")), ("b.xlsx", WB("b"))]))
    with private_workdir() as work:
        entries = discover([Path("hai.zip")], work, limits)
    assert [(e.source, e.fate.value if e.fate else None, e.reason) for e in entries] == expected


def test_zip_slip_writes_nothing_outside_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    Path("a/b/slip.zip").write_bytes(slip_zip_bytes(WB()))
    with private_workdir() as work:
        entries = discover([Path("a/b/slip.zip")], work)
        assert rows(entries) == [
            ("a/b/slip.zip", "zip", "container"),
            ("a/b/slip.zip!../../evil.xlsx", "xlsx", None),
            ("a/b/slip.zip!/abs/C:tuyet_doi.xlsx", "xlsx", None),
        ]
        assert [e.name for e in entries[1:]] == ["evil.xlsx", "tuyet_doi.xlsx"]
        assert all(e.path and work in e.path.parents for e in entries[1:])
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["slip.zip"]


def test_thunderbird_mbox_without_extension_and_zip_attachment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    attached_zip = zip_bytes([("Trường E/bao cao.xlsx", WB("zip trong thư"))])
    mail = eml_bytes([("nop bai.zip", attached_zip)], "e@example.vn", DATE)
    Path("Inbox").write_bytes(mbox_bytes([mail]))
    with private_workdir() as work:
        entries = discover([Path("Inbox")], work)
    assert rows(entries) == [
        ("Inbox", "mbox", "container"),
        ("Inbox!thư 1.eml", "eml", "container"),
        ("Inbox!thư 1.eml!nop bai.zip", "zip", "container"),
        ("Inbox!thư 1.eml!nop bai.zip!Trường E/bao cao.xlsx", "xlsx", None),
    ]
    # The mail's Date wins over the zip member's own time, and the sender carries down.
    assert {(e.time_source, e.sender) for e in entries[1:]} == {(TimeSource.MAIL_DATE, "e@example.vn")}


def test_symlinked_folder_is_listed_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(Path("ngoai"), {"bao cao.xlsx": WB()})
    Path("inbox").mkdir()
    (Path("inbox") / "loi tat").symlink_to(tmp_path / "ngoai", target_is_directory=True)
    with private_workdir() as work:
        entries = discover([Path("inbox")], work)
    assert rows(entries) == [("inbox/loi tat", "other", "rejected")]


def test_rar_with_no_reader_on_the_pc_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seven_zip(Path("nen.7z"), [("a.xlsx", WB())])
    Path("nen.rar").write_bytes(stored_rar([("a.xlsx", WB())]))
    hide_libarchive(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path / "khong-co-chuong-trinh"))   # no 7-Zip, no tar
    with private_workdir() as work:
        entries = discover([Path("nen.7z"), Path("nen.rar")], work)
    assert rows(entries) == [("nen.7z", "7z", "container"), ("nen.7z!a.xlsx", "xlsx", None),
                             ("nen.rar", "rar", "unreadable")]
    assert entries[2].reason_code is Code.L215
    assert entries[2].reason == ("Máy này chưa đọc được tệp .rar: hãy cài 7-Zip (7-zip.org) rồi chạy lại, hoặc giải "
                                 "nén tệp và để các tệp Excel bên trong vào thư mục hộp thư")
