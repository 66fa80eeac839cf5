"""Hostile and broken input: the workbook reader stays safe, and every refusal says why.

Rules covered: H1 an XML part with a DTD (an entity bomb) ends the file as unreadable, naming the
file and the part, before anything expands it; H2 a part that inflates past its declared size is
refused; H3 a file beyond `ReadLimits` (rows, cells, sheets, part size, zip members, XML tags) is
refused before python-calamine builds it — in particular one filled cell at the far corner, or a
shared-strings count, which make calamine ask for hundreds of GB and end the whole process; H4 a
sheet just inside the limits reads normally; H5 what calamine raises on a broken sheet becomes an
unreadable file, not an internal error.
"""
from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from cds_batch.form import layout as L
from cds_batch.intake.discover import Fate
from cds_batch.checking.examine import Submission, examine
from cds_batch.reading.workbook import ReadError, ReadLimits, Workbook, read_workbook

from tests.hostile_files import (
    BLANK_TEMPLATE, SAMPLE_ODS, huge_sheet, lying_size, many_sheets, rezip, sheet_member, with_bomb, with_cell,
    write
)
from tests.validate_fixtures import CONTEXT, RUBRIC, blank_template, entry, workbook

MB = 1 << 20
EVIDENCE_PART = "xl/worksheets/sheet5.xml"   # "Danh mục minh chứng" in the templates' sheet order


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> bytes:
    """A filled template as a school's Excel would return it (typed with openpyxl: inline strings)."""
    tmp = tmp_path_factory.mktemp("hostile")
    return workbook(blank_template(tmp / "blank"), tmp / "filled.xlsx").read_bytes()


def examined(tmp_path: Path, data: bytes, name: str = "phieu.xlsx") -> Submission:
    return examine(entry(write(tmp_path / name, data)), CONTEXT)


def unreadable(sub: Submission, *fragments: str) -> None:
    assert sub.fate is Fate.UNREADABLE, (sub.fate, sub.reason)
    for fragment in fragments:
        assert fragment in sub.reason, (fragment, sub.reason)


# --- H1: entity bombs ------------------------------------------------------------------------------

BOMBS = [   # (source, part, the opening tag the entity is used after)
    ("filled", "xl/workbook.xml", b'<definedName name="CDS_COMMUNE">'),
    ("filled", "xl/worksheets/sheet3.xml", b"<t>"),
    ("filled", "docProps/custom.xml", b"<vt:lpwstr>"),
    ("filled", "xl/styles.xml", b"<numFmts"),
    ("blank", "xl/sharedStrings.xml", b"<t>"),
    ("ods", "content.xml", b"<text:p>"),
]


@pytest.mark.parametrize("source,part,into", BOMBS, ids=[f"{s}:{p}" for s, p, _ in BOMBS])
def test_entity_bomb_is_refused_unexpanded(tmp_path, filled, source, part, into):
    """H1: billion laughs (3 GB once expanded) in any part: unreadable, the part named, memory flat."""
    data = {"filled": filled, "blank": BLANK_TEMPLATE.read_bytes(), "ods": SAMPLE_ODS.read_bytes()}[source]
    if part == "xl/styles.xml":
        into = b">"   # right after the root element's opening tag: text there is harmless but expanded
    name = "phieu.ods" if source == "ods" else "phieu.xlsx"
    bombed = rezip(data, {part: lambda xml: with_bomb(xml, into)})
    tracemalloc.start()
    try:
        sub = examined(tmp_path, bombed, name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    unreadable(sub, f"'{name}'", f"'{part}'", "DTD")
    assert peak < 32 * MB, peak


def test_dtd_without_entities_is_refused_too(tmp_path, filled):
    """H1: no workbook has a DTD at all, so a bare <!DOCTYPE> is refused the same way."""
    member = sheet_member(filled, 2)
    sub = examined(tmp_path, rezip(filled, {member: lambda xml: b"<!DOCTYPE worksheet>" + xml}))
    unreadable(sub, f"'{member}'", "DTD")


# --- H2: a part larger than the zip says ----------------------------------------------------------

def test_part_inflating_past_its_declared_size_is_unreadable(tmp_path, filled):
    """H2: 1.3 MB of rows behind a header that declares the original few KB: zipfile and calamine
    both stop at the declared size; the file ends unreadable, not read in part."""
    member = sheet_member(filled, 6)
    sub = examined(tmp_path, lying_size(filled, member, 30_000))
    assert sub.fate is Fate.UNREADABLE and sub.reason


# --- H3: limits, checked before calamine builds a sheet ------------------------------------------

MILLION = {   # (column of the one number on each row, whether the part declares its dimension, limit hit)
    "column-A": ("A", False, "có dữ liệu ở dòng"),
    "column-AN": ("AN", True, "quá giới hạn 2.000.000 ô một trang"),
}


@pytest.mark.parametrize("column,dimension,breach", list(MILLION.values()), ids=list(MILLION))
def test_million_row_sheet_is_refused_without_loading(tmp_path, filled, column, dimension, breach):
    """H3: the sheet is measured in pieces and refused at the first piece past a limit: 100,000 rows
    for one column; for 40 columns (up to AN), the 2,000,000 cells a little past row 50,000."""
    data = huge_sheet(filled, EVIDENCE_PART, 1_000_000, dimension=dimension, column=column)
    start = time.perf_counter()
    tracemalloc.start()
    try:
        sub = examined(tmp_path, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    unreadable(sub, "Vượt giới hạn đọc: trang 'Danh mục minh chứng' của tệp 'phieu.xlsx'", breach)
    if column == "A":
        assert "quá giới hạn 100.000 dòng một trang" in sub.reason
    assert peak < 64 * MB, peak
    assert time.perf_counter() - start < 30   # generous for a loaded CI machine; the point is no 1M-row load


# One filled cell at the last cell of a sheet, written every way calamine still reads it. Without
# the check each of these ends the test process ("memory allocation of 549755813888 bytes failed").
FAR_CELLS = {
    "plain": b'<c r="XFD1048576" t="n"><v>1</v></c>',
    "second-r": b'<c r="A1" t="n" r="XFD1048576"><v>1</v></c>',
    "single-quotes": b"<c r='XFD1048576' t='n'><v>1</v></c>",
    "spaced": b'<c r = "XFD1048576"><v>1</v></c>',
    "prefixed": b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD1048576">'
                b"<x:v>1</x:v></x:c>",
    "empty-inline-string": b'<c r="XFD1048576" t="inlineStr"><is><t></t></is></c>',
    "overflowing-row": b'<c r="A99999999999999999999" t="n"><v>1</v></c>',
    "long-column": b'<c r="AAAAAAAAAAAA1" t="n"><v>1</v></c>',
    "no-r-in-far-row": b'<c t="n"><v>1</v></c>',   # takes its row from <row r="1048576">
}


@pytest.mark.parametrize("cell", list(FAR_CELLS.values()), ids=list(FAR_CELLS))
def test_far_away_cell_is_refused_not_allocated(tmp_path, filled, cell):
    """H3: a 20 KB file cannot make calamine build a 17-billion-cell grid."""
    member = sheet_member(filled, 6)   # _cds: read first, for the file's identity
    sub = examined(tmp_path, rezip(filled, {member: lambda xml: with_cell(xml, cell)}))
    assert sub.fate is Fate.UNREADABLE and sub.reason, (sub.fate, sub.reason)


def test_far_away_empty_cell_is_harmless(tmp_path, filled):
    """H3/H4: a styled empty cell far out (Excel writes those) builds no grid in calamine: read normally."""
    member = sheet_member(filled, 6)
    sub = examined(tmp_path, rezip(filled, {member: lambda xml: with_cell(xml, b'<c r="XFD1048576" s="0"/>')}))
    assert sub.fate is None and sub.result is not None, sub.reason


def test_more_sheets_than_the_limit(tmp_path, filled):
    """H3: 6 template sheets and 95 added ones is one more than the default 100."""
    sub = examined(tmp_path, many_sheets(filled, 95))
    unreadable(sub, "Vượt giới hạn đọc: tệp 'phieu.xlsx' có 101 trang, quá giới hạn 100 trang")


def test_sheet_limit_is_a_parameter(tmp_path, filled):
    path = write(tmp_path / "phieu.xlsx", filled)
    with pytest.raises(ReadError, match="có 6 trang, quá giới hạn 5 trang"):
        Workbook(path, ReadLimits(max_sheets=5))
    with Workbook(path, ReadLimits(max_sheets=6)) as book:
        assert len(book.sheets) == 6


def test_part_size_and_total_limits(tmp_path, filled):
    """H3: a part's unzipped size, as declared, and all parts together."""
    path = write(tmp_path / "phieu.xlsx", filled)
    size = zipfile.ZipFile(path).getinfo(EVIDENCE_PART).file_size
    with pytest.raises(ReadError, match=f"phần '{EVIDENCE_PART}' của tệp 'phieu.xlsx' giải nén ra"):
        Workbook(path, ReadLimits(max_part_bytes=size - 1))
    with pytest.raises(ReadError, match="Vượt giới hạn đọc: tệp 'phieu.xlsx' giải nén ra"):
        Workbook(path, ReadLimits(max_total_bytes=size))


def test_too_many_zip_members_are_refused_before_listing_them(tmp_path, filled):
    """H3: the end record's count is read before zipfile builds an entry for each member."""
    data = rezip(filled, extra={f"rac/{n}": b"" for n in range(10_001)})
    sub = examined(tmp_path, data)
    unreadable(sub, "chứa 10.016 phần nén, quá giới hạn 10.000 phần")


def test_member_named_twice_is_refused(tmp_path, filled):
    """H3: zipfile reads the last of two same-named members, another reader perhaps the first."""
    member = sheet_member(filled, 6)
    with pytest.warns(UserWarning, match="Duplicate name"):   # zipfile says so when writing it
        data = rezip(filled, extra={member: with_cell(zipfile.ZipFile(io.BytesIO(filled)).read(member),
                                                      FAR_CELLS["plain"])})
    sub = examined(tmp_path, data)
    unreadable(sub, f"hai phần cùng tên '{member}'")


def test_shared_string_count_beyond_the_part_is_refused(tmp_path):
    """H3: calamine reserves room for <sst uniqueCount> strings before reading any: 4,294,967,295 of
    them is 103 GB and ends the process. No part of 11 KB holds more strings than it has bytes."""
    data = rezip(BLANK_TEMPLATE.read_bytes(), {"xl/sharedStrings.xml": lambda xml: re.sub(
        rb'uniqueCount="\d+"', b'uniqueCount="4294967295"', xml, count=1)})
    sub = examined(tmp_path, data)
    unreadable(sub, "phần 'xl/sharedStrings.xml' khai báo uniqueCount=4294967295 chuỗi, nhiều hơn số byte")


def test_part_parsed_whole_has_a_tag_budget(tmp_path, filled):
    """H3: a part the reader parses whole costs ~300 bytes an element: half a million nested empty
    elements in workbook.xml (7 MB) would take 300 MB, and are refused before parsing."""
    nested = b"<a>" * 600_000 + b"</a>" * 600_000
    data = rezip(filled, {"xl/workbook.xml": lambda xml: xml.replace(b"<definedNames>", b"<definedNames>" + nested, 1)})
    sub = examined(tmp_path, data)
    unreadable(sub, "Vượt giới hạn đọc: phần 'xl/workbook.xml' của tệp 'phieu.xlsx' có hơn 1.000.000 thẻ XML")
    path = write(tmp_path / "phieu.xlsx", filled)
    tags = zipfile.ZipFile(path).read("xl/styles.xml").count(b"<")
    with Workbook(path, ReadLimits(max_xml_tags=tags - 1)) as book, pytest.raises(ReadError, match="'xl/styles.xml'"):
        read_workbook(book, RUBRIC, "phieu.xlsx")


# --- H4: just inside the limits ----------------------------------------------------------------------

def test_rows_just_under_the_limit_read_normally(tmp_path, filled):
    """H4: the row limit counts rows up to the last filled one; at the limit the sheet reads."""
    data = huge_sheet(filled, EVIDENCE_PART, 3_000, column="B")
    path = write(tmp_path / "phieu.xlsx", data)
    with Workbook(path, ReadLimits(max_rows=3_000)) as book:
        assert len(book.rows(L.SHEET_EVIDENCE)) == 3_000
        response = read_workbook(book, RUBRIC, "phieu.xlsx")
    assert response.answers
    with Workbook(path, ReadLimits(max_rows=2_999)) as book, pytest.raises(
            ReadError, match="trang 'Danh mục minh chứng' của tệp 'phieu.xlsx' có dữ liệu ở dòng 3.000, "
                             "quá giới hạn 2.999 dòng"):
        book.rows(L.SHEET_EVIDENCE)


def test_cells_limit_counts_rows_times_columns(tmp_path, filled):
    """H4: a cell at Z400 makes a 400 × 26 grid (10,400 cells), whatever lies between."""
    member = sheet_member(filled, 6)
    data = rezip(filled, {member: lambda xml: with_cell(xml, b'<c r="Z400" t="n"><v>1</v></c>').replace(
        b'<row r="1048576">', b'<row r="400">')})
    path = write(tmp_path / "phieu.xlsx", data)
    with Workbook(path, ReadLimits(max_cells=10_400)) as book:
        assert len(book.rows(L.SHEET_META)) == 400
    with Workbook(path, ReadLimits(max_cells=10_399)) as book, pytest.raises(
            ReadError, match=r"ít nhất 400 dòng × 26 cột \(10.400 ô\), quá giới hạn 10.399 ô"):
        book.rows(L.SHEET_META)


def test_a_long_evidence_list_reads_with_the_defaults(tmp_path, filled):
    """H4: 20,000 evidence rows (far beyond any school) are not a reason to refuse a file."""
    sub = examined(tmp_path, huge_sheet(filled, EVIDENCE_PART, 20_000, column="E"))
    assert sub.fate is None and sub.result is not None, sub.reason


# --- .ods and .xls: sheets built when calamine opens the file ------------------------------------

ODS_ROWS = {
    "rows-repeated": b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
                     b'office:value-type="float" office:value="1"/></table:table-row>',
    "columns-repeated": b'<table:table-row table:number-rows-repeated="1000"><table:table-cell '
                        b'table:number-columns-repeated="16000"/><table:table-cell office:value-type="float" '
                        b'office:value="1"/></table:table-row>',
}


@pytest.mark.parametrize("rows", list(ODS_ROWS.values()), ids=list(ODS_ROWS))
def test_ods_repeated_cells_are_measured_before_calamine_opens_it(tmp_path, rows):
    data = rezip(SAMPLE_ODS.read_bytes(),
                 {"content.xml": lambda xml: xml.replace(b"</table:table>", rows + b"</table:table>", 1)})
    sub = examined(tmp_path, data, "phieu.ods")
    unreadable(sub, "Vượt giới hạn đọc: trang", "'phieu.ods'")


def test_ods_trailing_empty_repeats_are_free(tmp_path):
    """LibreOffice ends every sheet with a million empty repeated rows; they hold nothing."""
    sub = examined(tmp_path, SAMPLE_ODS.read_bytes(), "phieu.ods")
    assert sub.fate is None, sub.reason


@pytest.mark.slow
def test_xls_far_cell_is_measured_by_xlrd_first(tmp_path):
    """An .xls whose one far cell makes calamine take 512 MB on opening (1 GB once read) is
    refused from xlrd's ragged rows, which cost nothing."""
    import openpyxl

    from tests.builders.office import soffice_batch

    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["IV65536"] = 1, 2
    wb.save(tmp_path / "xa.xlsx")
    xls = soffice_batch([tmp_path / "xa.xlsx"], "xls", tmp_path / "out")[tmp_path / "xa.xlsx"]
    sub = examine(entry(xls), CONTEXT)
    unreadable(sub, "có dữ liệu trải ít nhất 65.536 dòng × 256 cột", "'xa.xls'")


# --- H5: calamine's own errors on a broken sheet: the tolerant reader (openpyxl) tries next ----------

BROKEN_CELLS = {
    "boolean-7": b'<c r="A30" t="b"><v>7</v></c>',
    "unknown-error": b'<c r="A30" t="e"><v>#BOGUS</v></c>',
    "shared-string-out-of-range": b'<c r="A30" t="s"><v>99999</v></c>',
    "not-a-number": b'<c r="A30" t="n"><v>abc</v></c>',
    "unknown-type": b'<c r="A30" t="zz"><v>1</v></c>',
    "row-zero": b'<c r="A0"><v>1</v></c>',
}
# The cells openpyxl refuses as well: only there is the file unreadable.
REFUSED_BY_BOTH = {"shared-string-out-of-range", "not-a-number"}


@pytest.mark.parametrize("case", list(BROKEN_CELLS))
def test_calamine_errors_on_a_sheet_go_to_the_tolerant_reader(tmp_path, filled, case):
    """A cell calamine refuses on the identity sheet: openpyxl reads the file (same answers as the
    unbroken one), or, where it refuses too, the reason names the sheet and its part, in Vietnamese."""
    member = sheet_member(filled, 6)
    sub = examined(tmp_path, rezip(filled, {member: lambda xml: with_cell(xml, BROKEN_CELLS[case]).replace(
        b'<row r="1048576">', b'<row r="30">')}))
    if case in REFUSED_BY_BOTH:
        unreadable(sub, "Không đọc được trang '_cds' của tệp 'phieu.xlsx'", f"phần '{member}'",
                   "Hãy mở lại bằng Excel hoặc LibreOffice")
    else:
        intact = examined(tmp_path / "intact", filled)
        assert sub.fate is None and sub.answers == intact.answers and sub.school_code == intact.school_code
