"""Issue 22, points 3 and 11, end to end through `cds-batch run --review` on the bundled inbox.

The evaluators choose "Công nhận" for every school, also for 79904, whose self-assessment still has 13
errors (group 2 left blank), and 79707 (two unusable answers). First they give those criteria no value:
both are withheld — no recognised level, listed apart in the annex and the page with the criteria
still missing, said on the summary's recognition sheet, a V106 finding at their decision cell. Then,
into the same folder, they value every erring criterion: both are recognised, marked as resolved,
and their feedback files are written again with the changes. Every school's feedback names its file
as the school sent it, never the office's folders, and a changed-and-recognised school's feedback
lists each change and comment.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cds_batch.review import layout as B
from cds_batch.reports.page import PAGE_FILE
from cds_batch.reports.recognition_list import RECOGNITION_FILE, SHEET as ANNEX
from cds_batch.reports.review_tables import SHEET_RECOGNITION
from tests.pipeline.test_run_review import REVIEWER, rows, run
from tests.review_helpers import OFFICE, header_row

GROUP_2 = ["2.1", "2.2", *(f"2.3.{n}" for n in range(1, 9)), "2.4.1", "2.4.2", "2.4.3"]   # 79904 left them blank
ERRING = {"79904": GROUP_2, "79707": ["1.2a", "2.3a"]}
# 79802: one criterion lowered with a reason, one commented without a new value; recognised all the same.
CHANGES = {("79802", "1.3.1"): (0, "Không có phần mềm như đã kê"), ("79802", "1.3.2"): (None, "Cần biên bản kèm theo")}
NOT_ELIGIBLE = "Chưa đủ điều kiện công nhận"
RESOLVED = "Đã xử lý lỗi khi đánh giá ngoài"
REVIEW_NAME = "danh gia (Phong).xlsx"   # the evaluators' copy, mailed back under a name of their own


def evaluate(source: Path, target: Path, *, cure: bool) -> None:
    """What the evaluators type in Excel: "Công nhận" for every school, 79802's changes, and with `cure` a
    value for every erring criterion (Đạt for a condition, half the maximum for points)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    wb = openpyxl.load_workbook(target)
    ws = wb[B.SHEET_CRITERIA]
    head, cols = header_row(ws, (B.H_SCHOOL, B.H_CODE))
    for row in ws.iter_rows(min_row=head + 1):
        school, code = str(row[cols[B.H_SCHOOL]].value), str(row[cols[B.H_CODE]].value)
        if (school, code) in CHANGES:
            row[cols[B.H_POINTS]].value, row[cols[B.H_COMMENT]].value = CHANGES[school, code]
        elif cure and code in ERRING.get(school, ()):
            top = row[cols[B.H_MAX]].value
            row[cols[B.H_POINTS]].value = "Đạt" if isinstance(top, str) else int(top) // 2
    ws = wb[B.SHEET_SCHOOLS]
    head, cols = header_row(ws, (B.H_SCHOOL, B.H_DECISION))
    for row in ws.iter_rows(min_row=head + 1):
        if row[cols[B.H_SCHOOL]].value:
            row[cols[B.H_DECISION]].value, row[cols[B.H_REVIEWER]].value = "Công nhận", REVIEWER
    wb.save(target)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The first run writes the review workbook; `--review` with the uncured copy, the folder kept as it was
    (`held`), then `--review` with the cured copy into the same folder (`cured`)."""
    first = tmp_path_factory.mktemp("dot-1")
    assert run(first).returncode == 1   # 79707 and 79904 must fix their files
    copies = tmp_path_factory.mktemp("tai-ve")
    evaluate(first / B.REVIEW_FILE, copies / "chua-du" / REVIEW_NAME, cure=False)
    evaluate(first / B.REVIEW_FILE, copies / "du" / REVIEW_NAME, cure=True)
    out = tmp_path_factory.mktemp("cong-nhan")
    held_run = run(out, "--review", str(copies / "chua-du" / REVIEW_NAME))
    held = tmp_path_factory.mktemp("snapshot") / "held"
    shutil.copytree(out, held)
    cured_run = run(out, "--review", str(copies / "du" / REVIEW_NAME))
    return held, held_run, out, cured_run


def schools(out: Path) -> dict[str, dict]:
    return {s["school_code"]: s for s in json.loads((out / "results.json").read_text(encoding="utf-8"))}


def annex(out: Path) -> dict[str, tuple[str, list]]:
    """School code → (the title of its part, its row) in the recognition annex."""
    part, got = "", {}
    for r in rows(out / RECOGNITION_FILE, ANNEX):
        if isinstance(r[0], str) and re.match(r"(I|II|III|IV|V)\. ", r[0]):
            part = r[0]
        elif isinstance(r[0], (int, float)) and r[1]:
            got[str(r[1])] = (part, r)
    return got


def recognition_sheet(out: Path) -> dict[str, dict[str, object]]:
    table = rows(out / "tong-hop.xlsx", SHEET_RECOGNITION)
    head = next(n for n, r in enumerate(table) if "Mã trường" in r)
    return {str(r[1]): dict(zip(table[head], r)) for r in table[head + 1:] if r[1]}


def page_rows(out: Path) -> dict[str, str]:
    """School code → its table row on the publication page, as text."""
    text = (out / PAGE_FILE).read_text(encoding="utf-8")
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr><td class="n" data-v="\d+">\d+</td>'
                                                        r'<td class="n">(\w+)</td>.*?</tr>', text)}


def feedback_text(out: Path, code: str) -> list[tuple]:
    return [tuple(c for c in r) for r in rows(out / "phan-hoi" / f"{code}_phan-hoi.xlsx", "Phản hồi")]


# ---- evaluators chose "Công nhận" but gave the erring criteria no value ----------------------------

def test_a_withheld_school_is_a_finding_naming_it_its_criteria_and_what_to_do_and_the_run_exits_1(runs):
    _, done, _, _ = runs
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[Lỗi] V106 ")]
    assert len(lines) == 2, done.stdout
    held = next(line for line in lines if "79904" in line)
    assert held.startswith(f"[Lỗi] V106 {REVIEW_NAME}, {B.SHEET_SCHOOLS}!")   # the cell of its decision
    assert all(f"{code} ({B.SHEET_CRITERIA}!" in held for code in GROUP_2)
    assert "chưa được công nhận" in held and "Hãy nhập điểm đánh giá ngoài" in held and "--review" in held
    assert "2 trường chọn Công nhận nhưng chưa đủ điều kiện" in done.stdout


def test_a_withheld_school_has_no_recognised_level_in_the_results(runs):
    held, _, _, _ = runs
    got = schools(held)
    for code, criteria in ERRING.items():
        review = got[code]["recognition"]
        assert (review["decision"], review["recognised_level"]) == ("recognised", None)
        assert (review["unresolved_criteria"], review["resolved_criteria"], review["file_errors"]) == (criteria, [], [])
    changed = got["79802"]["recognition"]   # a school without errors is recognised at its evaluated level
    assert changed["recognised_level"] == changed["overall_level"] and changed["differences"] == 1


def test_the_annex_and_the_page_list_a_withheld_school_apart_with_its_reason(runs):
    held, _, _, _ = runs
    listed = annex(held)
    part, row = listed["79904"]
    assert part.startswith("V. ") and NOT_ELIGIBLE.lower() in part and listed["79707"][0] == part
    assert row[4:7] == ["", "", ""]
    assert row[7].startswith(f"{NOT_ELIGIBLE}: phiếu tự đánh giá còn lỗi ở tiêu chí {', '.join(GROUP_2)} nhưng")
    assert all(p.startswith(("I. ", "II. ", "III. ")) for code, (p, _) in listed.items() if code not in ERRING)
    summary = next(r[0] for r in rows(held / RECOGNITION_FILE, ANNEX) if str(r[0]).startswith("Tổng số:"))
    assert summary.endswith(f"{NOT_ELIGIBLE.lower()}: 2 trường.")
    page = page_rows(held)
    assert f"{NOT_ELIGIBLE}: phiếu tự đánh giá còn lỗi ở tiêu chí 2.1, 2.2" in page["79904"]
    assert page["79904"].count("—") == 3
    text = (held / PAGE_FILE).read_text(encoding="utf-8")
    assert f'<span class="label">{NOT_ELIGIBLE}:</span> <strong>2</strong> trường' in text


def test_the_summarys_recognition_sheet_says_why(runs):
    held, _, _, _ = runs
    line = recognition_sheet(held)["79904"]
    assert (line["Quyết định"], line["Mức được công nhận"]) == ("Công nhận", "")
    assert str(line["Điều kiện công nhận"]).startswith(f"{NOT_ELIGIBLE}: phiếu tự đánh giá còn lỗi ở tiêu chí 2.1")
    assert recognition_sheet(held)["79802"]["Điều kiện công nhận"] == ""


# ---- the evaluators valued every erring criterion ------------------------------------------------------

def test_cured_schools_are_recognised_and_marked_resolved_everywhere(runs):
    _, _, out, done = runs
    assert "V106" not in done.stdout and "V107" not in done.stdout and "Traceback" not in done.stderr
    assert done.returncode == 1   # the two files still hold their errors: the schools must still fix them
    got, listed, sheet, page = schools(out), annex(out), recognition_sheet(out), page_rows(out)
    for code, criteria in ERRING.items():
        review = got[code]["recognition"]
        assert review["recognised_level"] == review["overall_level"] and review["recognised_level"] in (1, 2, 3)
        assert (review["resolved_criteria"], review["unresolved_criteria"]) == (criteria, [])
        mark = f"{RESOLVED} (tiêu chí {', '.join(criteria)})"
        part, row = listed[code]
        assert part.startswith(("I. ", "II. ", "III. ")) and row[7].startswith(mark + ".")
        assert sheet[code]["Điều kiện công nhận"] == mark and sheet[code]["Mức được công nhận"] == row[6]
        assert f"Công nhận. {mark}" in page[code]
    assert all(RESOLVED not in str(listed[code][1][7]) for code in listed if code not in ERRING)
    assert not any(p.startswith("V. ") for p, _ in listed.values())
    assert NOT_ELIGIBLE not in (out / PAGE_FILE).read_text(encoding="utf-8")


# ---- feedback --------------------------------------------------------------------------------------------

def test_the_feedback_of_a_changed_and_recognised_school_lists_the_changes_and_comments(runs):
    _, _, out, _ = runs
    cells = feedback_text(out, "79802")
    flat = [c for r in cells for c in r if c]
    assert f"KẾT QUẢ ĐÁNH GIÁ NGOÀI CỦA {OFFICE.upper()}" in flat and "YÊU CẦU BỔ SUNG" not in " ".join(map(str, flat))
    info = {r[0]: r[3] for r in cells if r[0] and r[3]}
    level = schools(out)["79802"]["recognition"]["recognised_level"]
    assert (info["Kết luận"], info["Mức được công nhận"], info["Người đánh giá"]) \
        == ("Công nhận", f"Mức {level}", REVIEWER)
    table = [(r[1], r[3], r[4], r[5]) for r in cells if r[1] in ("1.3.1", "1.3.2") and isinstance(r[0], (int, float))]
    assert table == [("1.3.1", "4", "0", "Không có phần mềm như đã kê"), ("1.3.2", "3", "", "Cần biên bản kèm theo")]


def test_a_changed_review_writes_the_feedback_again(runs):
    """79904's feedback had no review part while its criteria had no value; valued, it lists all 13."""
    held, _, out, _ = runs
    assert not any("ĐÁNH GIÁ NGOÀI" in str(c) for r in feedback_text(held, "79904") for c in r)
    cells = feedback_text(out, "79904")
    valued = [r[1] for r in cells if isinstance(r[0], (int, float)) and r[1] in GROUP_2 and r[4]]
    assert valued == GROUP_2
    info = {r[0]: r[3] for r in cells if r[0] and r[3]}
    assert info["Điều kiện công nhận"] == f"{RESOLVED} (tiêu chí {', '.join(GROUP_2)})"


def test_feedback_names_the_schools_own_file_and_never_the_offices_folders(runs):
    held, _, out, _ = runs
    results = schools(out)
    folders = {"samples/", "inbox/", "email 20-10", "email 22-10", "email 23-10", "Zalo/", ".mbox!", ".eml!", ".zip!"}
    for folder in (held, out):
        for path in sorted((folder / "phan-hoi").glob("*.xlsx")):
            with zipfile.ZipFile(path) as package:
                text = "".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))
            assert not [f for f in folders if f in text], path.name
    for code, name in (("79904", "THCS Tran Quoc Tuan (nhap).xlsx"), ("79704", "MN Hoa Mi - bao cao CDS.xlsx"),
                       ("79802", "Phiếu tự đánh giá - TH Nguyễn Văn Hưởng (đã sửa).xlsx")):
        info = {r[0]: r[3] for r in feedback_text(out, code) if r[0] and r[3]}
        assert info["Tệp được dùng"] == name and results[code]["source"].endswith(name)
        assert re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d ", info["Thời điểm nhận"])
