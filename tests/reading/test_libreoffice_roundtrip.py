"""Real spreadsheet: LibreOffice Calc (headless) re-saves a filled template and prints it to PDF.

What the README says about formats ("which formats keep what") is what these tests assert:
names, values, hidden identity sheet, validations and custom properties after LibreOffice
saves a filled template as .xlsx, .ods and .xls, and after a second save back to .xlsx.
"""
from __future__ import annotations

import re
import subprocess
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cds_batch.form import layout as L
from cds_batch.reading.defined_names import read_names
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.checking.score import score
from cds_batch.templates.text import Issue
from cds_batch.templates.writer import write_school_template

from tests.builders.answers import sample_answers, scoring_answers
from tests.builders.office import soffice_convert
from tests.builders.workbook import fill, values_only_copy
from tests.template_helpers import SCHOOL, dv_at, read_by_code, read_by_names, same

pytestmark = pytest.mark.slow
FORMATS = ("xlsx", "ods", "xls")
ISSUE = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")


@pytest.fixture(scope="module", params=builtin_ids())
def roundtrip(request, tmp_path_factory):
    """A template filled with sample answers, and LibreOffice's re-saves of it in every format."""
    rubric = load_rubric(request.param)
    tmp = tmp_path_factory.mktemp(f"lo-{request.param}")
    template = write_school_template(rubric, tmp, SCHOOL, ISSUE)
    values = sample_answers(rubric)
    filled = tmp / "filled.xlsx"
    fill(template, filled, values)
    saved = {fmt: soffice_convert(filled, fmt, tmp / fmt) for fmt in FORMATS}
    for fmt in ("ods", "xls"):   # a second save, as when a school reopens its file and saves as .xlsx
        saved[f"{fmt}>xlsx"] = soffice_convert(saved[fmt], "xlsx", tmp / f"{fmt}-again")
    return rubric, values, saved


def identity(rubric):
    return {"CDS_RUBRIC_ID": rubric.id, "CDS_RUBRIC_VERSION": rubric.version, "CDS_RUBRIC_HASH": rubric.content_hash,
            "CDS_TEMPLATE_VERSION": L.TEMPLATE_VERSION, "CDS_ROUND": ISSUE.round_label,
            "CDS_ISSUED_FOR": SCHOOL.code}


@pytest.mark.parametrize("fmt", [*FORMATS, "ods>xlsx", "xls>xlsx"])
def test_names_survive_and_locate_every_answer(roundtrip, fmt):
    rubric, values, saved = roundtrip
    assert read_names(saved[fmt]) == L.contract(rubric)
    got = read_by_names(saved[fmt])
    expected = {**values, **identity(rubric), "CDS_SCHOOL_CODE": SCHOOL.code, "CDS_SCHOOL_NAME": SCHOOL.name}
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if not same(v, got.get(k))}
    assert wrong == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_code_column_locates_every_answer(roundtrip, fmt):
    rubric, values, saved = roundtrip
    expected = scoring_answers(rubric, values)
    found = read_by_code(saved[fmt], rubric)
    assert {k for k in expected if not same(expected[k], found.get(k))} == set()


def test_code_column_reads_a_copy_without_names(roundtrip, tmp_path):
    """A school copied the cells into a new workbook: no names, but the codes still say where."""
    rubric, values, saved = roundtrip
    path = values_only_copy(saved["xlsx"], tmp_path / "copied.xlsx")
    assert read_names(path) == {}
    expected = scoring_answers(rubric, values)
    found = read_by_code(path, rubric)
    assert all(same(expected[k], found.get(k)) for k in expected) and len(found) == len(expected)


@pytest.mark.parametrize("fmt", FORMATS)
def test_group_totals_match_the_scoring_engine_after_recalculation(roundtrip, fmt):
    rubric, values, saved = roundtrip
    result = score(rubric, scoring_answers(rubric, values))
    got = read_by_names(saved[fmt])
    assert {g.id: got[L.total_name(g.id)] for g in result.groups} == {g.id: float(g.score) for g in result.groups}


@pytest.mark.parametrize("fmt", FORMATS)
def test_identity_sheet_stays_hidden(roundtrip, fmt):
    _, _, saved = roundtrip
    meta = {s.name: s.visible for s in CalamineWorkbook.from_path(str(saved[fmt])).sheets_metadata}
    assert str(meta[L.SHEET_META]).lower().endswith("hidden")


def custom_properties(path):
    """Custom document properties of an .xlsx (docProps/custom.xml) or .ods (meta.xml user-defined)."""
    with zipfile.ZipFile(path) as z:
        if path.suffix == ".ods":
            root = ElementTree.fromstring(z.read("meta.xml"))
            ns = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
            return {el.get(f"{ns}name"): el.text or "" for el in root.iter(f"{ns}user-defined")}
        root = ElementTree.fromstring(z.read("docProps/custom.xml"))
        return {el.get("name"): "".join(el.itertext()) for el in root}


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "ods>xlsx", "xls>xlsx"])
def test_custom_properties_survive(roundtrip, fmt):
    rubric, _, saved = roundtrip
    props = custom_properties(saved[fmt])
    assert {k: props.get(k, "") for k in identity(rubric)} == identity(rubric)


def test_validation_and_protection_survive_in_xlsx(roundtrip):
    rubric, _, saved = roundtrip
    wb = openpyxl.load_workbook(saved["xlsx"])
    for name, (sheet, ref) in L.contract(rubric).items():
        if name.startswith(("CDS_V_", "CDS_E_")):
            assert dv_at(wb[sheet], ref) is not None and wb[sheet][ref].protection.locked is False, name
    assert all(wb[L.group_sheet(g.id)].protection.sheet for g in rubric.groups)


# ---- printing ---------------------------------------------------------------------------------

A4 = sorted((595.3, 841.9))


def pdf_pages(pdf):
    """[(width, height, [(xMax, word), …]), …] from pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = [(float(x), w) for x, w in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', page.group(3))]
        pages.append((float(page.group(1)), float(page.group(2)), words))
    return pages


@pytest.mark.parametrize("rubric_id", builtin_ids())
def test_printed_template_fits_a4_with_no_column_cut_off(rubric_id, tmp_path):
    rubric = load_rubric(rubric_id)
    pdf = soffice_convert(write_school_template(rubric, tmp_path, SCHOOL, ISSUE), "pdf", tmp_path / "pdf")
    pages = pdf_pages(pdf)
    assert len(pages) >= 2 + len(rubric.groups) + 1
    right_margin = 0.5 * 72
    first_header, last_header = L.HEADERS[L.Col.STT], L.HEADERS[L.Col.POINTS].split()[0]   # "STT", "Điểm"
    for n, (width, height, words) in enumerate(pages, start=1):
        assert sorted((round(width, 1), round(height, 1))) == A4, f"page {n} is not A4"
        outside = [w for x, w in words if x > width - right_margin + 2]
        assert outside == [], f"page {n}: text beyond the right margin (cut off): {outside[:5]}"
        texts = {w for _, w in words}
        if first_header in texts:   # a criterion page: the repeated header row shows its last column too
            assert last_header in texts, f"page {n}: the last column is not on the page"
    assert any(SCHOOL.name.split()[-1] in {w for _, w in p[2]} for p in pages)   # the footer names the school
