"""Issue 22 (9): a second round over the mailbox that grew since the first, as an office runs it.

Round 1 runs on the bundled inbox. The office then keeps the same mailbox folder, where new mail
lands: a round-2 workbook of a school that had not sent one, a school's round-1 workbook saved again
(other bytes, the old round label: did the school send an old file?), and a note. Round 2 runs with
`--round "Đợt 2 năm 2025" --previous ket-qua-dot1`, as the README shows. Every file round 1 used is
carried over: no E115, neither in findings.json nor in the schools' feedback files (nor on a file round 1
had and did not use), and the ledger
and the changes sheet say "Dùng lại từ đợt trước". E115 remains on the re-saved round-1 file only.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cds_batch.core.findings import Code
from cds_batch.reports.contract import FEEDBACK, FINDINGS, LEDGER, RESULTS, SHEET_CHANGES, SUMMARY
from cds_batch.reports.labels import CARRIED
from cds_batch.rubric import load_rubric
from tests.builders.answers import sample_answers
from tests.builders.workbook import fill

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
ROUND_1, ROUND_2 = "Đợt 1 năm 2025", "Đợt 2 năm 2025"
NEW_SCHOOL = "79804"   # sent nothing in round 1
E115_TEXT = "không phải đợt đang tổng hợp"


def cds_batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}   # this checkout's cds_batch
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


def run_round(base: Path, label: str, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    done = cds_batch("run", "hop-thu", "--roster", str(ROSTER), "--round", label, "--office", "Phòng GDĐT Quận 7",
                     *extra, "--out", out, cwd=base)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def resaved(data: bytes) -> bytes:
    """The same workbook written again by another zip writer: the same content, other bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                   compresslevel=1) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return out.getvalue()


def round_2_workbook(base: Path) -> bytes:
    """The round-2 template of NEW_SCHOOL (written by `cds-batch template`), fully answered."""
    line = next(row for row in ROSTER.read_text(encoding="utf-8-sig").splitlines() if row.startswith(NEW_SCHOOL))
    header = ROSTER.read_text(encoding="utf-8-sig").splitlines()[0]
    roster = base / "mot-truong.csv"
    roster.write_text(f"{header}\n{line}\n", encoding="utf-8")
    made = cds_batch("template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--round", ROUND_2,
                     "--out", "phieu-dot2", cwd=base)
    assert made.returncode == 0, made.stdout + made.stderr
    [template] = sorted((base / "phieu-dot2").glob(f"{NEW_SCHOOL}_*.xlsx"))
    return fill(template, base / "dot2.xlsx", sample_answers(load_rubric("qd4725-phothong"))).read_bytes()


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("hai-dot")
    shutil.copytree(ROOT / "samples" / "inbox", base / "hop-thu")   # copy2: the files keep their times
    first = run_round(base, ROUND_1, "ket-qua-dot1")
    assert first.returncode in (0, 1), first.stdout + first.stderr
    used_before = json.loads((base / "ket-qua-dot1" / RESULTS).read_text(encoding="utf-8"))
    # A school whose round-1 file was a loose .xlsx: it saves that file again and mails it.
    again = next(s for s in used_before if s["status"] == "valid" and s["source"] and "!" not in s["source"]
                 and s["source"].endswith(".xlsx"))
    new_mail = base / "hop-thu" / "email 05-11"
    new_mail.mkdir()
    planted = new_mail / f"{again['school_code']} gửi lại.xlsx"
    planted.write_bytes(resaved((base / again["source"]).read_bytes()))
    (new_mail / f"{NEW_SCHOOL} phiếu đợt 2.xlsx").write_bytes(round_2_workbook(base))
    (new_mail / "ghi chú.txt").write_text("Đã gửi bổ sung", encoding="utf-8")
    later = time.time() + 60   # saved after everything round 1 had
    for path in new_mail.iterdir():
        os.utime(path, (later, later))
    second = run_round(base, ROUND_2, "ket-qua-dot2", "--previous", "ket-qua-dot1")
    out = base / "ket-qua-dot2"
    return {"base": base, "out": out, "run": second, "before": used_before, "again": again["school_code"],
            "planted": f"hop-thu/email 05-11/{planted.name}",
            "results": json.loads((out / RESULTS).read_text(encoding="utf-8")),
            "ledger": json.loads((out / LEDGER).read_text(encoding="utf-8")),
            "findings": json.loads((out / FINDINGS).read_text(encoding="utf-8"))}


def test_e115_only_on_the_old_round_file_that_was_not_used_before(rounds):
    e115 = {r["file"] for r in rounds["findings"] if r["code"] == Code.E115.name}
    assert e115 == {rounds["planted"]}
    used = {s["school_code"]: s["source"] for s in rounds["results"]}
    assert used[rounds["again"]] == rounds["planted"]   # the newer file is the one used, with its warning
    assert used[NEW_SCHOOL] == f"hop-thu/email 05-11/{NEW_SCHOOL} phiếu đợt 2.xlsx"


def test_the_files_round_1_used_are_carried_over_in_the_ledger(rounds):
    before = {s["sha256"] for s in rounds["before"] if s["sha256"]}
    carried = [e for e in rounds["ledger"] if e["carried"]]
    assert len(carried) >= 15   # most schools sent nothing new
    assert {e["sha256"] for e in carried} <= before
    for e in carried:
        assert e["fate"] == "used" and e["reason"].startswith(CARRIED) and CARRIED.lower() in e["fate_label"]
    # Every file round 2 used that round 1 used too is marked; no other is.
    for e in rounds["ledger"]:
        assert e["carried"] == (e["fate"] == "used" and e["sha256"] in before), e["source"]


def test_the_changes_sheet_names_the_carried_schools(rounds):
    wb = openpyxl.load_workbook(rounds["out"] / SUMMARY, read_only=True)
    rows = [r for r in wb[SHEET_CHANGES].iter_rows(values_only=True)]
    carried = {r[1] for r in rows if r[3] == CARRIED}
    codes = {s["school_code"] for s in rounds["before"] for e in rounds["ledger"]
             if e["carried"] and e["sha256"] == s["sha256"]}
    assert carried == codes and rounds["again"] not in carried and NEW_SCHOOL not in carried


def test_no_carried_schools_feedback_says_e115(rounds):
    carried = {e["school_code"] for e in rounds["ledger"] if e["carried"]}
    folder = rounds["out"] / FEEDBACK
    said = {}
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        text = " ".join(str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v)
        said[path.name.split("_")[0]] = E115_TEXT in text
    assert carried and not any(said[code] for code in carried)
    assert said[rounds["again"]] and not said[NEW_SCHOOL]
    assert [code for code, yes in said.items() if yes] == [rounds["again"]]


def test_the_note_is_listed_as_unusable_and_the_run_says_what_changed(rounds):
    run = rounds["run"]
    assert run.returncode == 1   # schools still to fix, and a file not usable
    assert "hop-thu/email 05-11/ghi chú.txt [Loại khác" in run.stdout
    assert "So với đợt trước:" in run.stdout
