"""Issue 9 end to end, as an office meets it: `cds-batch run` writes the review workbook, the evaluators
fill it, `cds-batch run --review` gives the recognised result — summary sheets, results.json, the
recognition list and page, feedback for a school returned for more evidence — and the next run
carries the work forward, never overwrites an edited review workbook, and shows who came back."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cds_batch import review_book as B
from cds_batch.report_page import PAGE_FILE
from cds_batch.report_recognition import RECOGNITION_FILE
from cds_batch.report_review_tables import SHEET_DIFFERENCES, SHEET_RECOGNITION
from cds_batch.review_read import read_review
from cds_batch.roster import load_roster
from cds_batch.rubric import load_rubric
from cds_batch.text import fold
from .review_helpers import INBOX, OFFICE, ROOT, ROUND
from .test_cli import cds

ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
REVIEWER = "Trần Thị Bình"
# (school, criterion) → (evaluated value, comment): 79802 loses 8 points of group 1 (54 → 46: Mức 1);
# 79901 gets a comment without a new value; 79909's 99 is out of range (a finding, ignored).
LINES = {("79802", "1.3.1"): (0, "Không có phần mềm như đã kê"), ("79802", "1.3.4"): (0, "Minh chứng không khớp"),
         ("79901", "1.3.2"): (None, "Bổ sung biên bản triển khai"), ("79909", "1.3.1"): (99, "")}
DECISIONS = {"79802": ("Công nhận", "Hạ điểm hai tiêu chí"), "79901": ("Yêu cầu bổ sung", "Thiếu minh chứng 1.3.2"),
             "79908": ("Không công nhận", "Hồ sơ không trung thực"), "79909": ("Công nhận", "")}


def run(out: Path, *extra: str):
    return cds("run", str(INBOX), "--roster", str(ROSTER), "--round", ROUND, "--office", OFFICE, "--out", str(out),
               *extra)


def fill(path: Path) -> None:
    """What an evaluator does in Excel: type into the yellow columns, found by their headers."""
    wb = openpyxl.load_workbook(path)
    ws = wb[B.SHEET_CRITERIA]
    head, cols = _header(ws, (B.H_SCHOOL, B.H_CODE))
    for row in ws.iter_rows(min_row=head + 1):
        key = (str(row[cols[B.H_SCHOOL]].value), str(row[cols[B.H_CODE]].value))
        if key in LINES:
            value, comment = LINES[key]
            row[cols[B.H_POINTS]].value = value
            row[cols[B.H_COMMENT]].value = comment or None
    ws = wb[B.SHEET_SCHOOLS]
    head, cols = _header(ws, (B.H_SCHOOL, B.H_DECISION))
    for row in ws.iter_rows(min_row=head + 1):
        code = str(row[cols[B.H_SCHOOL]].value)
        if code in DECISIONS:
            row[cols[B.H_DECISION]].value, row[cols[B.H_NOTE]].value = DECISIONS[code]
            row[cols[B.H_REVIEWER]].value = REVIEWER
    wb.save(path)


def _header(ws, keys):
    for r, row in enumerate(ws.iter_rows(max_row=30), start=1):
        texts = [c.value for c in row]
        if all(k in texts for k in keys):
            return r, {c.value: n for n, c in enumerate(row) if c.value}
    raise AssertionError(f"no header {keys} in {ws.title}")


def rows(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    out = tmp_path_factory.mktemp("district")
    first = run(out)
    assert first.returncode == 1, first.stderr   # the samples hold schools to fix
    review = out / B.REVIEW_FILE
    assert str(review) in first.stdout
    fill(review)
    second = run(out, "--review", str(review))
    snapshot = tmp_path_factory.mktemp("round-1")   # what --previous reads, before later tests run again into `out`
    shutil.copy(out / "results.json", snapshot)
    return out, second, snapshot


def test_the_review_is_read_and_its_unusable_value_is_reported_with_file_sheet_and_cell(reviewed):
    out, done, _ = reviewed
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"V102 {B.REVIEW_FILE}, {B.SHEET_CRITERIA}!J" in done.stdout and "'99'" in done.stdout
    assert "Được công nhận: Mức 3: " in done.stdout and str(out / RECOGNITION_FILE) in done.stdout


def test_results_carry_the_recognised_levels_recomputed_from_the_evaluated_points(reviewed):
    out, _, _ = reviewed
    schools = {s["school_code"]: s for s in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    lowered = schools["79802"]
    assert [(g["score"], g["level"]) for g in lowered["groups"]] == [(54, 2), (53, 2)]   # its own claim stays
    got = lowered["recognition"]
    assert [(g["id"], g["score"], g["level"]) for g in got["groups"]] == [(1, 46, 1), (2, 53, 2)]
    assert (got["decision"], got["overall_level"], got["recognised_level"], got["differences"], got["reviewer"]) \
        == ("recognised", 1, 1, 2, REVIEWER)
    assert schools["79909"]["recognition"]["recognised_level"] == 3   # the 99 was ignored
    assert schools["79901"]["recognition"]["decision"] == "more_evidence"
    assert schools["79901"]["recognition"]["recognised_level"] is None
    assert schools["79908"]["recognition"]["recognised_level"] is None
    assert schools["79801"]["recognition"]["decision"] is None
    assert all(s["recognition"] is None for s in schools.values() if s["status"] == "missing")


def test_every_override_is_traceable_in_the_summary_to_its_reviewer_comment_and_cell(reviewed):
    out, _, _ = reviewed
    table = rows(out / "tong-hop.xlsx", SHEET_DIFFERENCES)
    head = next(n for n, r in enumerate(table) if "Mã tiêu chí" in r)
    lines = [r for r in table[head + 1:] if r[1]]
    assert [(r[1], r[3], r[5], r[6], r[7], r[8]) for r in lines] == [
        ("79802", "1.3.1", "4", "0", "Không có phần mềm như đã kê", REVIEWER),
        ("79802", "1.3.4", "4", "0", "Minh chứng không khớp", REVIEWER)]
    assert all(str(r[9]).startswith(f"{B.SHEET_CRITERIA}!J") for r in lines)
    overview = rows(out / "tong-hop.xlsx", SHEET_RECOGNITION)
    head = next(n for n, r in enumerate(overview) if "Mã trường" in r)
    cols = {h: n for n, h in enumerate(overview[head])}
    line = next(r for r in overview[head + 1:] if r[1] == "79802")
    assert (line[cols["Mức chung tự đánh giá"]], line[cols["Mức chung đánh giá ngoài"]],
            line[cols["Quyết định"]], line[cols["Mức được công nhận"]], line[cols["Người đánh giá"]]) \
        == (2, 1, "Công nhận", 1, REVIEWER)


def test_the_returned_school_gets_the_evaluators_comments_in_its_feedback_and_the_others_do_not(reviewed):
    out, _, _ = reviewed
    text = "\n".join(str(c) for r in rows(out / "phan-hoi" / "79901_phan-hoi.xlsx", "Phản hồi") for c in r if c)
    assert "YÊU CẦU BỔ SUNG CỦA PHÒNG GDĐT" in text and "Thiếu minh chứng 1.3.2" in text
    assert "Bổ sung biên bản triển khai" in text and REVIEWER in text
    other = "\n".join(str(c) for r in rows(out / "phan-hoi" / "79802_phan-hoi.xlsx", "Phản hồi") for c in r if c)
    assert "YÊU CẦU BỔ SUNG" not in other


def test_the_recognition_list_and_page_list_the_recognised_level(reviewed):
    out, _, _ = reviewed
    table = rows(out / RECOGNITION_FILE, "Danh sách công nhận")
    section = None
    where = {}
    for r in table:
        if str(r[0]).startswith(("I.", "II.", "III.", "IV.")):
            section = str(r[0])
        elif r[1] in ("79802", "79901", "79909"):
            where[r[1]] = section
    assert "Mức 1" in where["79802"] and "Mức 3" in where["79909"] and "chưa được" in where["79901"]
    page = (out / PAGE_FILE).read_text(encoding="utf-8")
    assert "79802" in page and "Yêu cầu bổ sung" in page


def test_the_review_workbook_is_written_again_with_the_evaluators_work_in_it(reviewed):
    out, _, _ = reviewed
    rubrics = (load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023"))
    again = read_review(out / B.REVIEW_FILE, rubrics, round_label=ROUND, roster=load_roster(ROSTER))
    decisions = {d.school_code: (d.decision.label if d.decision else None, d.reviewer, d.comment)
                 for d in again.schools if d.decision or d.reviewer}
    assert decisions == {code: (label, REVIEWER, note) for code, (label, note) in DECISIONS.items()}
    lines = {(x.school_code, x.code): (x.points, x.comment) for x in again.criteria
             if x.points is not None or x.comment}
    assert lines == {("79802", "1.3.1"): (0, "Không có phần mềm như đã kê"),
                     ("79802", "1.3.4"): (0, "Minh chứng không khớp"),
                     ("79901", "1.3.2"): (None, "Bổ sung biên bản triển khai")}   # the 99 was not kept


def test_an_edited_review_workbook_is_never_overwritten_by_a_run_without_review(reviewed, tmp_path):
    out, _, _ = reviewed
    review = out / B.REVIEW_FILE
    wb = openpyxl.load_workbook(review)
    wb[B.SHEET_SCHOOLS]["A1"].value = wb[B.SHEET_SCHOOLS]["A1"].value   # saved by another program: other bytes
    wb.save(review)
    before = review.read_bytes()
    done = run(out)
    assert review.read_bytes() == before
    assert f"Không ghi đè {review}" in done.stdout and "--review" in done.stdout


def test_the_next_round_shows_the_returned_school_has_not_come_back(reviewed, tmp_path):
    _, _, previous = reviewed
    nxt = tmp_path / "dot-sau"
    done = run(nxt, "--previous", str(previous))
    assert done.returncode == 1, done.stderr
    table = rows(nxt / "tong-hop.xlsx", "Thay đổi so với đợt trước")
    line = next(r for r in table if r[1] == "79901")
    assert (line[3], fold(str(line[4]))) == ("Chưa nộp bổ sung", fold("Yêu cầu bổ sung: Thiếu minh chứng 1.3.2"))
