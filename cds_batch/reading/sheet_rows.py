"""Read stage, one named sheet: the rows of a sheet of a workbook file, as plain values.

In: a file path and a sheet name.
Out: the sheet's rows (lists of str, float, int, bool, dates or ''), or None when the workbook has no
sheet of that name; `UnreadableWorkbook` when the file does not open as a workbook at all. For the few
places that read back one sheet of a workbook the tool itself wrote (the province reading a mailed
summary's payload sheet), which must tell a damaged file from a foreign one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook


class UnreadableWorkbook(ValueError):
    """The file does not open as a workbook (damaged, or not a spreadsheet); the library's text is not kept."""


def sheet_rows(path: Path, sheet: str) -> list[list[Any]] | None:
    """The rows of `sheet` in the workbook at `path`; None without that sheet.

    :raises UnreadableWorkbook: the file does not open as a workbook, or that sheet cannot be read.
    """
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if sheet not in wb.sheet_names:
            return None
        return wb.get_sheet_by_name(sheet).to_python()
    except Exception:   # calamine raises several error types for files that are not workbooks
        raise UnreadableWorkbook(path.name) from None
