"""Read stage, values: the output records of the reader and the one normalisation of a cell value.

In: a raw value as python-calamine returns it, and what `cell_info` found about its cell.
Out: `Cell(sheet, ref, value)` with the value normalised once — whole floats → int, text NFC and
cleaned, '' → None, midnight datetimes → date, percent-formatted numbers → `PercentCell`, error
cells → `ErrorValue`, legacy-font text → Unicode — and `Note`s for what had to be reinterpreted.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cds_batch.core.findings import Code
from cds_batch.form.answers import PercentCell
from cds_batch.reading.legacy_text import convert, legacy_encoding
from cds_batch.reading.cell_info import CellInfo
from cds_batch.core.text import clean


@dataclass(frozen=True)
class ErrorValue:
    """A formula error shown in a cell ('#DIV/0!', '#N/A', LibreOffice 'Err:502')."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cell:
    """One cell as the school sent it: where it is (after any rows it inserted) and its value."""

    sheet: str
    ref: str
    value: object

    def __init__(self, sheet: str, ref: str, value: object) -> None:
        # Set as the generated frozen __init__ would, at half its cost: a workbook has ~200 cells.
        self.__dict__.update(sheet=sheet, ref=ref, value=value)


@dataclass(frozen=True)
class Note:
    """Something the reader did or saw at `sheet`!`ref` ('' when it concerns the whole file), as the
    catalogue code `validate` reports it under; `detail` fills the code's {detail}."""

    code: Code
    sheet: str
    ref: str
    raw: object
    detail: str


_EPOCH = date(1899, 12, 30)   # Excel's day 0 (with its 1900 leap-year bug folded in)
_SERIALS = range(36526, 73051)   # 2000-01-01 … 2099-12-31: a number there is a date that lost its format
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def plain(raw: object) -> object:
    """The type-level normalisation alone: '' → None, 7.0 → 7, text cleaned, midnight datetime → date."""
    if isinstance(raw, str):
        text = clean(raw)
        return text or None
    if isinstance(raw, float) and not isinstance(raw, bool) and raw.is_integer():
        return int(raw)
    if isinstance(raw, datetime):
        return raw.date() if raw.time() == datetime.min.time() else raw
    return raw


def normalise(sheet: str, ref: str, raw: object, info: CellInfo, notes: list[Note]) -> Cell:
    """The `Cell` for `raw` read at sheet!ref; appends a Note when legacy text was converted."""
    if info.error is not None:
        return Cell(sheet, ref, ErrorValue(info.error))
    if info.boolean is not None and isinstance(raw, (int, float)):
        return Cell(sheet, ref, info.boolean)
    if info.percent and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Cell(sheet, ref, PercentCell(float(raw)))
    if isinstance(raw, str) and raw.strip():
        encoding = legacy_encoding(info.font)
        if encoding is not None:
            converted = convert(raw, encoding, info.font or "")
            if converted != raw:
                notes.append(Note(Code.E106, sheet, ref, raw, f"{info.font}: '{clean(converted)}'"))
                raw = converted
    return Cell(sheet, ref, plain(raw))


def report_date(cell: Cell, notes: list[Note]) -> Cell:
    """CDS_REPORT_DATE as a `date`: a date cell as is; a serial number or dd/mm/yyyy text reinterpreted
    (with a Note); anything else unchanged, for validate to report."""
    value = cell.value
    found: date | None = None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date) or value is None:
        return cell
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and int(value) in _SERIALS:
        found = _EPOCH + timedelta(days=int(value))
    elif isinstance(value, str):
        m, iso = _DMY.match(value), _ISO.match(value)
        try:
            if m:
                found = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            elif iso:
                found = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            found = None
    if found is None:
        return cell
    notes.append(Note(Code.E108, cell.sheet, cell.ref, value, found.strftime("%d/%m/%Y")))
    return Cell(cell.sheet, cell.ref, found)


def identity_text(raw: object) -> str | None:
    """An identity value as text: '1' from 1, 1.0 or '1'; None when blank."""
    value = plain(raw)
    if value is None or isinstance(value, ErrorValue):
        return None
    return value if isinstance(value, str) else clean(str(value))
