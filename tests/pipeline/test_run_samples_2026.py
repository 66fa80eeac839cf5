"""End to end on the samples of the 2026–2027 round, as the README's commands type them: a commune's
round (`cds-batch run samples/xa-hai-thinh/hop-thu … --office "UBND xã Hải Thịnh"`) and a merged
province's — a direct run over every unit's inbox with the Sở's roster, and the roll-up of each unit's
own run (`cds-batch province`).

The expectations come from each sample's inbox-plan.json, written by scripts/make_samples.py with the
answers it typed: statuses, missing schools, scores recomputed here from those answers, every file's fate.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cds_batch.checking.score import score
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]
COMMUNE, PROVINCE = "samples/xa-hai-thinh", "samples/tinh-lam-hong"


def plan_of(sample: str) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((ROOT / sample / "inbox-plan.json").read_text(encoding="utf-8"))
    return plan


def cds_batch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=600)


def run(sample: str, inboxes: list[str], roster: str, office: str, out: Path) -> subprocess.CompletedProcess[str]:
    return cds_batch("run", *[f"{sample}/{i}" for i in inboxes], "--roster", f"{sample}/{roster}",
                     "--round", plan_of(sample)["round"], "--office", office, "--out", str(out))


def expected_statuses(plan: dict[str, Any]) -> dict[str, str]:
    return {**plan["expected_status"], **{code: "missing" for code in plan["missing"]}}


def check_results(sample: str, out: Path) -> None:
    """Every school of the sample's roster once, with its planned status, scored from the answers typed."""
    plan = plan_of(sample)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(s["school_code"] for s in results) == sorted(s.code for s in load_roster(ROOT / sample /
                                                                                           "danh-sach-truong.csv"))
    assert {s["school_code"]: s["status"] for s in results} == expected_statuses(plan)
    for school in results:
        if school["status"] == "missing":
            continue
        planned = plan["files"][school["source"].removeprefix(sample + "/")]
        assert planned["school"] == school["school_code"] and planned["fate"] == "used"
        expected = score(load_rubric(planned["rubric"]), planned["answers"])
        got = [(g["id"], g["score"], g["level"]) for g in school["groups"]]
        assert got == [(g.id, float(g.score) if g.score.denominator != 1 else int(g.score), g.level)
                       for g in expected.groups], school["school_code"]
        assert school["overall_level"] == expected.overall_level


def check_ledger(sample: str, out: Path, inboxes: list[str]) -> None:
    """Every file and member of the inboxes in the ledger, the planned ones with their planned fate."""
    plan = plan_of(sample)
    ledger = {e["source"]: e for e in json.loads((out / "ledger.json").read_text(encoding="utf-8"))}
    on_disk = {p.relative_to(ROOT).as_posix() for i in inboxes for p in (ROOT / sample / i).rglob("*") if p.is_file()}
    assert on_disk <= set(ledger)
    for name, planned in {**plan["files"], **plan["others"]}.items():
        if any(name.startswith(i + "/") for i in inboxes):
            assert ledger[f"{sample}/{name}"]["fate"] == planned["fate"], name


# --- the commune ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def commune(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("xa") / "ket-qua"
    return out, run(COMMUNE, ["hop-thu"], "danh-sach-truong.csv", "UBND xã Hải Thịnh", out)


def test_the_commune_round_ends_with_its_counts_and_exit_1_for_a_school_to_fix(commune):
    _, done = commune
    plan = plan_of(COMMUNE)
    assert done.returncode == 1, done.stdout + done.stderr
    statuses = list(expected_statuses(plan).values())
    assert (f"Trường: {statuses.count('valid')} hợp lệ, {statuses.count('needs_fix')} cần sửa, "
            f"{statuses.count('missing')} chưa nộp." in done.stdout)


def test_the_commune_round_gives_every_school_its_planned_status_and_score(commune):
    check_results(COMMUNE, commune[0])


def test_the_commune_inbox_is_in_the_ledger_with_the_planned_fates(commune):
    check_ledger(COMMUNE, commune[0], ["hop-thu"])
    plan = plan_of(COMMUNE)
    fates = [e["fate"] for e in plan["files"].values()] + [e["fate"] for e in plan["others"].values()]
    # The mess the sample promises: a resubmission, a file that is not a spreadsheet, one cut short.
    assert {"superseded", "not_a_workbook", "unreadable"} <= set(fates)


def test_the_commune_roster_names_no_district_and_is_one_unit(commune):
    header = (ROOT / COMMUNE / "danh-sach-truong.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Quận/Huyện" not in header and "Đơn vị quản lý" not in header
    results = json.loads((commune[0] / "results.json").read_text(encoding="utf-8"))
    assert {s["unit"] for s in results} == {"UBND xã Hải Thịnh"}


# --- the province ---------------------------------------------------------------------------------------

def units() -> list[dict[str, str]]:
    found: list[dict[str, str]] = plan_of(PROVINCE)["units"]
    return found


def test_the_province_direct_run_gives_every_school_its_status_and_its_unit(tmp_path):
    inboxes = [u["inbox"] for u in units()]
    done = run(PROVINCE, inboxes, "danh-sach-truong.csv", plan_of(PROVINCE)["office"], tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    check_results(PROVINCE, tmp_path)
    check_ledger(PROVINCE, tmp_path, inboxes)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    unit_of = {s.code: u["office"] for u in units() for s in load_roster(ROOT / PROVINCE / u["roster"])}
    assert {s["school_code"]: s["unit"] for s in results} == unit_of
    assert {s["unit"] for s in results if s["level_of_education"] in ("THPT", "GDTX")} == {"Sở GDĐT Lam Hồng"}


def test_the_province_rolled_up_from_its_units_runs_gives_the_same_statuses_and_levels(tmp_path):
    direct = tmp_path / "truc-tiep"
    assert run(PROVINCE, [u["inbox"] for u in units()], "danh-sach-truong.csv", plan_of(PROVINCE)["office"],
               direct).returncode == 1
    for u in units():
        done = run(PROVINCE, [u["inbox"]], u["roster"], u["office"], tmp_path / "don-vi" / u["folder"])
        assert done.returncode in (0, 1), done.stdout + done.stderr
        own = json.loads((tmp_path / "don-vi" / u["folder"] / "results.json").read_text("utf-8"))
        assert {s["unit"] for s in own} == {u["office"]}
    done = cds_batch("province", *[str(tmp_path / "don-vi" / u["folder"]) for u in units()],
                     "--out", str(tmp_path / "so"))
    assert done.returncode == 0, done.stdout + done.stderr
    rolled = json.loads((tmp_path / "so" / "results.json").read_text(encoding="utf-8"))
    straight = json.loads((direct / "results.json").read_text(encoding="utf-8"))

    def key(schools: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
        return {s["school_code"]: (s["status"], s["overall_level"], s["unit"],
                                   [(g["id"], g["score"], g["level"]) for g in s["groups"]]) for s in schools}
    assert key(rolled) == key(straight)
    assert {s["school_code"]: s["status"] for s in rolled} == expected_statuses(plan_of(PROVINCE))


def test_two_builds_of_the_samples_are_byte_identical(tmp_path, monkeypatch):
    """The samples are reproducible: every file (and the plan) the same bytes on every build. (The committed
    files are that build's output at the time; templates reworded later need `python scripts/make_samples.py
    --sample xa-hai-thinh --sample tinh-lam-hong` to show the new texts, not to be read right.)"""
    from tests.builders import sample_inbox_2026 as builder
    from tests.builders.sample_rounds_2026 import samples

    def build_into(folder: Path) -> dict[str, bytes]:
        monkeypatch.setattr(builder, "SAMPLES", folder)
        for sample in samples():
            (folder / sample.folder).mkdir(parents=True)
            plan = builder.build(sample)
            (folder / sample.folder / "plan.json").write_text(json.dumps(plan, sort_keys=True), encoding="utf-8")
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    first, second = build_into(tmp_path / "a"), build_into(tmp_path / "b")
    assert len(first) > 40 and first == second
