"""Roster input: the office's list of schools ("danh sách trường") for prefilled templates.

In: a .xlsx, .xls, .ods or .csv file (UTF-8 with or without BOM, or Windows-1258), whose header
row may sit anywhere in the first rows and is matched ignoring case and diacritics.
Out: a tuple of frozen `SchoolInfo` (text in NFC, white space collapsed) and the findings that
describe the file, each naming the row; `load_roster` raises `RosterError` when any is an error.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.core.cells import a1
from cds_batch.core.text import clean, fold

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
HEADER_SCAN_ROWS = 30   # the header is looked for in this many rows (titles and blank lines above it)


@dataclass(frozen=True)
class SchoolInfo:
    code: str
    name: str
    level: str = ""
    commune: str = ""
    district: str = ""
    province: str = ""
    email: str = ""
    rubric: str = ""     # the roster's "Bộ chỉ số" for this school; "" = the run's default


# Folded header spellings → SchoolInfo attribute. Keys are compared after fold() and with the
# spaces around '/' removed, so 'Xã / Phường', 'XÃ/PHƯỜNG' and 'xa/phuong' are one header.
_ALIASES: dict[str, str] = {
    "ma truong": "code", "ma so truong": "code", "ma don vi": "code", "ma co so": "code",
    "ten truong": "name", "ten don vi": "name", "ten co so": "name",
    "cap hoc": "level", "cap": "level",
    "xa/phuong": "commune", "phuong/xa": "commune", "xa": "commune", "phuong": "commune",
    "xa/phuong/thi tran": "commune",
    "quan/huyen": "district", "huyen/quan": "district", "quan": "district", "huyen": "district",
    "tinh/thanh pho": "province", "tinh/tp": "province", "tinh": "province", "thanh pho": "province",
    "email": "email", "e-mail": "email", "thu dien tu": "email",
    "bo chi so": "rubric", "ma bo chi so": "rubric",
}


class RosterError(CdsBatchError):
    """A roster that cannot be used; carries every finding and lists the errors in its message."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


def _header_key(value: object) -> str:
    return fold(str(value)).replace(" /", "/").replace("/ ", "/") if value is not None else ""


def _cell_text(value: object) -> str:
    """A cell as text: whole floats lose their '.0' (79001.0 from a numeric code cell → '79001')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value))


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Vietnamese Excel saves "CSV" in Windows-1258, which decomposes tone marks; clean() recomposes.
        text = data.decode("cp1258")
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_sheets(path: Path) -> list[tuple[str, Sequence[Sequence[object]]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for c, value in enumerate(row):
            attr = _ALIASES.get(_header_key(value))
            if attr is not None and attr not in columns:
                columns[attr] = c
        if "code" in columns and "name" in columns:
            return r, columns
    return None


def check_roster(path: Path) -> tuple[tuple[SchoolInfo, ...], list[Finding]]:
    """Read a roster file: the schools it lists, and every problem found, each with its row number."""
    file = path.name
    try:
        if path.suffix.lower() == ".csv":
            sheets: list[tuple[str, Sequence[Sequence[object]]]] = [("", _read_csv(path.read_bytes()))]
        elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
            sheets = _read_sheets(path)
        else:
            return (), [finding(Code.T101, file=file, detail=f"không hỗ trợ đuôi tệp '{path.suffix}'")]
    except OSError as exc:
        return (), [finding(Code.T101, file=file, detail=exc.strerror or str(exc))]
    except Exception as exc:  # calamine raises its own types for corrupt workbooks
        return (), [finding(Code.T101, file=file, detail=f"{type(exc).__name__}: {exc}")]

    for sheet, rows in sheets:
        header = _find_header(rows)
        if header is not None:
            return _schools(file, sheet, rows, *header)
    return (), [finding(Code.T102, file=file, hint=" Dòng tiêu đề phải nằm trong 30 dòng đầu của trang tính.")]


def _schools(file: str, sheet: str, rows: Sequence[Sequence[object]], header: int,
             columns: dict[str, int]) -> tuple[tuple[SchoolInfo, ...], list[Finding]]:
    found: list[Finding] = []
    schools: list[SchoolInfo] = []
    first_row: dict[str, int] = {}
    for r in range(header + 1, len(rows)):
        row = rows[r]
        values = {attr: _cell_text(row[c]) if c < len(row) else "" for attr, c in columns.items()}
        if not any(values.values()):
            continue   # blank lines between blocks are common in office lists
        line = r + 1
        cell = a1(r, columns["code"]) if sheet else ""   # a CSV has rows, not cells
        code = values["code"]
        if not code:
            found.append(finding(Code.T103, file=file, sheet=sheet, cell=cell, line=line, value=values["name"]))
            continue
        if code in first_row:
            found.append(finding(Code.T104, file=file, sheet=sheet, cell=cell, line=line, value=code,
                                 expected=first_row[code]))
            continue
        first_row[code] = line
        if not values["name"]:
            found.append(finding(Code.T105, file=file, sheet=sheet, cell=cell, line=line, value=code))
        schools.append(SchoolInfo(**{k: values.get(k, "") for k in SchoolInfo.__dataclass_fields__}))
    if not schools and not found:
        found.append(finding(Code.T106, file=file, sheet=sheet))
    return tuple(schools), found


def load_roster(path: Path) -> tuple[SchoolInfo, ...]:
    """The schools of a usable roster, or RosterError listing every error with its row."""
    schools, found = check_roster(path)
    errors = [f for f in found if f.severity is Severity.ERROR]
    if errors:
        lines = "\n".join(f"  {f.where}: {f.message}" for f in errors)
        raise RosterError(f"Danh sách trường '{path.name}' có {len(errors)} lỗi:\n{lines}", tuple(found))
    return schools
