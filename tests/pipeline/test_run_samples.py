"""End to end on the bundled district: `cds-batch run samples/inbox …` as a person types it.

The expectations come from samples/inbox-plan.json, written by scripts/make_samples.py with the
answers it typed: statuses, missing schools, and scores recomputed here from those answers (not
from anything the run read), so a reading or consolidation mistake shows as a difference.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cds_batch.district.cache import CACHE_FILE
from cds_batch.rubric import load_rubric
from cds_batch.checking.score import score
from cds_batch.reading.roster_file import load_roster

ROOT = Path(__file__).resolve().parents[2]
PLAN = json.loads((ROOT / "samples" / "inbox-plan.json").read_text(encoding="utf-8"))
INBOX = "samples/inbox"


def cds_batch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=600)


def run_into(out: Path) -> subprocess.CompletedProcess[str]:
    return cds_batch("run", INBOX, "--roster", "samples/danh-sach-truong.csv", "--round", PLAN["round"],
                     "--office", "Phòng GDĐT Quận 7", "--out", str(out))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("samples-run")
    first = run_into(base / "lan-1")
    second = run_into(base / "lan-2")
    return base / "lan-1", base / "lan-2", first if first.returncode == second.returncode else second


def test_the_run_ends_with_a_vietnamese_summary_and_exit_1_for_schools_to_fix(outputs):
    _, _, done = outputs
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""   # no progress bar when standard error is not a terminal
    counts = {s: list(PLAN["expected_status"].values()).count(s) for s in ("valid", "needs_fix")}
    assert (f"Trường: {counts['valid']} hợp lệ, {counts['needs_fix']} cần sửa, {len(PLAN['missing'])} chưa nộp."
            in done.stdout)


def test_every_roster_school_appears_once_with_the_planned_status(outputs):
    results = json.loads((outputs[0] / "results.json").read_text(encoding="utf-8"))
    roster = load_roster(ROOT / "samples" / "danh-sach-truong.csv")
    assert [s["school_code"] for s in results] == [s.code for s in roster]
    expected = {**PLAN["expected_status"], **{code: "missing" for code in PLAN["missing"]}}
    assert {s["school_code"]: s["status"] for s in results} == expected


def test_scores_equal_those_computed_from_the_answers_written(outputs):
    results = json.loads((outputs[0] / "results.json").read_text(encoding="utf-8"))
    for school in results:
        if school["status"] == "missing":
            continue
        planned = PLAN["files"][school["source"].removeprefix(INBOX + "/")]
        assert planned["school"] == school["school_code"]
        expected = score(load_rubric(planned["rubric"]), planned["answers"])
        got = [(g["id"], g["score"], g["level"]) for g in school["groups"]]
        assert got == [(g.id, float(g.score) if g.score.denominator != 1 else int(g.score), g.level)
                       for g in expected.groups], school["school_code"]
        assert school["overall_level"] == expected.overall_level


def test_every_input_file_and_member_is_in_the_ledger_with_the_planned_fate(outputs):
    ledger = json.loads((outputs[0] / "ledger.json").read_text(encoding="utf-8"))
    sources = {e["source"]: e for e in ledger}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / INBOX).rglob("*") if p.is_file()}
    assert on_disk <= set(sources)
    for name, planned in PLAN["files"].items():
        assert sources[f"{INBOX}/{name}"]["fate"] == planned["fate"], name
    assert all(e["fate"] and e["reason"] for e in ledger)


def test_two_runs_give_byte_identical_outputs(outputs):
    first, second, _ = outputs
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert {"tong-hop.xlsx", "tong-hop.csv", "results.json", "ledger.json"} <= {str(f) for f in files}
    for f in files:
        assert (first / f).read_bytes() == (second / f).read_bytes(), f


def test_a_run_again_into_the_same_folder_reuses_the_readings_and_changes_no_byte(outputs, tmp_path):
    first, _, _ = outputs
    again = tmp_path / "lan-1"
    shutil.copytree(first, again)
    done = run_into(again)
    assert done.returncode == 1, done.stderr
    assert "25 bảng tính; 25 bảng tính không đổi từ lần chạy trước, dùng lại kết quả đọc" in done.stdout
    for f in (p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != CACHE_FILE):
        assert (again / f).read_bytes() == (first / f).read_bytes(), f


def test_a_review_workbook_written_by_its_own_process_is_the_same_bytes(outputs, tmp_path, monkeypatch):
    """From BIG_ROWS criterion rows the review workbook is written in a process of its own, beside the
    summary; here every size is big, so the samples' workbook goes that way."""
    import cds_batch.pipeline.district_run as run
    from cds_batch import cli
    from cds_batch.review.layout import REVIEW_FILE

    monkeypatch.setattr(run, "BIG_ROWS", 1)
    started, pool = [], run.spawn_pool
    monkeypatch.setattr(run, "spawn_pool", lambda *a, **k: started.append(a) or pool(*a, **k))
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as done:
        cli.main(["run", INBOX, "--roster", "samples/danh-sach-truong.csv", "--round", PLAN["round"],
                  "--office", "Phòng GDĐT Quận 7", "--out", str(tmp_path)])
    assert done.value.code == 1 and started == [(1,)]
    assert (tmp_path / REVIEW_FILE).read_bytes() == (outputs[0] / REVIEW_FILE).read_bytes()


def test_split_review_workbooks_written_by_a_process_each_are_the_same_bytes(tmp_path, monkeypatch):
    """A province's review workbooks (one per million criterion rows) are written by a process each, up
    to the cores; here a part holds 200 rows, so the samples' schools make several, written once in
    this process and once by the pool, byte for byte alike."""
    import functools

    import cds_batch.pipeline.district_run as run
    import cds_batch.pipeline.review_outputs as run_review
    from cds_batch import cli

    monkeypatch.setattr(run_review, "split", functools.partial(run_review.split, limit=200))
    monkeypatch.chdir(ROOT)
    started, pool = [], run.spawn_pool
    monkeypatch.setattr(run, "spawn_pool", lambda *a, **k: started.append(a) or pool(*a, **k))

    def run_to(out: Path) -> list[Path]:
        with pytest.raises(SystemExit) as done:
            cli.main(["run", INBOX, "--roster", "samples/danh-sach-truong.csv", "--round", PLAN["round"],
                      "--office", "Phòng GDĐT Quận 7", "--out", str(out)])
        assert done.value.code == 1
        return sorted(out.glob("danh-gia-ngoai*.xlsx"))

    alone = run_to(tmp_path / "in-process")
    assert started == [] and len(alone) >= 3 and alone[0].name == "danh-gia-ngoai-1.xlsx"
    monkeypatch.setattr(run, "BIG_ROWS", 1)
    pooled = run_to(tmp_path / "pool")
    assert started == [(min(len(alone), os.cpu_count() or 1),)]
    assert [p.name for p in pooled] == [p.name for p in alone]
    for a, b in zip(alone, pooled):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_province_rolls_up_the_district_run(outputs, tmp_path):
    first, _, _ = outputs
    done = cds_batch("province", str(first / "tong-hop.xlsx"), "--out", str(tmp_path / "so"))
    assert done.returncode == 0, done.stdout + done.stderr
    schools = json.loads((tmp_path / "so" / "results.json").read_text(encoding="utf-8"))
    assert {s["unit"] for s in schools} == {"Phòng GDĐT Quận 7"}   # an old district round: its office is the unit
    assert len(schools) == 30


def test_a_second_round_reports_what_changed(outputs, tmp_path):
    first, _, _ = outputs
    done = cds_batch("run", INBOX, "--roster", "samples/danh-sach-truong.csv", "--round", PLAN["round"],
                     "--previous", str(first), "--out", str(tmp_path / "dot-2"))
    assert done.returncode == 1, done.stderr
    to_fix = sorted(code for code, status in PLAN["expected_status"].items() if status == "needs_fix")
    sent = sorted(PLAN["expected_status"])
    # The same inbox: each school that sent a file uses it again ("Dùng lại từ đợt trước", issue 22), and
    # those to fix are still to fix.
    assert f"So với đợt trước: {len(to_fix) + len(sent)} thay đổi" in done.stdout
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(tmp_path / "dot-2" / "tong-hop.xlsx")).get_sheet_by_name(
        "Thay đổi so với đợt trước").to_python()
    assert sorted(str(r[1]) for r in rows if "Vẫn cần sửa" in r) == to_fix
    assert sorted(str(r[1]) for r in rows if "Dùng lại từ đợt trước" in r) == sent
