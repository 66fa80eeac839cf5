"""Shared helpers for the template tests: the school a template is made for, and reading a workbook back
(the package's own name parser plus python-calamine, the way the reader stage does). Filling a template
and LibreOffice are in `tests.builders`.
"""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from cds_batch.form import layout as L
from cds_batch.reading.defined_names import read_names
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric

SCHOOL = SchoolInfo(code="79001", name="Trường Mầm non Hoa Sen", level="Mầm non", commune="Phường Tân Phong",
                    district="Quận 7", province="Thành phố Hồ Chí Minh", email="hoasen@example.edu.vn")


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
