"""The benchmark corpus and harness (issue 7): the corpus is what its plan says, the run agrees with it.

Not timed: nothing here asserts a speed. Checked: answers typed by patching the sheet XML read back
identically with `read_workbook`, and a template derived from a stencil is the writer's own output;
the plan's shares hold and are seeded; a `cds-batch run` over a tiny corpus lists every generated
file and member in its ledger, gives every school the status the plan expects and uses the file
the plan names (also in the second run with late/); broken files get the fate the plan says; and
`bench_run.py` runs end to end and prints its table.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cds_batch.reading.workbook import read_workbook
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.text import Issue

from .builders import corpus_plan, stencil
from .builders.answers import profile_answers

ROOT = Path(__file__).resolve().parent.parent

ISSUE = Issue(corpus_plan.ROUND, corpus_plan.OFFICE, corpus_plan.DEADLINE)
SCHOOLS = 30


def script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return done


def generate(folder: Path, *extra: str) -> dict[str, Any]:
    script("benchmarks/make_corpus.py", "--schools", str(SCHOOLS), "--out", str(folder), "--seed", "7", *extra)
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


def run(corpus: Path, plan: dict[str, Any], *inputs: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`cds-batch run` over `inputs` of the corpus: (results.json, ledger.json)."""
    out = corpus / f"out-{len(inputs)}"
    script("-m", "cds_batch", "run", *(str(corpus / i) for i in inputs), "--roster", str(corpus / "roster.csv"),
           "--round", plan["round"], "--office", plan["office"], "--out", str(out))
    return (json.loads((out / "results.json").read_text(encoding="utf-8")),
            json.loads((out / "ledger.json").read_text(encoding="utf-8")))


def sources(plan: dict[str, Any], folder: str) -> set[str]:
    """Every file and member the plan says lies in `folder`, as the ledger names it."""
    return {m["source"] for f in plan["files"] if f["path"].startswith(folder + "/")
            for m in [f, *f.get("members", [])]}


def check_run(corpus: Path, plan: dict[str, Any]) -> None:
    """The first run (inbox) and the second (inbox + late) against the plan."""
    for inputs, status_key in ((("inbox",), "status"), (("inbox", "late"), "status_second_run")):
        results, ledger = run(corpus, plan, *inputs)
        listed = {e["source"] for e in ledger}
        assert set().union(*(sources(plan, i) for i in inputs)) <= listed
        got = {r["school_code"]: r for r in results}
        for school in (s for s in plan["schools"] if s["sure"]):
            row = got[school["code"]]
            assert (school["code"], row["status"]) == (school["code"], school[status_key])
            if school["status"] != "missing":
                assert row["source"] == school["used"]
        fates = {e["source"]: e["fate"] for e in ledger}
        for f in (f for f in plan["files"] if "expected_fate" in f):
            assert fates[f["source"]] == f["expected_fate"], f


# --- in-process: the workbooks themselves ------------------------------------------------------------

@pytest.mark.parametrize("rubric_id", ["qd4725-phothong", "quan7-mamnon-2023"])
def test_typed_answers_read_back_and_derived_templates_are_the_writers(rubric_id: str, tmp_path: Path) -> None:
    worker = stencil.Worker("stencil", verify_every=1)   # compare every derived template with the writer's
    made = []
    for n, profile in enumerate(("valid", "half", "bad", "valid")):
        school = SchoolInfo(f"7900000{n}", f"Trường Tiểu học Lê Lợi {n + 1}", "Tiểu học", f"Phường Tân Phong {n}",
                            "Quận 7", "Thành phố Hồ Chí Minh", f"leloi{n}@hcm.edu.vn", rubric_id)
        job = stencil.Job(school, rubric_id, ISSUE, f"t:{n}", profile, str(tmp_path / f"{n}.xlsx"),
                          (2025, 10, 20, 9, 30, 0))
        made.append(worker.make(job).template)
        rubric = worker.rubric(rubric_id)
        typed = profile_answers(rubric, job.key, profile)
        response = read_workbook(Path(job.target), rubric, job.target)
        assert response.raw_answers() == typed.keys
        assert {k: response.school[k].value for k in ("CDS_CONTACT_NAME", "CDS_CONTACT_PHONE", "CDS_REPORT_DATE")} \
            == {k: typed.values[k] for k in ("CDS_CONTACT_NAME", "CDS_CONTACT_PHONE", "CDS_REPORT_DATE")}
        assert [tuple(c.value for c in row) for row in response.evidence_rows] == typed.evidence
        assert response.identity["CDS_ISSUED_FOR"] == school.code and response.located_by == "names"
    assert made == ["writer", "verified", "verified", "verified"] and worker.mismatches == 0
    assert isinstance(typed.values["CDS_REPORT_DATE"], date)


def test_profiles_make_the_answers_they_promise(national) -> None:
    keys = {p: profile_answers(national, "p:1", p).keys for p in ("valid", "half", "bad")}
    assert None not in keys["valid"].values() and None not in keys["bad"].values()
    assert sum(v is None for v in keys["half"].values()) == len(keys["half"]) // 2
    assert keys["bad"] != keys["valid"]


def test_plan_shares_and_seed() -> None:
    schools = corpus_plan.make_schools(3000, random.Random("1:names"))
    roles, late = corpus_plan.plan_roles(schools, 1)
    again, _ = corpus_plan.plan_roles(schools, 1)
    assert [(r.school.code, r.kind, r.status) for r in roles] == [(r.school.code, r.kind, r.status) for r in again]
    kinds = {k: sum(r.kind == k for r in roles) for k in ("missing", "late", "zip", "eml", "resubmitted", "broken")}
    assert kinds == {"missing": 60, "late": 30, "zip": 150, "eml": 150, "resubmitted": 30, "broken": 30}
    formats = [c.fmt for r in roles for c in r.copies[-1:]]
    assert {f: formats.count(f) for f in ("xls", "ods", "lo-xlsx")} == {"xls": 60, "ods": 60, "lo-xlsx": 60}
    assert len({s.code for s in schools}) == len({s.name for s in schools}) == 3000
    assert {s.rubric for s in schools if s.level == "Mầm non"} == {"quan7-mamnon-2023"}
    assert all(r.copies[0].profile == "valid" and r.status == "missing" for r in late)


# --- the corpus through the real run -------------------------------------------------------------------

def test_corpus_without_libreoffice_matches_the_run(tmp_path: Path) -> None:
    plan = generate(tmp_path / "corpus", "--no-libreoffice", "--jobs", "1")   # in-process: no pool to start
    assert {"zip", "eml", "broken-truncated", "broken-docx", "broken-empty"} <= set(plan["counts"]["files"])
    assert plan["counts"]["status"]["needs_fix"] and len(plan["schools"]) == SCHOOLS
    check_run(tmp_path / "corpus", plan)


@pytest.mark.slow   # LibreOffice saves the .xls, .ods and LibreOffice .xlsx files
def test_corpus_with_libreoffice_matches_the_run(tmp_path: Path) -> None:
    plan = generate(tmp_path / "corpus")
    formats = {f for s in plan["schools"] for f in s["formats"]}
    assert {"xls", "ods", "lo-xlsx"} <= formats
    check_run(tmp_path / "corpus", plan)


def test_bench_run_prints_the_table(tmp_path: Path) -> None:
    corpus, figures = tmp_path / "generated", tmp_path / "figures.json"
    done = script("benchmarks/bench_run.py", "--corpus", str(corpus), "--schools", str(SCHOOLS), "--no-libreoffice",
                  "--json", str(figures))
    assert "| step | wall time | workbooks/s |" in done.stdout and "second run" in done.stdout
    report = json.loads(figures.read_text(encoding="utf-8"))
    assert {"floor", "first_run", "stage", "second_run", "stage_vs_floor", "first_vs_second", "machine"} <= set(report)
    assert report["corpus"]["workbooks"] > 0 and report["stage_vs_floor"] > 0
