"""Read stage helper: a workbook's custom document properties, where the template also keeps the identity.

In: the opened workbook (`Package`).
Out: property name → value (xlsx docProps/custom.xml typed by its vt: element, ods meta:user-defined);
{} for .xls, which no Python library reads (field-notes 2a), and for a missing or damaged part.
Text mangled by a program that read UTF-8 as Latin-1 (SheetJS) is restored (`undo_latin1`).
"""
from __future__ import annotations

import zipfile

from cds_batch.reading.cell_info import number_or
from cds_batch.reading.package import Package

_CP = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def custom_properties(pkg: Package) -> dict[str, object]:
    """Custom document properties (xlsx custom.xml, ods meta:user-defined); {} for xls, which no
    Python library reads (field-notes 2a)."""
    part = {"xlsx": "docProps/custom.xml", "xlsm": "docProps/custom.xml", "ods": "meta.xml"}.get(pkg.format)
    try:
        root = pkg.xml(part) if part else None
    except (OSError, zipfile.BadZipFile):
        return {}
    if root is None:
        return {}
    props: dict[str, object] = {}
    if pkg.format == "ods":
        for el in root.iter(f"{_META}user-defined"):
            kind, text = el.get(f"{_META}value-type", "string"), el.text or ""
            props[el.get(f"{_META}name", "")] = number_or(text, text, float) if kind == "float" else text
        return props
    for el in root.iter(f"{_CP}property"):
        value = next(iter(el), None)
        if value is not None:
            props[el.get("name", "")] = _typed(value.tag.rsplit("}", 1)[-1], value.text or "")
    return props


def _typed(kind: str, text: str) -> object:
    """A custom property's text as its vt: type says (a damaged number stays text)."""
    if kind in ("i4", "i8", "int"):
        return number_or(text, text)
    if kind in ("r4", "r8"):
        return number_or(text, text, float)
    return undo_latin1(text)


def undo_latin1(text: str) -> str:
    """Text whose UTF-8 bytes a program took for Latin-1 before writing them again, as SheetJS 0.18
    does with custom properties ('Äá»£t 1' for 'Đợt 1'), restored; any other text unchanged (a real
    Latin-1 text is almost never valid UTF-8 once encoded back, and plain ASCII stays as it is)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
