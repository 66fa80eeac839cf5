"""Read stage, the .ods values of our own: each sheet's values walked from content.xml.

In: an opened .ods `Package` (measured by `guard` on opening, so every sheet is within `ReadLimits`).
Out: the sheet names in order, and a sheet's rows from A1 as python-calamine gives them (float for
numbers and percentages, date/datetime, time, bool, str, '' for an empty cell), rectangular.

python-calamine refuses .ods files that other programs write validly: Gnumeric and SheetJS put
whitespace between the table elements of content.xml (pretty-printed XML), which calamine takes
for a stray text cell ("Expecting 'table-cell'", field-notes 2b). The workbook reader falls back to
this walk there. What it reads: cells and covered (merged) cells with their repeats, the
paragraphs of a cell (not its comments), spaces, tabs and line breaks; values by office:value-type.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Iterator
from xml.etree import ElementTree

from cds_batch.core.file_format import ODS_CONTENT
from cds_batch.reading.package import Package, broken_part

Rows = list[list[object]]
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_ROW_GROUPS = (f"{_TABLE}table-header-rows", f"{_TABLE}table-row-group", f"{_TABLE}table-rows")
_NUMBERS = ("float", "percentage", "currency")


def _content(pkg: Package) -> ElementTree.Element:
    root = pkg.xml(ODS_CONTENT)
    if root is None:
        raise broken_part(pkg.name, ODS_CONTENT, "không phải XML hợp lệ")
    return root


def _tables(pkg: Package) -> Iterator[ElementTree.Element]:
    return _content(pkg).iter(f"{_TABLE}table")


def ods_sheet_names(pkg: Package) -> list[str]:
    """The sheet names of the .ods, in order (as written: callers normalise)."""
    return [table.get(f"{_TABLE}name", "") for table in _tables(pkg)]


def ods_rows(pkg: Package, sheet: str) -> Rows:
    """The values of `sheet` from A1 to its last filled cell; [] when there is no such sheet."""
    wanted = unicodedata.normalize("NFC", sheet)
    table = next((t for t in _tables(pkg) if unicodedata.normalize("NFC", t.get(f"{_TABLE}name", "")) == wanted),
                 None)
    if table is None:
        return []
    rows: Rows = []
    pending = 0   # empty rows seen since the last filled one: written only if a filled row follows
    for tr in _table_rows(table):
        values = _row_values(tr)
        repeat = _repeat(tr, "number-rows-repeated")
        if not values:
            pending += repeat
            continue
        rows.extend([] for _ in range(pending))
        pending = 0
        rows.extend(list(values) for _ in range(repeat))
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    return rows


def _table_rows(table: ElementTree.Element) -> Iterator[ElementTree.Element]:
    for child in table:
        if child.tag == f"{_TABLE}table-row":
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _table_rows(child)


def _repeat(el: ElementTree.Element, attr: str) -> int:
    text = el.get(f"{_TABLE}{attr}", "1")
    return max(1, int(text)) if text.isdecimal() else 1   # the guard has bounded every count already


def _row_values(tr: ElementTree.Element) -> list[object]:
    """One row's values, up to its last filled cell ([] for an empty row)."""
    values: list[object] = []
    pending = 0
    for cell in tr:
        if cell.tag not in _CELLS:
            continue
        value = _value(cell)
        repeat = _repeat(cell, "number-columns-repeated")
        if value == "":
            pending += repeat
            continue
        values.extend([""] * pending)
        pending = 0
        values.extend([value] * repeat)
    return values


def _value(cell: ElementTree.Element) -> object:
    kind = cell.get(f"{_OFFICE}value-type", "")
    try:
        if kind in _NUMBERS:
            return float(cell.get(f"{_OFFICE}value", ""))
        if kind == "boolean":
            return cell.get(f"{_OFFICE}boolean-value", "").strip().lower() == "true"
        if kind == "date":
            return _date(cell.get(f"{_OFFICE}date-value", ""))
        if kind == "time":
            return _time(cell.get(f"{_OFFICE}time-value", ""))
    except ValueError:
        pass   # a value attribute that is not what its type says: the shown text is what the school sees
    return "\n".join(_paragraph(p) for p in cell if p.tag == f"{_TEXT}p")


def _date(text: str) -> date | datetime:
    moment = datetime.fromisoformat(text.strip())
    return moment.date() if "T" not in text else moment


def _time(text: str) -> time:
    """'PT10H30M00S' (ISO 8601 duration, the .ods way of writing a time of day) → 10:30."""
    body = text.strip().upper().removeprefix("PT")
    parts: dict[str, float] = {}
    number = ""
    for ch in body:
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            parts[ch] = float(number or 0)
            number = ""
    seconds = parts.get("H", 0) * 3600 + parts.get("M", 0) * 60 + parts.get("S", 0)
    hours, rest = divmod(int(seconds), 3600)
    return time(hours % 24, rest // 60, rest % 60)


def _paragraph(el: ElementTree.Element) -> str:
    """The text of a paragraph or span: its spaces (text:s), tabs and line breaks, not its notes."""
    out = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == f"{_TEXT}s":
            out.append(" " * _count(child))
        elif tag == f"{_TEXT}tab":
            out.append("\t")
        elif tag == f"{_TEXT}line-break":
            out.append("\n")
        elif tag.startswith(_OFFICE) and tag.endswith("annotation"):
            pass
        else:
            out.append(_paragraph(child))
        out.append(child.tail or "")
    return "".join(out)


def _count(el: ElementTree.Element) -> int:
    text = el.get(f"{_TEXT}c", "1")
    return min(int(text), 1000) if text.isdecimal() else 1
