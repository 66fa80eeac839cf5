"""Builders: a school's answers pasted into a new workbook, which keeps no defined name, no identity and
no sheet title of the template (issue 22, point 7).

In: a filled template. Out: a new workbook whose sheets hold the template's visible sheets' values,
titled as the program names a new workbook's sheets (Sheet1, Sheet2 …; 'Trang tính1' in Vietnamese
Excel, 'Feuil1' in French): built with openpyxl (`pasted_copy`) or by real LibreOffice over UNO, which
copies each sheet's used area into a new document (`libreoffice_pasted_copy`, values only, as "Paste
Special → values" does).
"""
from __future__ import annotations

from pathlib import Path

import openpyxl

from cds_batch.form import layout as L

from .office import UNO_FILTERS, run_uno


def pasted_copy(source: Path, target: Path, titles: str = "Sheet") -> Path:
    """The visible sheets' values of `source` in a new workbook, sheets titled `titles`1, `titles`2 …"""
    src = openpyxl.load_workbook(source, data_only=True)
    copy = openpyxl.Workbook()
    copy.remove(copy.active)
    visible = [ws for ws in src.worksheets if ws.sheet_state == "visible" and ws.title != L.SHEET_META]
    for n, ws in enumerate(visible, start=1):
        new = copy.create_sheet(f"{titles}{n}")
        for row in ws.iter_rows(values_only=True):
            new.append([None if isinstance(v, str) and v.startswith("=") else v for v in row])
    copy.save(target)
    return target


PASTE_INTO_NEW_DOCUMENT = r"""
def edit_document(doc, job):
    new = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, props(Hidden=True))
    sheets = [doc.Sheets.getByIndex(i) for i in range(doc.Sheets.Count)]
    sheets = [s for s in sheets if s.IsVisible]
    first = new.Sheets.getByIndex(0)
    first.Name = job["titles"] + "1"
    for n, sheet in enumerate(sheets, start=1):
        if n > 1:
            new.Sheets.insertNewByName(job["titles"] + str(n), n - 1)
        target = new.Sheets.getByIndex(n - 1)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.RangeAddress
        if end.EndColumn == 0 and end.EndRow == 0 and sheet.getCellByPosition(0, 0).getString() == "":
            continue
        data = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
        target.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).setDataArray(data)
    new.storeToURL(uno.systemPathToFileUrl(job["copy"]), props(FilterName=job["filter"]))
    new.close(True)
"""


def libreoffice_pasted_copy(source: Path, target: Path, titles: str = "Sheet") -> Path:
    """`source`'s visible sheets' values pasted by LibreOffice into a new document, saved as `target`."""
    scratch = target.with_name(f"_source_{target.stem}{source.suffix}")
    run_uno(PASTE_INTO_NEW_DOCUMENT, [{"source": str(source), "target": str(scratch), "copy": str(target),
                                       "titles": titles, "filter": UNO_FILTERS[target.suffix.lstrip(".")]}])
    scratch.unlink()
    assert target.is_file(), target
    return target
