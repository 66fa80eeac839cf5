"""The district summary workbook: its sheets read back as values (openpyxl, calamine), and printed.

The district (tests/district_fixtures.py) has every status, a superseded file, an unscored file, an
unlisted school, unplaced files and container, duplicate, PDF and rejected ledger entries.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
import zipfile
from datetime import datetime
from fractions import Fraction

import openpyxl
import pytest

from cds_batch.reports import book as report_book
from cds_batch.district.consolidate import District, consolidate
from cds_batch.form.layout import DOCUMENT_DATE
from cds_batch.reports.data_files import results
from cds_batch.province.load import read_payload
from cds_batch.reports.contract import PAYLOAD_SHEET
from cds_batch.reports.summary import overview_table, write_summary
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.reports.rounds import Change, ChangeKind
from cds_batch.rubric.model import Kind

from tests.district_fixtures import (
    NATIONAL, OFFICE, ROUND, RUBRICS, at, build, cached_rows, district, entry, sheet_rows, submission
)
from tests.builders.office import soffice_convert
from cds_batch.reports.labels import KIND_LABELS, TIME_SOURCE_LABELS

SHEETS = ["Tổng hợp", "Thống kê", "Chi tiết tiêu chí", "Cần sửa", "Tệp không dùng được", "Chưa nộp", "Sổ nhận file"]
CHANGES = [Change("79701", "Trường Mầm non Hoa Sen", ChangeKind.NEW, "Chưa nộp", "Hợp lệ, mức 3"),
           Change("79802", "Trường Tiểu học Nguyễn Văn Hưởng", ChangeKind.STILL_TO_FIX,
                  "Cần sửa (2 lỗi), mức 2 (tạm)", "Cần sửa (1 lỗi), mức 2 (tạm)")]


@pytest.fixture(scope="module")
def sample():
    return district()


@pytest.fixture(scope="module")
def summary(sample, tmp_path_factory):
    target = tmp_path_factory.mktemp("summary") / "tong-hop.xlsx"
    write_summary(sample, RUBRICS, target, office=OFFICE, round_label=ROUND, changes=CHANGES)
    return target


def body(rows, first_header):
    """(header, rows) of the table whose header row starts with `first_header`, up to a blank row or a total row."""
    top = next(i for i, r in enumerate(rows) if r[0] == first_header)
    out = []
    for r in rows[top + 1:]:
        if all(v in (None, "") for v in r) or "Cộng" in r:
            break
        out.append(r)
    return rows[top], out


def visible(path):
    return [ws.title for ws in openpyxl.load_workbook(path).worksheets if ws.sheet_state == "visible"]


def test_sheets_in_order_and_changes_only_when_given(sample, summary, tmp_path):
    assert visible(summary) == SHEETS[:6] + ["Thay đổi so với đợt trước", SHEETS[6]]
    without = tmp_path / "khong-doi.xlsx"
    write_summary(sample, RUBRICS, without, office=OFFICE, round_label=ROUND)
    assert visible(without) == SHEETS
    none_changed = tmp_path / "doi-rong.xlsx"
    write_summary(sample, RUBRICS, none_changed, office=OFFICE, round_label=ROUND, changes=[])
    values = {v for r in sheet_rows(none_changed, "Thay đổi so với đợt trước") for v in r}
    assert "Không có thay đổi nào so với đợt trước." in values


# ---- Tổng hợp ---------------------------------------------------------------------------------

# code, status, group 1 points and level, group 2 points and level, overall level, note, errors, warnings
OVERVIEW = """
| 79701 | Hợp lệ          | 53   | 3 | 33 | 3 | 3 |                                    | 0 | 0 |
| 79702 | Cần sửa         | 43   | 3 | 25 | 2 | 2 | Mức tạm tính (còn lỗi)             | 1 | 1 |
| 79801 | Hợp lệ          | 91.5 | 3 | 56 | 2 | 2 |                                    | 0 | 0 |
| 79802 | Cần sửa         | 51   | 2 | 85 | 3 | 2 | Mức tạm tính (còn lỗi)             | 1 | 1 |
| 79803 | Chưa nộp        |      |   |    |   |   |                                    |   |   |
| 79901 | Cần sửa         |      |   |    |   |   | Chưa chấm được (xem trang Cần sửa) | 1 | 0 |
| 79902 | Chưa nộp        |      |   |    |   |   |                                    |   |   |
| 80001 | Ngoài danh sách | 93   | 3 | 85 | 3 | 3 |                                    | 0 | 1 |
"""


def pipe_rows(text):
    """'| 79701 | Hợp lệ | 53 |' → ('79701', 'Hợp lệ', 53.0): the code stays text, numbers become numbers, '' None."""
    def value(cell):
        cell = cell.strip()
        if cell == "":
            return None
        try:
            return float(cell)
        except ValueError:
            return cell
    return [tuple(c.strip() if n == 0 else value(c) for n, c in enumerate(line.strip().strip("|").split("|")))
            for line in text.strip().splitlines()]


def test_overview_has_one_row_per_school_with_status_scores_and_levels(sample, summary):
    header, rows = body(sheet_rows(summary, "Tổng hợp"), "STT")
    col = {name: header.index(name) for name in header}
    wanted = ["Mã trường", "Trạng thái", "Điểm nhóm 1", "Mức nhóm 1", "Điểm nhóm 2", "Mức nhóm 2", "Mức chung",
              "Ghi chú", "Số lỗi", "Số cảnh báo"]
    got = [tuple(None if r[col[w]] == "" else r[col[w]] for w in wanted) for r in rows]
    assert got == pipe_rows(OVERVIEW)
    assert [r[col["STT"]] for r in rows] == list(range(1, len(sample.schools) + 1))
    for r, school in zip(rows, sample.schools):   # the same numbers the scoring engine gave
        result = school.used.result if school.used else None
        if result is not None:
            assert [Fraction(r[col[f"Điểm nhóm {g.id}"]]) for g in result.groups] == [g.score for g in result.groups]
            assert r[col["Mức chung"]] == result.overall_level
        assert r[col["Tệp được dùng"]] == (school.used.entry.source if school.used else None)


def test_received_time_is_a_date_in_vietnam_time(summary):
    header, rows = body(sheet_rows(summary, "Tổng hợp"), "STT")
    received = {r[1]: r[header.index("Ngày nhận")] for r in rows}
    assert received["79802"] == datetime(2025, 10, 2, 8, 30)   # the file's mtime was 01:30 UTC
    assert received["79702"] == datetime(2025, 10, 2, 9, 30)
    assert received["79803"] is None


def test_overview_table_is_what_the_sheet_shows(sample, summary):
    header, rows = overview_table(sample, RUBRICS)
    sheet_header, sheet_body = body(sheet_rows(summary, "Tổng hợp"), "STT")
    assert list(sheet_header) == header
    shown = [[f"{v:%d/%m/%Y %H:%M}" if isinstance(v, datetime) else v for v in r] for r in sheet_body]
    assert shown == rows
    assert rows[3][header.index("Ngày nhận")] == "02/10/2025 08:30"


def test_total_row_counts_schools_and_averages_the_visible_scores(sample, summary):
    formulas = sheet_rows(summary, "Tổng hợp")
    cached = cached_rows(summary, "Tổng hợp")
    header, rows = body(formulas, "STT")
    total = next(i for i, r in enumerate(formulas) if r[1] == "Cộng")
    g1 = header.index("Điểm nhóm 1")
    assert formulas[total][g1].startswith("=IFERROR(SUBTOTAL(101,")   # follows the autofilter
    scores = [s.used.result.group(1).score for s in sample.schools if s.used and s.used.result]
    assert cached[total][g1] == pytest.approx(float(sum(scores) / len(scores)))
    assert cached[total][2] == len(sample.schools)
    assert cached[total][header.index("Số lỗi")] == 3 and cached[total][header.index("Số cảnh báo")] == 3


# ---- Cần sửa ----------------------------------------------------------------------------------

FIXES = [   # school order, then file, then errors before warnings; the unplaced files last
    ("79702", "inbox/thu-79702.eml!Phiếu CĐS Tuổi Thơ.xlsx", "Nhóm 1!E7", "E201", "Lỗi"),
    ("79702", "inbox/thu-79702.eml!Phiếu CĐS Tuổi Thơ.xlsx", "Nhóm 2!E9", "E301", "Cảnh báo"),
    ("79802", "inbox/79802.xlsx", "Nhóm 1!E9", "E203", "Lỗi"),
    ("79802", "inbox/79802.xlsx", "Nhóm 1!F30", "E208", "Cảnh báo"),
    ("79901", "inbox/79901 cũ.xlsx", None, "E113", "Lỗi"),
    ("80001", "inbox/80001.xlsx", "Thông tin chung!B4", "E404", "Cảnh báo"),
    (None, "inbox/Danh sách lớp.xlsx", None, None, "Lỗi"),        # not our template: its ledger reason
    (None, "inbox/Phiếu không tên.xlsx", "Thông tin chung!B4", "E403", "Lỗi"),
]


def test_fix_sheet_lists_every_error_and_warning_and_no_information(summary):
    _, entries = build()
    by_place = {(f.file, f.code.name): f for s in entries for f in s.findings}
    header, rows = body(sheet_rows(summary, "Cần sửa"), "Mã trường")
    assert header == ("Mã trường", "Tên trường", "Tệp", "Vị trí", "Mã lỗi", "Mức độ", "Nội dung")
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == FIXES
    for r in rows:
        if r[4]:
            assert r[6] == by_place[(r[2], r[4])].message
    assert rows[6][6] == "Không phải mẫu phiếu: Bảng tính không phải phiếu tự đánh giá của công cụ."
    assert rows[7][1] == "Trường Không Rõ"   # the name the unidentified file gives


def test_missing_sheet_lists_the_schools_with_their_contacts(summary):
    _, rows = body(sheet_rows(summary, "Chưa nộp"), "STT")
    assert [r[1:] for r in rows] == [
        ("79803", "Trường Tiểu học Phù Đổng", "Tiểu học", "Phường Tân Kiểng", "th79803@q7.edu.vn"),
        ("79902", "Trường THCS Huỳnh Tấn Phát", "Trung học cơ sở", "Phường Tân Thuận Tây", "thcs79902@q7.edu.vn")]


def test_changes_sheet_has_one_row_per_change(summary):
    _, rows = body(sheet_rows(summary, "Thay đổi so với đợt trước"), "STT")
    assert [r[1:] for r in rows] == [(c.school_code, c.school_name, c.kind.value, c.before, c.after) for c in CHANGES]


# ---- Sổ nhận file -----------------------------------------------------------------------------

def test_ledger_sheet_is_the_ledger(sample, summary):
    header, rows = body(sheet_rows(summary, "Sổ nhận file"), "STT")
    assert header[-1] == "SHA-256" and len(rows) == len(sample.ledger)
    for r, line in zip(rows, sample.ledger):
        e = line.entry
        assert (r[1], r[2], r[3], r[4]) == (e.source, e.name, KIND_LABELS[e.kind], e.size)
        assert r[6] == TIME_SOURCE_LABELS[e.time_source]
        assert (r[9] or "", r[10], r[11]) == (line.school_code, line.reason, e.sha256)
    fates = {r[1]: r[8] for r in rows}
    assert fates == {
        "inbox/Hoa Sen lần 1.xlsx": "Bị thay bằng tệp mới hơn",
        "inbox/Hoa Sen lần 2.xlsx": "Đã dùng",
        "inbox/thu-79702.eml!Phiếu CĐS Tuổi Thơ.xlsx": "Đã dùng",
        "inbox/dot1-tieu-hoc.zip": "Tệp nén/thư (đã mở)",
        "inbox/dot1-tieu-hoc.zip!79801.xlsx": "Đã dùng",
        "inbox/dot1-tieu-hoc.zip!Báo cáo.pdf": "Không phải bảng tính",
        "inbox/79802.xlsx": "Đã dùng",
        "inbox/79802 - Copy.xlsx": "Trùng tệp",
        "inbox/79901 cũ.xlsx": "Đã dùng",
        "inbox/80001.xlsx": "Đã dùng",
        "inbox/Phiếu không tên.xlsx": "Không rõ trường",
        "inbox/Danh sách lớp.xlsx": "Không phải mẫu phiếu",
        "inbox/nen.zip!bom.xlsx": "Bị từ chối (giới hạn an toàn)",
    }
    times = {r[1]: (r[5], r[6]) for r in rows}
    assert times["inbox/79802.xlsx"] == (datetime(2025, 10, 2, 8, 30), "theo thời gian sửa tệp")
    assert times["inbox/dot1-tieu-hoc.zip!79801.xlsx"][1] == "theo thời gian tệp trong tệp nén"


# ---- Thống kê and Chi tiết tiêu chí -----------------------------------------------------------

def test_statistics_count_valid_and_needs_fix_schools_by_level_of_education(summary):
    rows = sheet_rows(summary, "Thống kê")
    assert any("Chỉ tính" in str(r[0]) and "'Hợp lệ' và 'Cần sửa'" in str(r[0]) for r in rows)
    start = next(i for i, r in enumerate(rows) if r[0] == "Mức chung của cơ sở giáo dục")
    header, table = body(rows[start + 1:], "Cấp học")
    assert header == ("Cấp học", "Mức 1", "Mức 2", "Mức 3", "Chưa xếp mức", "Tổng")
    assert table == [("Mầm non", 0, 1, 1, 0, 2), ("Tiểu học", 0, 2, 0, 0, 2), ("Trung học cơ sở", 0, 0, 0, 1, 1),
                     ("Tổng cộng", 0, 3, 1, 1, 5)]
    titles = [r[0] for r in rows if str(r[0]).startswith(("Nhóm ", "Mức chung"))]
    assert titles == ["Nhóm 1: Chuyển đổi số trong dạy, học", "Nhóm 2: Chuyển đổi số trong quản trị cơ sở giáo dục",
                      "Mức chung của cơ sở giáo dục"]
    with zipfile.ZipFile(summary) as z:   # one chart per table
        assert len([n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == 3


def criterion_parts(rows):
    """[(header, maxima, school rows, averages, shares)] in sheet order, cut to each table's width.

    A table that continues on a new page repeats its group title, header and maxima: those are skipped.
    """
    parts, part, width = [], None, 0
    for r in rows:
        first = r[0]
        if first == "Mã trường":
            if part is None:
                width = len(r) - next(n for n, v in enumerate(reversed(r)) if v is not None)
                part = {"header": r[:width], "schools": []}
        elif part is None or all(v is None for v in r) or str(first).startswith("Nhóm "):
            continue
        elif first == "Điểm tối đa":
            part["maxima"] = r[:width]
        elif first == "Điểm trung bình":
            part["averages"] = r[:width]
        elif first == "Tỉ lệ trường đạt điểm tối đa":
            parts.append((part["header"], part["maxima"], part["schools"], part["averages"], r[:width]))
            part = None
        else:
            part["schools"].append(r[:width])
    return parts


def test_criteria_sheet_has_each_schools_points_and_the_weak_spots(sample, summary):
    rows = sheet_rows(summary, "Chi tiết tiêu chí")
    titles = [r[0] for r in rows if str(r[0]).startswith("Bộ chỉ số:")]
    assert [t.split("(")[-1].split(",")[0] for t in titles] == [r.id for r in RUBRICS]
    parts = criterion_parts(rows)
    assert len(parts) == sum(len(r.groups) for r in RUBRICS)
    results = {s.info.code: s.used.result for s in sample.schools if s.used and s.used.result}
    for (header, maxima, schools, averages, shares), (rubric, group) in zip(
            parts, [(r, g) for r in RUBRICS for g in r.groups]):
        codes = [c.code for c in group.criteria]
        assert list(header[3:]) == codes + [f"Tổng nhóm {group.id}"]
        assert [r[0] for r in schools] == [code for code, res in results.items() if res.rubric_id == rubric.id]
        for n, c in enumerate(group.criteria, start=3):
            points = [results[r[0]].criterion(c.code) for r in schools]
            if c.kind is Kind.CONDITION:
                assert maxima[n] == "ĐK"
                assert [r[n] for r in schools] == ["Đạt" if p.met else "Không đạt" for p in points]
                continue
            assert maxima[n] == c.max_points
            assert [Fraction(r[n]) for r in schools] == [p.points for p in points]
            assert averages[n] == pytest.approx(float(sum(p.points for p in points) / len(points)))
            assert shares[n] == pytest.approx(sum(p.points == c.max_points for p in points) / len(points))
        assert [Fraction(r[-1]) for r in schools] == [results[r[0]].group(group.id).score for r in schools]


def test_a_long_criteria_table_starts_every_printed_page_with_its_header(tmp_path):
    roster = tuple(SchoolInfo(f"8{n:04d}", f"Trường Tiểu học Số {n}", "Tiểu học") for n in range(60))
    entries = [entry(f"inbox/{s.code}.xlsx", at(1, 8)) for s in roster]
    subs = [submission(e, s.code, NATIONAL) for e, s in zip(entries, roster)]
    target = tmp_path / "dai.xlsx"
    write_summary(consolidate(entries, subs, roster), [NATIONAL], target, office=OFFICE, round_label=ROUND)
    ws = openpyxl.load_workbook(target)["Chi tiết tiêu chí"]
    starts = [b.id for b in ws.row_breaks.brk]   # the 1-based row each new page starts after
    assert len(starts) >= 2
    for after in starts:
        assert str(ws.cell(after + 1, 1).value).startswith("Nhóm ") and ws.cell(after + 2, 1).value == "Mã trường"
    parts = criterion_parts(sheet_rows(target, "Chi tiết tiêu chí"))
    assert [len(p[2]) for p in parts] == [60, 60]   # the continued tables still hold every school once


# ---- the file as a whole ----------------------------------------------------------------------

def test_the_results_ride_along_in_a_hidden_sheet_for_the_province(sample, summary):
    wb = openpyxl.load_workbook(summary)
    assert wb[PAYLOAD_SHEET].sheet_state == "hidden"
    assert read_payload(summary) == results(sample, OFFICE)


def test_same_inputs_give_the_same_bytes(sample, summary, tmp_path):
    again = tmp_path / "lan-2.xlsx"
    write_summary(district(), RUBRICS, again, office=OFFICE, round_label=ROUND, changes=CHANGES)
    assert again.read_bytes() == summary.read_bytes()
    assert openpyxl.load_workbook(again).properties.created == DOCUMENT_DATE


def test_every_sheet_prints_on_a4_one_page_wide_with_page_numbers(summary):
    wb = openpyxl.load_workbook(summary)
    landscape = {"Tổng hợp", "Chi tiết tiêu chí", "Cần sửa", "Tệp không dùng được", "Sổ nhận file"}
    for ws in (ws for ws in wb.worksheets if ws.sheet_state == "visible"):
        setup = ws.page_setup
        assert setup.paperSize == 9, ws.title
        assert setup.orientation == ("landscape" if ws.title in landscape else "portrait"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text
        if ws.title not in ("Thống kê", "Chi tiết tiêu chí"):
            assert ws.print_title_rows, ws.title   # the table header repeats on every page
    # D9: the title block ends with the standing line of the built-in (reconstructed) rubric
    assert wb["Tổng hợp"].auto_filter.ref and wb["Tổng hợp"].freeze_panes == "D9"


def test_a_failed_write_leaves_nothing_behind(sample, tmp_path, monkeypatch):
    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_book.Book, "close", broken)
    scratch = tmp_path / "tmp"   # where the summary's rows wait (XlsxWriter constant_memory) while it is written
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "ket-qua"
    with pytest.raises(RuntimeError):
        write_summary(sample, RUBRICS, out / "tong-hop.xlsx", office=OFFICE, round_label=ROUND)
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []


def test_an_empty_district_still_gives_a_complete_workbook(tmp_path):
    target = tmp_path / "rong.xlsx"
    write_summary(District((), (), ()), RUBRICS, target, office="", round_label="", changes=[])
    assert visible(target) == SHEETS[:6] + ["Thay đổi so với đợt trước", SHEETS[6]]
    assert read_payload(target) == []
    values = {v for r in sheet_rows(target, "Cần sửa") for v in r}
    assert "Không có lỗi hay cảnh báo nào cần sửa." in values
    assert "Tất cả các trường trong danh sách đã nộp." in {v for r in sheet_rows(target, "Chưa nộp") for v in r}


# ---- printed by LibreOffice -------------------------------------------------------------------

A4 = {(595, 842), (842, 595)}
FIRST_LAST = {   # per sheet: the first and the last column header, which must share each page
    "Tổng hợp": ("STT", "Nguồn ngày"),   # the last header, wrapped on two lines
    "Tệp không dùng được": ("STT", "Lý do"),
    "Chi tiết tiêu chí": ("Trạng thái", "Tổng"),
    "Cần sửa": ("Mã lỗi", "Nội dung"),
    "Chưa nộp": ("STT", "Email"),
    "Thay đổi so với đợt trước": ("STT", "Đợt này"),
    "Sổ nhận file": ("Kích thước", "SHA-256"),
    "Thống kê": ("Cấp học", "Tổng"),
}


@pytest.mark.slow
def test_printed_summary_is_a4_and_no_sheet_is_cut_across_pages(summary, tmp_path):
    pdf = soffice_convert(summary, "pdf", tmp_path)
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)",
                       subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                                      check=True, timeout=60).stdout)
    assert sizes and {(round(float(w)), round(float(h))) for w, h in sizes} <= A4
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == len(sizes)
    by_sheet: dict[str, list[int]] = {}
    for n, page in enumerate(pages):
        footer = page.strip().splitlines()[-1]
        sheet = re.sub(r"\s*Trang \d+/\d+\s*$", "", footer).strip()   # the footer names the sheet
        by_sheet.setdefault(sheet, []).append(n)
        first, last = FIRST_LAST[sheet]
        if first in page:
            assert last in page, f"page {n + 1} ({sheet}): the last column went to another page"
    assert list(by_sheet) == SHEETS[:6] + ["Thay đổi so với đợt trước", SHEETS[6]]
    landscape = {"Tổng hợp", "Chi tiết tiêu chí", "Cần sửa", "Tệp không dùng được", "Sổ nhận file"}
    for sheet, numbers in by_sheet.items():
        widths = {round(float(sizes[n][0])) for n in numbers}
        assert widths == ({842} if sheet in landscape else {595}), sheet
    # Small as the district is, each sheet is one page wide and short: a spill to the right would add pages.
    assert {s: len(n) for s, n in by_sheet.items()} == {
        "Tổng hợp": 1, "Thống kê": 2, "Chi tiết tiêu chí": 2, "Cần sửa": 1, "Tệp không dùng được": 1,
        "Chưa nộp": 1, "Thay đổi so với đợt trước": 1, "Sổ nhận file": 1}
