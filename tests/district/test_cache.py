"""The intake cache: a second run into the same folder reads only what changed, and the cache
never changes an output byte (deleting it, corrupting it or changing the run's inputs only costs
time)."""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from cds_batch.district.cache import CACHE_FILE
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.pipeline.district_run import RunOptions, RunReport, default_rubrics, run_district

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ("tong-hop.xlsx", "tong-hop.csv", "results.json", "results.csv", "ledger.json")


@pytest.fixture(scope="module")
def base_options() -> RunOptions:
    return RunOptions(inputs=(), roster=tuple(load_roster(ROOT / "samples" / "danh-sach-truong.csv")),
                      rubrics=default_rubrics([], load_rubric, builtin_ids()), out=Path(),
                      round_label="Đợt 1 năm 2025", office="Phòng GDĐT Quận 7", jobs=1)


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    """A copy of the sample inbox without its last e-mail folder (added later as "new files")."""
    copy = tmp_path / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", copy)
    shutil.move(copy / "email 23-10", tmp_path / "late")
    return copy


def run(opts: RunOptions, out: Path, *inputs: Path) -> RunReport:
    return run_district(replace(opts, inputs=inputs, out=out))


def outputs(out: Path) -> dict[str, bytes]:
    files = [out / name for name in OUTPUTS] + sorted((out / "phan-hoi").iterdir())
    return {f.relative_to(out).as_posix(): f.read_bytes() for f in files}


def test_a_second_run_reuses_every_reading_and_writes_the_same_bytes(base_options, inbox, tmp_path):
    first = run(base_options, tmp_path / "out", inbox)
    assert first.cached == 0 and (tmp_path / "out" / CACHE_FILE).is_file()
    before = outputs(tmp_path / "out")
    again = run(base_options, tmp_path / "out", inbox)
    assert again.cached == again.workbooks > 0
    assert outputs(tmp_path / "out") == before
    run(base_options, tmp_path / "fresh", inbox)   # no cache at all
    assert outputs(tmp_path / "fresh") == before


def test_new_files_are_the_only_ones_read_and_the_result_equals_a_run_without_cache(base_options, inbox, tmp_path):
    first = run(base_options, tmp_path / "out", inbox)
    grown = run(base_options, tmp_path / "out", inbox, tmp_path / "late")
    assert grown.workbooks > first.workbooks
    assert grown.cached == first.workbooks
    run(base_options, tmp_path / "fresh", inbox, tmp_path / "late")
    assert outputs(tmp_path / "out") == outputs(tmp_path / "fresh")


def test_the_cache_holds_exactly_the_last_runs_files(base_options, inbox, tmp_path):
    """Rows a run reused stay, rows of files gone from the inbox go, and rows of another fingerprint go."""
    out = tmp_path / "out"
    grown = run(base_options, out, inbox, tmp_path / "late")
    shrunk = run(base_options, out, inbox)
    assert shrunk.cached == shrunk.workbooks < grown.workbooks
    assert count_rows(out) == shrunk.workbooks
    assert run(base_options, out, inbox, tmp_path / "late").cached == shrunk.workbooks   # late/ read again
    assert run(replace(base_options, round_label="Đợt 2 năm 2025"), out, inbox).cached == 0
    assert count_rows(out) == shrunk.workbooks


def count_rows(out: Path) -> int:
    with closing(sqlite3.connect(out / CACHE_FILE)) as db:
        return int(db.execute("SELECT COUNT(*) FROM submission").fetchone()[0])


def test_a_changed_file_is_read_again(base_options, inbox, tmp_path):
    first = run(base_options, tmp_path / "out", inbox)
    victim = next(p for p in sorted(inbox.rglob("*.xlsx")))
    shutil.copyfile(ROOT / "workbook_templates" / "qd4725-phothong_mau-trong.xlsx", victim)
    again = run(base_options, tmp_path / "out", inbox)
    assert again.cached == first.workbooks - 1


@pytest.mark.parametrize("change", ["round", "rubrics", "roster"])
def test_a_changed_round_rubric_set_or_roster_reads_everything_again(base_options, inbox, tmp_path, change):
    run(base_options, tmp_path / "out", inbox)
    changed = {"round": replace(base_options, round_label="Đợt 2 năm 2025"),
               "rubrics": replace(base_options, rubrics=base_options.rubrics[:1]),
               "roster": replace(base_options, roster=base_options.roster[1:])}[change]
    assert run(changed, tmp_path / "out", inbox).cached == 0


def test_a_corrupt_cache_file_is_ignored_and_replaced(base_options, inbox, tmp_path):
    run(base_options, tmp_path / "out", inbox)
    before = outputs(tmp_path / "out")
    (tmp_path / "out" / CACHE_FILE).write_bytes(b"this is not a database")
    again = run(base_options, tmp_path / "out", inbox)
    assert again.cached == 0
    assert outputs(tmp_path / "out") == before
    assert run(base_options, tmp_path / "out", inbox).cached == again.workbooks
