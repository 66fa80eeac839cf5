"""Workbook-scoped defined names of a workbook file, read without openpyxl.

In: a `Package` (the reader's file opened once), or a path to an .xlsx/.xlsm, .ods or .xls file.
Out: `{name: (sheet, ref)}` for every workbook-scoped name that points at one cell or one range
of one sheet, where `ref` is 'F9' or 'A5:E205' (no '$') and the sheet name is NFC. Sheet-scoped
names, names with formulas and names of deleted ranges (#REF!) are left out.

python-calamine reads values but not names (field-notes 0.1), so the reader pairs this module
with calamine: names say where, calamine says what.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Callable, Mapping

from cds_batch.core.library_text import explain
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.file_format import ODS_CONTENT, XLSX_WORKBOOK
from cds_batch.reading.package import Package, ReadError

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


def _xlsx(pkg: Package) -> Names:
    root = pkg.xml(XLSX_WORKBOOK)
    if root is None:
        raise KeyError(XLSX_WORKBOOK)
    names: Names = {}
    for el in root.iter(f"{_XLSX_NS}definedName"):
        if el.get("localSheetId") is not None:
            continue
        m = _XLSX_REF.match((el.text or "").strip())
        if m:
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            names[el.get("name", "")] = (_nfc(sheet), m.group(3).replace("$", ""))
    return names


def _ods(pkg: Package) -> Names:
    root = pkg.xml(ODS_CONTENT)
    if root is None:
        raise KeyError(ODS_CONTENT)
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


def _xls(pkg: Package) -> Names:
    import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

    from cds_batch.core.cells import a1

    book = pkg.xls_book
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


def _xlsx_shared(pkg: Package) -> Names:
    return pkg.derived(_xlsx, XLSX_WORKBOOK)


def _upper(names: Names) -> Names:
    return {name.upper(): spot for name, spot in names.items()}


def _xlsx_upper_parsed(pkg: Package) -> Names:
    return _upper(_xlsx_shared(pkg))


def _xlsx_upper(pkg: Package) -> Names:
    return pkg.derived(_xlsx_upper_parsed, XLSX_WORKBOOK)


_READERS = {"xlsx": _xlsx_shared, "xlsm": _xlsx_shared, "ods": _ods, "xls": _xls}
_UPPER = {**_READERS, "xlsx": _xlsx_upper, "xlsm": _xlsx_upper}


def names_in(pkg: Package) -> Names:
    """The workbook-scoped cell and range names of an opened workbook, by its format.

    Names are returned as the file spells them; Excel treats them case-insensitively, and
    LibreOffice keeps the upper-case spelling the template uses.
    """
    return dict(_read(pkg, _READERS))   # a copy: the xlsx result is shared between files


def upper_names(pkg: Package) -> Names:
    """`names_in` keyed in upper case, as the reader looks names up. For .xlsx the result is shared
    between files whose workbook part is the same (each file of a district's template): read only."""
    found = _read(pkg, _UPPER)
    return found if pkg.format in ("xlsx", "xlsm") else _upper(found)


def _read(pkg: Package, readers: Mapping[str, Callable[[Package], Names]]) -> Names:
    try:
        return readers[pkg.format](pkg)
    except ReadError:
        raise   # a part that ends the whole file (a DTD, a broken zip member), not only its names
    except Exception as exc:   # broken parts of three formats raise many unrelated types (xlrd, zipfile …)
        raise CdsBatchError(f"Không đọc được tên vùng trong '{pkg.name}': {explain(exc)}") from exc


def read_names(path: Path) -> Names:
    """The names of the workbook at `path`, whose format its extension gives."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _READERS:
        raise CdsBatchError(f"Không đọc được tên vùng trong '{path.name}': chỉ hỗ trợ .xlsx, .xlsm, .ods, .xls.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CdsBatchError(f"Không đọc được tên vùng trong '{path.name}': {explain(exc)}") from exc
    return names_in(Package(path.name, data, fmt))
