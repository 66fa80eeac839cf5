"""The read stage: a returned workbook → the school's raw answers, each with the sheet!cell it came from.

Rules covered: R1 cells located by the defined names, at the cell the file has them (after
inserted rows); R2 names lost → the code column, with a note; R3 the values the reader must
understand (percent cells, '7,5', error cells, booleans, dates, formulas without results);
R4 legacy TCVN3/VNI text in a legacy font converted, with a note; R5 LibreOffice's .xlsx, .ods
and .xls of a filled template read back equal; R6 a file that is no workbook → ReadError.
"""
from __future__ import annotations

import zipfile
from datetime import date
from fractions import Fraction

import pytest

from cds_batch.core.findings import Code
from cds_batch.form.answers import PercentCell
from cds_batch.reading.workbook import ErrorValue, ReadError, read_identity, read_workbook
from cds_batch.reading.values import Cell, report_date
from cds_batch.checking.score import score

from tests.builders.office import soffice_batch
from tests.builders.workbook import fill, insert_rows, values_only_copy, without_sheet
from tests.read_fixtures import cells_table, quirks_rubric, template
from tests.template_helpers import SCHOOL

ANSWERS = {"CDS_V_1_1": "Đạt", "CDS_V_1_2": 7, "CDS_V_1_3": "7,5", "CDS_V_1_4": 85, "CDS_V_2_1_1": "Có",
           "CDS_V_2_1_2": "Không", "CDS_E_1_1": "MC-1.1-01; MC-1.1-02", "CDS_REPORT_DATE": date(2025, 9, 5)}
EVIDENCE = (("MC-1.1-01", "1.1", "Kế hoạch số 12/KH-THCS", "12/KH, 05/9/2025", "Tủ hồ sơ"),)

EXPECTED = cells_table("""
| key   | sheet  | cell | value   |
|-------|--------|------|---------|
| 1.1   | Nhóm 1 | F5   | Đạt     |
| 1.2   | Nhóm 1 | F6   | 7       |
| 1.3   | Nhóm 1 | F7   | "7,5"   |
| 1.4   | Nhóm 1 | F8   | 85      |
| 2.1_1 | Nhóm 2 | F6   | Có      |
| 2.1_2 | Nhóm 2 | F7   | Không   |
""")

# The same school, with what schools really type: TRUE, a formula error, 85 % as a percent cell,
# the name in TCVN3 in a .VnTime font, the contact in VNI in a VNI-Times font, the date as text.
QUIRKS = {"CDS_V_1_1": True, "CDS_V_1_2": "=1/0", "CDS_V_1_3": "7,5", "CDS_V_1_4": 0.85, "CDS_V_2_1_1": "x",
          "CDS_SCHOOL_NAME": "Tr\u00adêng THCS NguyÔn Tr·i", "CDS_CONTACT_NAME": "Tröôøng phoù Nguyeãn Vaên Ba",
          "CDS_REPORT_DATE": "05/09/2025"}
QUIRK_FORMATS = {"CDS_V_1_4": "0%"}
QUIRK_FONTS = {"CDS_SCHOOL_NAME": ".VnTime", "CDS_CONTACT_NAME": "VNI-Times"}

EXPECTED_QUIRKS = cells_table("""
| key   | sheet  | cell | value   |
|-------|--------|------|---------|
| 1.1   | Nhóm 1 | F5   | True    |
| 1.2   | Nhóm 1 | F6   | #DIV/0! |
| 1.3   | Nhóm 1 | F7   | "7,5"   |
| 1.4   | Nhóm 1 | F8   | 85%     |
| 2.1_1 | Nhóm 2 | F6   | x       |
| 2.1_2 | Nhóm 2 | F7   |         |
""")


def rows(response) -> list[tuple[object, ...]]:
    """The answers as (key, sheet, cell, value) rows; errors and percent cells shown as the sheet shows them."""
    def shown(v):
        if isinstance(v, ErrorValue):
            return v.text
        if isinstance(v, PercentCell):
            return f"{round(v.value * 100)}%"
        return True if v is True else v
    return [(k, c.sheet, c.ref, shown(c.value)) for k, c in response.answers.items()]


def kinds(response) -> set[str]:
    return {n.code for n in response.notes}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The filled template, its quirky twin and a copy with inserted rows, as typed (openpyxl)."""
    tmp = tmp_path_factory.mktemp("read")
    rubric = quirks_rubric(tmp)
    blank = template(rubric, tmp / "blank")
    filled = fill(blank, tmp / "filled.xlsx", ANSWERS, evidence=EVIDENCE)
    quirks = fill(blank, tmp / "quirks.xlsx", QUIRKS, formats=QUIRK_FORMATS, fonts=QUIRK_FONTS)
    shifted = insert_rows(filled, tmp / "step.xlsx", "Nhóm 1", 6, 2)
    shifted = insert_rows(shifted, tmp / "shifted.xlsx", "Thông tin chung", 4, 1)
    return rubric, {"filled": filled, "quirks": quirks, "shifted": shifted}


@pytest.fixture(scope="module")
def lo(files, tmp_path_factory):
    """The same files as LibreOffice saves them: three soffice starts for the whole module."""
    _, typed = files
    tmp = tmp_path_factory.mktemp("read-lo")
    return {"xlsx": soffice_batch([typed["filled"], typed["quirks"], typed["shifted"]], "xlsx", tmp / "xlsx"),
            "ods": soffice_batch([typed["filled"], typed["quirks"]], "ods", tmp / "ods"),
            "xls": soffice_batch([typed["filled"], typed["quirks"]], "xls", tmp / "xls")}


def test_r1_filled_template_read_by_names(files):
    rubric, typed = files
    got = read_workbook(typed["filled"], rubric, "inbox/filled.xlsx")
    assert rows(got) == EXPECTED
    assert (got.located_by, got.format, got.entry_source) == ("names", "xlsx", "inbox/filled.xlsx")
    assert got.evidence_notes["1.1"] == Cell("Nhóm 1", "E5", "MC-1.1-01; MC-1.1-02")
    assert got.evidence_notes["1.2"] == Cell("Nhóm 1", "E6", None)
    assert [[c.value for c in row] for row in got.evidence_rows] == [list(EVIDENCE[0])]
    assert got.evidence_rows[0][0] == Cell("Danh mục minh chứng", "A7", "MC-1.1-01")
    assert got.school["CDS_SCHOOL_CODE"] == Cell("Thông tin chung", "B4", SCHOOL.code)
    assert got.school["CDS_REPORT_DATE"] == Cell("Thông tin chung", "B13", date(2025, 9, 5))
    assert (got.identity["CDS_ISSUED_FOR"], got.identity["CDS_RUBRIC_HASH"]) == (SCHOOL.code, rubric.content_hash)
    assert got.identity_source == "cells"
    # openpyxl (the test's "person") keeps no formula results: the totals are reported, not guessed
    assert {(n.code, n.sheet, n.ref) for n in got.notes} == {
        (Code.E107, "Nhóm 1", "G9"), (Code.E107, "Nhóm 2", "G8")}
    assert score(rubric, got.raw_answers()).group(1).score == 7 + Fraction(15, 2) + 5   # '7,5' is 7.5 here


def test_r1_read_identity_before_the_rubric_is_known(files):
    rubric, typed = files
    assert read_identity(typed["filled"]) == {
        "CDS_RUBRIC_ID": rubric.id, "CDS_RUBRIC_VERSION": rubric.version, "CDS_RUBRIC_HASH": rubric.content_hash,
        "CDS_TEMPLATE_VERSION": "1", "CDS_ROUND": "Đợt 1 năm 2025", "CDS_ISSUED_FOR": SCHOOL.code}


def test_r1_identity_from_custom_properties_when_the_hidden_sheet_is_gone(files, tmp_path):
    rubric, typed = files
    got = read_workbook(without_sheet(typed["filled"], tmp_path / "no-meta.xlsx", "_cds"), rubric, "x")
    assert (got.identity_source, got.identity["CDS_ISSUED_FOR"]) == ("properties", SCHOOL.code)
    assert Code.E109 in kinds(got)


@pytest.mark.parametrize("saved", ["typed", pytest.param("xlsx", marks=pytest.mark.slow)])
def test_r1_rows_inserted_above_answers_are_followed(files, request, saved):
    rubric, typed = files
    path = typed["shifted"] if saved == "typed" else request.getfixturevalue("lo")["xlsx"][typed["shifted"]]
    got = read_workbook(path, rubric, "x")
    assert rows(got) == cells_table("""
        | key   | sheet  | cell | value   |
        | 1.1   | Nhóm 1 | F5   | Đạt     |
        | 1.2   | Nhóm 1 | F8   | 7       |
        | 1.3   | Nhóm 1 | F9   | "7,5"   |
        | 1.4   | Nhóm 1 | F10  | 85      |
        | 2.1_1 | Nhóm 2 | F6   | Có      |
        | 2.1_2 | Nhóm 2 | F7   | Không   |
        """)
    assert got.located_by == "names"
    assert got.school["CDS_SCHOOL_CODE"] == Cell("Thông tin chung", "B5", SCHOOL.code)
    assert (got.totals[1].sheet, got.totals[1].ref) == ("Nhóm 1", "G11")


def test_r2_values_only_copy_is_read_by_code_with_a_note(files, tmp_path):
    rubric, typed = files
    got = read_workbook(values_only_copy(typed["filled"], tmp_path / "copy.xlsx"), rubric, "x")
    assert rows(got) == EXPECTED
    assert got.located_by == "codes"
    whole_file = [n for n in got.notes if n.code == Code.E101]
    assert [(n.sheet, n.ref) for n in whole_file] == [("", "")]
    assert got.school["CDS_SCHOOL_CODE"] == Cell("Thông tin chung", "B4", SCHOOL.code)
    assert got.evidence_notes["1.1"] == Cell("Nhóm 1", "E5", "MC-1.1-01; MC-1.1-02")
    assert (got.totals[1].ref, got.totals[2].ref) == ("G9", "G8")
    assert len(got.evidence_rows) == 1


def test_r2_renamed_group_sheet_found_by_its_codes(files, tmp_path):
    import openpyxl
    rubric, typed = files
    wb = openpyxl.load_workbook(typed["filled"])
    wb["Nhóm 2"].title = "Dữ liệu"   # openpyxl leaves the names pointing at 'Nhóm 2'
    wb.save(tmp_path / "renamed.xlsx")
    got = read_workbook(tmp_path / "renamed.xlsx", rubric, "x")
    assert rows(got)[-2:] == [("2.1_1", "Dữ liệu", "F6", "Có"), ("2.1_2", "Dữ liệu", "F7", "Không")]
    assert {(n.code, n.sheet, n.ref) for n in got.notes if n.code != Code.E107} == {
        (Code.E102, "Dữ liệu", ""), (Code.E101, "Dữ liệu", "F6"),
        (Code.E101, "Dữ liệu", "F7"), (Code.E101, "Dữ liệu", "E5")}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_r5_libreoffice_saves_read_back_equal(files, lo, fmt):
    rubric, typed = files
    got = read_workbook(lo[fmt][typed["filled"]], rubric, "x")
    assert rows(got) == EXPECTED
    assert (got.located_by, got.format) == ("names", fmt)
    assert got.school["CDS_REPORT_DATE"].value == date(2025, 9, 5)
    assert got.identity["CDS_ISSUED_FOR"] == SCHOOL.code
    assert [[c.value for c in row] for row in got.evidence_rows] == [list(EVIDENCE[0])]
    # LibreOffice recalculated the totals on load; the reader returns them as cached
    assert {g: c.value for g, c in got.totals.items()} == {1: 12, 2: 2}
    assert kinds(got) == set()


def test_r3_r4_quirks_as_typed(files):
    rubric, typed = files
    got = read_workbook(typed["quirks"], rubric, "x")
    # openpyxl stores no result for =1/0, so the cell is blank and said to be so
    assert rows(got) == [r if r[0] != "1.2" else (*r[:3], None) for r in EXPECTED_QUIRKS]
    assert (Code.E107, "Nhóm 1", "F6") in {(n.code, n.sheet, n.ref) for n in got.notes}
    assert_school_quirks(got)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_r3_r4_quirks_after_libreoffice(files, lo, fmt):
    rubric, typed = files
    got = read_workbook(lo[fmt][typed["quirks"]], rubric, "x")
    assert rows(got) == EXPECTED_QUIRKS
    assert got.answers["1.2"].value == ErrorValue("#DIV/0!")
    assert got.answers["1.4"].value == PercentCell(0.85)
    assert_school_quirks(got)
    assert score(rubric, got.raw_answers()).criterion("1.4").points == 5


def assert_school_quirks(got):
    assert got.school["CDS_SCHOOL_NAME"].value == "Trường THCS Nguyễn Trãi"
    assert got.school["CDS_CONTACT_NAME"].value == "Trường phó Nguyễn Văn Ba"
    assert got.school["CDS_REPORT_DATE"] == Cell("Thông tin chung", "B13", date(2025, 9, 5))
    notes = {(n.code, n.ref, n.raw) for n in got.notes}
    assert {(Code.E106, "B5", QUIRKS["CDS_SCHOOL_NAME"]),
            (Code.E106, "B10", QUIRKS["CDS_CONTACT_NAME"]),
            (Code.E108, "B13", "05/09/2025")} <= notes


@pytest.mark.parametrize("value, expected, noted", [
    (date(2025, 9, 5), date(2025, 9, 5), False),
    (45905, date(2025, 9, 5), True),          # a date cell that lost its format shows its serial
    ("05/09/2025", date(2025, 9, 5), True),
    ("5.9.2025", date(2025, 9, 5), True),
    ("2025-09-05", date(2025, 9, 5), True),
    ("31/02/2025", "31/02/2025", False),      # no such day: left for validate to report
    ("tuần sau", "tuần sau", False),
    (None, None, False),
])
def test_r3_report_date(value, expected, noted):
    notes = []
    assert report_date(Cell("Thông tin chung", "B13", value), notes).value == expected
    assert [n.code for n in notes] == ([Code.E108] if noted else [])


def test_extension_that_lies_is_read_by_content(files, tmp_path):
    rubric, typed = files
    renamed = tmp_path / "bao-cao.xls"
    renamed.write_bytes(typed["filled"].read_bytes())
    got = read_workbook(renamed, rubric, "x")
    assert (rows(got), got.format) == (EXPECTED, "xlsx")
    assert Code.E111 in kinds(got)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "tệp hỏng"),
    (lambda p: p.write_text("Mã trường;Tên trường\n79001;Hoa Sen\n", encoding="utf-8"), "không phải bảng tính"),
    (lambda p: _zip(p, {"readme.txt": "xin chào"}), "không phải bảng tính"),
    (lambda p: _zip(p, {"xl/workbook.xml": "<workbook"}), "Không đọc được tệp"),
])
def test_r6_not_a_workbook_raises_read_error(tmp_path, make, says):
    path = tmp_path / "bao-cao.xlsx"
    make(path)
    with pytest.raises(ReadError, match=says):
        read_workbook(path, None, "x")


SHEET_XML = (b'<worksheet xmlns:x="urn:x"><x:sheetData><x:row r="9">'
             b'<x:c r="E9" s="2" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>'
             b'<x:c s="1" r="F9"><x:v>0.85</x:v></x:c>'
             b'<x:c r="G9" s="3"><x:f>SUM(F9)</x:f><x:v/></x:c><x:c r="H9" s="0"/>'
             b'<x:c r="I9" t="inlineStr"><x:is><x:t>a r="F9" &lt;b&gt;</x:t></x:is></x:c>'
             b'</x:row></x:sheetData></worksheet>')


MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.mark.parametrize("xml", [SHEET_XML, SHEET_XML.replace(b' r="G9"', b"")],
                         ids=["refs", "one-ref-left-out"])
def test_xlsx_cell_scan_finds_styles_errors_and_formulas(xml):
    from cds_batch.reading.cell_info import _xlsx_scan, _xlsx_tree
    wanted = {"E9", "F9", "G9", "H9", "A1"}
    found = _xlsx_scan(xml, wanted)
    if found is None:   # a cell without `r`: positions are counted by ElementTree
        found = _xlsx_tree(xml.replace(b"urn:x", MAIN_NS), wanted)
    assert found == {"E9": (2, "e", True, "#DIV/0!"), "F9": (1, "n", False, "0.85"), "G9": (3, "n", True, ""),
                     "H9": (0, "n", False, None)}
