"""Read stage, one named sheet: the rows of a sheet of a workbook file, as plain values.

In: a file path and a sheet name.
Out: the sheet's rows (lists of str, float, int, bool, dates or ''), or None when the file is not a
workbook calamine can read or has no sheet of that name. For the few places that read back one
sheet of a workbook the tool itself wrote (the province reading a mailed summary's payload sheet).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook


def sheet_rows(path: Path, sheet: str) -> list[list[Any]] | None:
    """The rows of `sheet` in the workbook at `path`; None when unreadable or without that sheet."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if sheet not in wb.sheet_names:
            return None
        return wb.get_sheet_by_name(sheet).to_python()
    except Exception:   # calamine raises several error types for files that are not workbooks
        return None
