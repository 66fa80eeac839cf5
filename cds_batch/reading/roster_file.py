"""Read stage, the roster file: the office's list of schools as rows, then as `SchoolInfo`.

In: a .xlsx, .xlsm, .xls, .ods or .csv file (UTF-8 with or without BOM, or Windows-1258).
Out: the schools it lists and the findings that describe it (`rubric.roster` turns the rows into
schools); `load_roster` raises `RosterError` when any finding is an error. A file that cannot be
opened is a T101 finding, not an exception.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from cds_batch.core.library_text import explain
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.rubric.roster import RosterError, SchoolInfo, roster_schools

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
Sheets = list[tuple[str, Sequence[Sequence[object]]]]


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


def _read_sheets(path: Path) -> Sheets:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def check_roster(path: Path) -> tuple[tuple[SchoolInfo, ...], list[Finding]]:
    """Read a roster file: the schools it lists, and every problem found, each with its row number."""
    file = path.name
    try:
        if path.suffix.lower() == ".csv":
            sheets: Sheets = [("", _read_csv(path.read_bytes()))]
        elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
            sheets = _read_sheets(path)
        else:
            return (), [finding(Code.T101, file=file, detail=f"không hỗ trợ đuôi tệp '{path.suffix}'")]
    except OSError as exc:
        return (), [finding(Code.T101, file=file, detail=explain(exc))]
    except Exception as exc:  # calamine raises its own types for corrupt workbooks
        return (), [finding(Code.T101, file=file, detail=explain(exc))]
    return roster_schools(file, sheets)


def load_roster(path: Path) -> tuple[SchoolInfo, ...]:
    """The schools of a usable roster, or RosterError listing every error with its row."""
    schools, found = check_roster(path)
    errors = [f for f in found if f.severity is Severity.ERROR]
    if errors:
        lines = "\n".join(f"  {f.where}: {f.message}" for f in errors)
        raise RosterError(f"Danh sách trường '{path.name}' có {len(errors)} lỗi:\n{lines}", tuple(found))
    return schools
