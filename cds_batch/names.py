"""Workbook-scoped defined names of a workbook file, read without openpyxl.

In: a path to an .xlsx/.xlsm, .ods or .xls file.
Out: `{name: (sheet, ref)}` for every workbook-scoped name that points at one cell or one range
of one sheet, where `ref` is 'F9' or 'A5:E205' (no '$') and the sheet name is NFC. Sheet-scoped
names, names with formulas and names of deleted ranges (#REF!) are left out.

python-calamine reads values but not names (field-notes 0.1), so the reader pairs this module
with calamine: names say where, calamine says what.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .errors import CdsBatchError

Names = dict[str, tuple[str, str]]

_XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
# 'Nhóm 1'!$F$9, Sheet!$A$5:$E$205 (xlsx formula syntax); quotes inside a name are doubled.
_XLSX_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")
# $'Nhóm 1'.$F$9, $Sheet.$A$5:.$E$205 (ODF cell-range-address syntax).
_ODS_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^'.]+))\.(\$?[A-Z]+\$?\d+)"
                      r"(?::(?:\$?(?:'(?:[^']|'')+'|[^'.]+))?\.(\$?[A-Z]+\$?\d+))?$")


def _nfc(sheet: str) -> str:
    return unicodedata.normalize("NFC", sheet)


def _xlsx(path: Path) -> Names:
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    names: Names = {}
    for el in root.iter(f"{_XLSX_NS}definedName"):
        if el.get("localSheetId") is not None:
            continue
        m = _XLSX_REF.match((el.text or "").strip())
        if m:
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            names[el.get("name", "")] = (_nfc(sheet), m.group(3).replace("$", ""))
    return names


def _ods(path: Path) -> Names:
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    names: Names = {}
    # Workbook scope: the named-expressions directly under office:spreadsheet, not under a table.
    for spreadsheet in root.iter("{urn:oasis:names:tc:opendocument:xmlns:office:1.0}spreadsheet"):
        for block in spreadsheet.findall(f"{_TABLE_NS}named-expressions"):
            for el in block.findall(f"{_TABLE_NS}named-range"):
                m = _ODS_REF.match(el.get(f"{_TABLE_NS}cell-range-address", ""))
                if m:
                    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
                    ref = m.group(3) + (f":{m.group(4)}" if m.group(4) else "")
                    names[el.get(f"{_TABLE_NS}name", "")] = (_nfc(sheet), ref.replace("$", ""))
    return names


def _xls(path: Path) -> Names:
    import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

    from .layout import a1

    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        sheet_names = book.sheet_names()
        names: Names = {}
        for (_, scope), name in book.name_and_scope_map.items():
            result = name.result   # evaluated at open time; reading it loads no sheet
            if scope != -1 or result is None or result.kind != xlrd.formula.oREF or len(result.value) != 1:
                continue
            ref3d = result.value[0]
            if not 0 <= ref3d.shtxlo == ref3d.shtxhi - 1:
                continue   # a name over several sheets, or a deleted sheet
            ref = a1(ref3d.rowxlo, ref3d.colxlo)
            if (ref3d.rowxhi - ref3d.rowxlo, ref3d.colxhi - ref3d.colxlo) != (1, 1):
                ref += ":" + a1(ref3d.rowxhi - 1, ref3d.colxhi - 1)
            names[name.name] = (_nfc(sheet_names[ref3d.shtxlo]), ref)
        return names
    finally:
        book.release_resources()


def read_names(path: Path) -> Names:
    """The workbook-scoped cell and range names of `path`, by its extension.

    Names are returned as the file spells them; Excel treats them case-insensitively, and
    LibreOffice keeps the upper-case spelling the template uses.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx(path)
        if suffix == ".ods":
            return _ods(path)
        if suffix == ".xls":
            return _xls(path)
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise CdsBatchError(f"Không đọc được tên vùng trong '{path.name}': {exc}") from exc
    raise CdsBatchError(f"Không đọc được tên vùng trong '{path.name}': chỉ hỗ trợ .xlsx, .xlsm, .ods, .xls.")
