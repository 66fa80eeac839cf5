"""Outputs appear complete or not at all: a writer that fails leaves the old file and no temporary."""
from __future__ import annotations

import os

import pytest

from cds_batch.core.atomic import atomic_path, write_text_atomic
from cds_batch.reports.summary import write_summary
from tests.district_fixtures import RUBRICS, district


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "tong-hop.xlsx"
    write_text_atomic(target, "bản cũ")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("một nửa", encoding="utf-8")
            raise RuntimeError("máy tắt giữa chừng")
    assert target.read_text(encoding="utf-8") == "bản cũ"
    assert os.listdir(tmp_path) == ["tong-hop.xlsx"]


def test_the_summary_writer_failing_midway_writes_nothing(tmp_path, monkeypatch):
    import cds_batch.reports.summary as summary

    def boom(*args, **kwargs):
        raise RuntimeError("hết chỗ trên đĩa")

    monkeypatch.setattr(summary, "payload_rows", boom)
    with pytest.raises(RuntimeError):
        write_summary(district(), RUBRICS, tmp_path / "tong-hop.xlsx", office="Phòng GDĐT Quận 7", round_label="Đợt 1")
    assert os.listdir(tmp_path) == []


def test_outputs_are_readable_by_colleagues(tmp_path):
    target = tmp_path / "results.json"
    write_text_atomic(target, "[]")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def _syncs(monkeypatch):
    """Record each fsync (of a file or a folder, by path) and each rename, in order."""
    import cds_batch.core.atomic as atomic

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    names: dict[int, str] = {}
    real_open = os.open

    def opened(path, flags, *args):
        fd = real_open(path, flags, *args)
        names[fd] = str(path)
        return fd

    def fsync(fd):
        events.append(("fsync", names.get(fd) or os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("rename", str(dst)))
        real_replace(src, dst)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "open", opened)
    return atomic, events


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names an open file through /proc")
def test_a_file_is_flushed_before_its_rename_and_its_folder_after(tmp_path, monkeypatch):
    atomic, events = _syncs(monkeypatch)
    target = tmp_path / "results.json"
    atomic.write_text_atomic(target, "[]")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "rename", "fsync"]
    assert events[0][1].endswith(".tmp") and events[1][1] == str(target) and events[2][1] == str(tmp_path)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names an open file through /proc")
def test_in_a_staging_folder_the_folder_is_flushed_once_by_the_commit(tmp_path, monkeypatch):
    from cds_batch.core.commit import JOURNAL, Staging

    out = tmp_path / "ket-qua"
    stage = Staging(out)
    atomic, events = _syncs(monkeypatch)
    for name in ("a_phan-hoi.xlsx", "b_phan-hoi.xlsx"):
        atomic.write_text_atomic(stage.place(out / "phan-hoi" / name), name)
    assert [kind for kind, _ in events] == ["fsync", "rename"] * 2   # each file, not its folder
    events.clear()
    stage.commit()
    synced = [path for kind, path in events if kind == "fsync"]
    assert str(stage.root / "phan-hoi") in synced                      # the staged entries, before the journal
    journal = next(i for i, e in enumerate(events) if e == ("rename", str(out / JOURNAL)))
    moves = [i for i, e in enumerate(events) if e[0] == "rename" and "phan-hoi" in e[1]]
    assert synced and min(moves) > journal
    assert events.index(("fsync", str(out / "phan-hoi"))) > max(moves)   # the folder, after the renames
    assert sorted(p.name for p in (out / "phan-hoi").iterdir()) == ["a_phan-hoi.xlsx", "b_phan-hoi.xlsx"]
