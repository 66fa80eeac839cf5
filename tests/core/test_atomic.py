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
