"""Shared helpers for the template tests: fill a template, run LibreOffice, read a workbook back.

Filling uses openpyxl (test side only: it stands in for a person typing into the cells); reading
uses the package's own name parser plus python-calamine, the way the reader stage will.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_YES, ITEM_NO, ITEM_YES
from cds_batch.reading.defined_names import read_names
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Kind, Rubric

SCHOOL = SchoolInfo(code="79001", name="Trường Mầm non Hoa Sen", level="Mầm non", commune="Phường Tân Phong",
                    district="Quận 7", province="Thành phố Hồ Chí Minh", email="hoasen@example.edu.vn")
SOFFICE_TIMEOUT = 240


def sample_answers(rubric: Rubric) -> dict[str, object]:
    """A plausible, fully answered workbook for `rubric`: defined name → value typed by the school."""
    values: dict[str, object] = {}
    for group in rubric.groups:
        for n, c in enumerate(group.criteria):
            if c.kind is Kind.CONDITION:
                values[L.value_name(c.code)] = CONDITION_YES
            elif c.kind is Kind.POINTS:
                top = c.max_points
                values[L.value_name(c.code)] = int(top) - (n % 2) if top.denominator == 1 else float(top)
            elif c.options:
                values[L.value_name(c.code)] = c.options[n % len(c.options)].label
            elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
                values[L.value_name(c.code)] = 50
            for i in range(1, len(c.items) + 1):
                values[L.item_name(c.code, i)] = ITEM_YES if i % 3 else ITEM_NO
            values[L.evidence_name(c.code)] = f"{L.evidence_code_example(c.code)}; {L.evidence_code_example(c.code, 2)}"
    values.update({"CDS_CONTACT_NAME": "Nguyễn Thị Hòa, Phó Hiệu trưởng", "CDS_CONTACT_PHONE": "0912345678"})
    return values


def scoring_answers(rubric: Rubric, values: dict[str, object]) -> dict[str, object]:
    """The same answers keyed as the scoring engine wants them (criterion code, '2.3a_1')."""
    keys: dict[str, object] = {}
    for group in rubric.groups:
        for spec in L.group_rows(group):
            c = spec.criterion
            name = L.item_name(c.code, spec.n) if spec.kind is L.RowKind.ITEM else L.value_name(c.code)
            if name in values:
                keys[spec.key] = values[name]
    return keys


def fill(template: Path, target: Path, values: dict[str, object]) -> None:
    """Type `values` into the named cells of `template` and save the result as `target`."""
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        (sheet, ref), = wb.defined_names[name].destinations
        wb[sheet][ref.replace("$", "")] = value
    wb.save(target)


def soffice_convert(source: Path, fmt: str, outdir: Path) -> Path:
    """Convert `source` with headless LibreOffice Calc ('xlsx', 'ods', 'xls', 'pdf'); return the new file.

    Each call gets its own profile directory, so tests can run LibreOffice in parallel.
    """
    filters = {"xlsx": 'xlsx:"Calc MS Excel 2007 XML"', "xls": 'xls:"MS Excel 97"', "ods": "ods", "pdf": "pdf"}
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="cds_lo_profile_"))
    try:
        cmd = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", filters[fmt].replace('"', ""), "--outdir", str(outdir), str(source)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    target = outdir / f"{source.stem}.{fmt}"
    assert target.is_file(), f"LibreOffice did not write {target}: {done.stdout} {done.stderr}"
    return target


def _cell(rows: list[list[object]], ref: str) -> object:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m, ref
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(m.group(2)) - 1, col - 1
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


def read_by_names(path: Path) -> dict[str, object]:
    """Every single-cell defined name of `path` → the value calamine reads there."""
    book = CalamineWorkbook.from_path(str(path))
    sheets: dict[str, list[list[object]]] = {}
    values: dict[str, object] = {}
    for name, (sheet, ref) in read_names(path).items():
        if ":" in ref:
            continue
        if sheet not in sheets:
            sheets[sheet] = book.get_sheet_by_name(sheet).to_python()
        values[name] = _cell(sheets[sheet], ref)
    return values


def read_by_code(path: Path, rubric: Rubric) -> dict[str, object]:
    """Answer key → value, found through the code column only (a workbook whose names were lost)."""
    book = CalamineWorkbook.from_path(str(path))
    found: dict[str, object] = {}
    for group in rubric.groups:
        rows = book.get_sheet_by_name(L.group_sheet(group.id)).to_python()
        keys = [s.key for s in L.group_rows(group) if s.has_value]
        for key, (r, c) in L.find_by_code(rows, keys).items():
            found[key] = rows[r][c]
    return found


def dv_at(ws, ref: str):
    """The data validation of an openpyxl worksheet that covers cell `ref`, or None."""
    cell = ws[ref]
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            lo_c, lo_r, hi_c, hi_r = range_boundaries(rng.coord)
            if lo_r <= cell.row <= hi_r and lo_c <= cell.column <= hi_c:
                return dv
    return None


def same(a: object, b: object) -> bool:
    """Cell values equal as a reader sees them: 7 == 7.0, '' == None."""
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return Fraction(str(a)) == Fraction(str(b))
    return a == b
