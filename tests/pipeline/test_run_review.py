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

from cds_batch.review import layout as B
from cds_batch.reports.page import PAGE_FILE
from cds_batch.reports.recognition_list import RECOGNITION_FILE
from cds_batch.reports.review_tables import SHEET_DIFFERENCES, SHEET_RECOGNITION
from cds_batch.review.read import read_review
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import load_rubric
from cds_batch.core.text import fold
from tests.review_helpers import INBOX, OFFICE, ROOT, ROUND, header_row
from tests.cli.test_cli import cds

ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
REVIEWER = "Trần Thị Bình"
# (school, criterion) → (evaluated value, comment): 79802 loses 8 points of group 1 (54 → 46: Mức 1);
# 79901 gets a comment without a new value; 79909's 99 is out of range (a finding, ignored).
LINES = {("79802", "1.3.1"): (0, "Không có phần mềm như đã kê"), ("79802", "1.3.4"): (0, "Minh chứng không khớp"),
         ("79901", "1.3.2"): (None, "Bổ sung biên bản triển khai"), ("79909", "1.3.1"): (99, "")}
DECISIONS = {"79802": ("Công nhận", "Hạ điểm hai tiêu chí"), "79901": ("Yêu cầu bổ sung", "Thiếu minh chứng 1.3.2"),
             "79908": ("Không công nhận", "Hồ sơ không trung thực"), "79909": ("Công nhận", "")}


LATE = INBOX / "email 22-10"   # left out of the first run: the files that "arrive" after the review began
EARLY = tuple(str(p) for p in sorted(INBOX.iterdir()) if p != LATE)


def run(out: Path, *extra: str, inbox: tuple[str, ...] = (str(INBOX),)):
    return cds("run", *inbox, "--roster", str(ROSTER), "--round", ROUND, "--office", OFFICE, "--out", str(out),
               *extra)


def fill(path: Path) -> None:
    """What an evaluator does in Excel: type into the yellow columns, found by their headers."""
    wb = openpyxl.load_workbook(path)
    ws = wb[B.SHEET_CRITERIA]
    head, cols = header_row(ws, (B.H_SCHOOL, B.H_CODE))
    for row in ws.iter_rows(min_row=head + 1):
        key = (str(row[cols[B.H_SCHOOL]].value), str(row[cols[B.H_CODE]].value))
        if key in LINES:
            value, comment = LINES[key]
            row[cols[B.H_POINTS]].value = value
            row[cols[B.H_COMMENT]].value = comment or None
    ws = wb[B.SHEET_SCHOOLS]
    head, cols = header_row(ws, (B.H_SCHOOL, B.H_DECISION))
    for row in ws.iter_rows(min_row=head + 1):
        code = str(row[cols[B.H_SCHOOL]].value)
        if code in DECISIONS:
            row[cols[B.H_DECISION]].value, row[cols[B.H_NOTE]].value = DECISIONS[code]
            row[cols[B.H_REVIEWER]].value = REVIEWER
    wb.save(path)


def rows(path: Path, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The evaluators fill the workbook of a first run; the next run, with the late files, reads it."""
    out = tmp_path_factory.mktemp("district")
    first = run(out, inbox=EARLY)
    # The schools to fix sent their files on 22-10; the one unusable file, a cover letter, still exits 1.
    assert first.returncode == 1 and ", 0 cần sửa," in first.stdout and "Tệp không dùng được: 1 " in first.stdout, \
        first.stdout + first.stderr
    review = out / B.REVIEW_FILE
    assert str(review) in first.stdout
    fill(review)
    filled = tmp_path_factory.mktemp("filled") / B.REVIEW_FILE
    shutil.copy(review, filled)
    second = run(out, "--review", str(review))
    snapshot = tmp_path_factory.mktemp("round-1")   # what --previous reads, before later tests run again into `out`
    shutil.copy(out / "results.json", snapshot)
    return out, second, snapshot, filled


def test_the_review_is_read_and_its_unusable_value_is_reported_with_file_sheet_and_cell(reviewed):
    out, done, _, _ = reviewed
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"V102 {B.REVIEW_FILE}, {B.SHEET_CRITERIA}!J" in done.stdout and "'99'" in done.stdout
    assert "Được công nhận: Mức 3: " in done.stdout and str(out / RECOGNITION_FILE) in done.stdout


def test_results_carry_the_recognised_levels_recomputed_from_the_evaluated_points(reviewed):
    out, _, _, _ = reviewed
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
    out, _, _, _ = reviewed
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
    out, _, _, _ = reviewed
    text = "\n".join(str(c) for r in rows(out / "phan-hoi" / "79901_phan-hoi.xlsx", "Phản hồi") for c in r if c)
    assert "YÊU CẦU BỔ SUNG CỦA PHÒNG GDĐT" in text and "Thiếu minh chứng 1.3.2" in text
    assert "Bổ sung biên bản triển khai" in text and REVIEWER in text
    other = "\n".join(str(c) for r in rows(out / "phan-hoi" / "79802_phan-hoi.xlsx", "Phản hồi") for c in r if c)
    assert "YÊU CẦU BỔ SUNG" not in other


def test_the_recognition_list_and_page_list_the_recognised_level(reviewed):
    out, _, _, _ = reviewed
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


def review_schools(path: Path) -> set[str]:
    table = rows(path, B.SHEET_SCHOOLS)
    head = next(n for n, r in enumerate(table) if B.H_SCHOOL in r)
    return {str(r[table[head].index(B.H_SCHOOL)]) for r in table[head + 1:] if r[0]}


def test_the_filled_workbook_is_an_input_never_written_over_and_late_schools_get_their_own(reviewed):
    out, done, _, filled = reviewed
    assert (out / B.REVIEW_FILE).read_bytes() == filled.read_bytes()
    late = out / "danh-gia-ngoai-bo-sung-1.xlsx"
    assert str(late) in done.stdout
    schools = {s["school_code"]: s for s in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    scored = {code for code, s in schools.items() if s["status"] in ("valid", "needs_fix")}
    assert review_schools(late) == scored - review_schools(filled) and review_schools(late)
    assert not set(DECISIONS) & review_schools(late)


def test_a_review_read_from_elsewhere_is_written_into_the_folders_workbook(reviewed, tmp_path):
    """The evaluators mailed their copy back: the folder's own (untouched) workbook takes their values."""
    _, _, _, filled = reviewed
    mailed = tmp_path / "tai-ve" / "danh gia (Phong).xlsx"
    mailed.parent.mkdir()
    shutil.copy(filled, mailed)
    fresh = tmp_path / "ket-qua"
    assert run(fresh).returncode == 1
    done = run(fresh, "--review", str(mailed))
    assert done.returncode == 1, done.stderr
    assert mailed.read_bytes() == filled.read_bytes()
    rubrics = (load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023"))
    again = read_review(fresh / B.REVIEW_FILE, rubrics, round_label=ROUND, roster=load_roster(ROSTER))
    decisions = {d.school_code: (d.decision.label if d.decision else None, d.reviewer, d.comment)
                 for d in again.schools if d.decision or d.reviewer}
    assert decisions == {code: (label, REVIEWER, note) for code, (label, note) in DECISIONS.items()}
    lines = {(x.school_code, x.code): (x.points, x.comment) for x in again.criteria
             if x.points is not None or x.comment}
    assert lines == {("79802", "1.3.1"): (0, "Không có phần mềm như đã kê"),
                     ("79802", "1.3.4"): (0, "Minh chứng không khớp"),
                     ("79901", "1.3.2"): (None, "Bổ sung biên bản triển khai")}   # the 99 was not kept


def test_an_edited_review_workbook_is_never_overwritten_by_a_run_without_review(tmp_path):
    review = tmp_path / B.REVIEW_FILE
    assert run(tmp_path).returncode == 1
    wb = openpyxl.load_workbook(review)
    wb[B.SHEET_SCHOOLS]["A1"].value = wb[B.SHEET_SCHOOLS]["A1"].value   # saved by another program: other bytes
    wb.save(review)
    before = review.read_bytes()
    done = run(tmp_path)
    assert review.read_bytes() == before and sorted(p.name for p in tmp_path.glob("danh-gia*")) == [B.REVIEW_FILE]
    assert f"Không ghi đè {review}" in done.stdout and "--review" in done.stdout


def test_the_next_round_shows_the_returned_school_has_not_come_back(reviewed, tmp_path):
    _, _, previous, _ = reviewed
    nxt = tmp_path / "dot-sau"
    done = run(nxt, "--previous", str(previous))
    assert done.returncode == 1, done.stderr
    table = rows(nxt / "tong-hop.xlsx", "Thay đổi so với đợt trước")
    line = next(r for r in table if r[1] == "79901")
    assert (line[3], fold(str(line[4]))) == ("Chưa nộp bổ sung", fold("Yêu cầu bổ sung: Thiếu minh chứng 1.3.2"))
