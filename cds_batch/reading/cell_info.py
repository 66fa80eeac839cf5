"""Read stage helper: what python-calamine cannot tell about a cell, read from the file itself.

In: the opened workbook (`Package`) and the cells the reader needs, by sheet.
Out: `CellInfo` per cell (error text, percent number format, font name, formula without a cached
value, ODS boolean); the custom document properties are `properties`'.

calamine reads error cells as '' and exposes no number formats, fonts or properties (field-notes
0.1, 2b), so: .xlsx/.xlsm through zipfile + defusedxml (styles.xml, the sheet parts;
~1 ms against ~50 ms for openpyxl), .ods through content.xml, .xls through xlrd with
formatting_info. Only the sheets asked for are parsed, each once.
Not covered: fonts of rich-text runs inside one cell, and ODS styles inherited from styles.xml
(only the cell's own automatic style and its parents in content.xml are followed).
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator
from xml.etree import ElementTree

from cds_batch.core.cells import a1, parse_ref
from cds_batch.core.file_format import ODS_CONTENT, XLSX_WORKBOOK
from cds_batch.reading.legacy_text import legacy_encoding
from cds_batch.reading.guard import check_sheet
from cds_batch.reading.package import Package, safe_xml, sheet_parts

Wanted = dict[str, set[str]]   # sheet → A1 refs


@dataclass(frozen=True)
class CellInfo:
    error: str | None = None      # '#DIV/0!' …
    percent: bool = False         # number format is a percentage
    font: str | None = None
    formula: bool = False
    cached: bool = True           # a formula cell carries a stored result
    boolean: bool | None = None   # an ODS boolean, which calamine reads as 1.0/0.0


Infos = dict[tuple[str, str], CellInfo]

_M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALC = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def number_or(text: str | bytes | None, default: Any, kind: type = int) -> Any:
    """An attribute or property as the number it should be, or `default` when a damaged or hand-made
    file wrote something else there (a reader never fails on a style index or a repeat count)."""
    try:
        return kind(text) if text is not None else default
    except (ValueError, OverflowError):
        return default


@lru_cache(maxsize=4096)
def is_percent_format(code: str) -> bool:
    """A number format that shows a percentage: '0%', '0.00%', '#,##0.0 %' (not a quoted or escaped %)."""
    return "%" in re.sub(r'"[^"]*"|\\.|\[[^]]*\]', "", code)


def cell_infos(pkg: Package, wanted: Wanted) -> Infos:
    """`CellInfo` for each wanted cell that the file stores (cells it does not store are plain blanks)."""
    if not wanted:
        return {}
    if pkg.format in ("xlsx", "xlsm"):
        return _xlsx(pkg, wanted)
    if pkg.format == "ods":
        return _ods(pkg, wanted)
    return _xls(pkg, wanted)


def only_blanks_matter(pkg: Package) -> bool:
    """True for an .xlsx whose styles have no percent format and no legacy Vietnamese font: then a
    cell calamine read a value from has nothing more to tell, and only blank-looking cells (error
    values, formulas saved without a result) need `cell_infos` — most of a file's cells are skipped."""
    return pkg.format in ("xlsx", "xlsm") and pkg.derived(_plain_styles, "xl/styles.xml")


def _plain_styles(pkg: Package) -> bool:
    percent, fonts = pkg.derived(_xlsx_styles, "xl/styles.xml")
    return not any(percent) and not any(legacy_encoding(f) for f in fonts if f)


# --- xlsx -------------------------------------------------------------------------------------

def _xlsx_styles(pkg: Package) -> tuple[list[bool], list[str | None]]:
    """Per cellXfs index: is it a percent format, and its font name."""
    root = pkg.xml("xl/styles.xml")
    if root is None:
        return [], []
    codes = {number_or(el.get("numFmtId"), -1): el.get("formatCode", "") for el in root.iter(f"{_M}numFmt")}
    fonts_el = root.find(f"{_M}fonts")
    fonts: list[str | None] = []
    for font in (fonts_el if fonts_el is not None else []):
        name = font.find(f"{_M}name")
        fonts.append(name.get("val") if name is not None else None)
    percent: list[bool] = []
    font_of: list[str | None] = []
    xfs = root.find(f"{_M}cellXfs")
    for xf in (xfs if xfs is not None else []):
        num = number_or(xf.get("numFmtId"), 0)
        percent.append(num in (9, 10) or is_percent_format(codes.get(num, "")))
        fid = number_or(xf.get("fontId"), 0)
        font_of.append(fonts[fid] if 0 <= fid < len(fonts) else None)
    return percent, font_of


def _xlsx(pkg: Package, wanted: Wanted) -> Infos:
    infos: Infos = {}
    parts = dict(pkg.derived(sheet_parts, XLSX_WORKBOOK, "xl/_rels/workbook.xml.rels")[0])
    percent, font_of = pkg.derived(_xlsx_styles, "xl/styles.xml")
    for sheet, refs in wanted.items():
        part = parts.get(sheet, "")
        xml = pkg.part(part)
        if xml is None:
            continue
        check_sheet(pkg, sheet)   # measured already when its values were read; bounds what is parsed here
        found = _xlsx_scan(xml, refs, part in pkg.plain_cells)
        if found is None:   # some cell without an `r` attribute: let ElementTree count positions
            pkg.check_tags(part, xml)
            found = _xlsx_tree(xml, refs)
        for ref, (s, t, has_f, v) in found.items():
            infos[(sheet, ref)] = CellInfo(
                error=(v or "") if t == "e" else None, percent=percent[s] if s < len(percent) else False,
                font=font_of[s] if s < len(font_of) else None, formula=has_f,
                cached=v is not None and (bool(v) or t == "str"))
    return infos


# A <c> element, with or without a namespace prefix, that has no `r` attribute (rare generators).
_NO_REF = re.compile(rb"<(?:\w+:)?c(?![^>]*\br=)[\s>/]")
_ATTR = re.compile(rb'\b([rst])="([^"]*)"')
_V = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?(?:/>|>([^<]*)</(?:\w+:)?v>)")
_F = re.compile(rb"<(?:\w+:)?f\b")
_TAG = re.compile(rb"<((?:\w+:)?)c\s")
Raw = tuple[int, str, bool, "str | None"]   # style index, type, has a formula, <v> text (None: no <v>)


def _xlsx_scan(xml: bytes, refs: set[str], plain: bool = False) -> dict[str, Raw] | None:
    """The wanted cells found by their `r` attribute with bytes.find: several times faster than
    parsing the whole part, which matters at ~70 cells x 3 sheets per file. None when some cell
    has no `r` (positions must then be counted).

    :param plain: the package's check found every cell with its `r` first, so the search for cells
        without one (a third of this function's time) is skipped.
    """
    if not plain and _NO_REF.search(xml):
        return None
    found: dict[str, Raw] = {}
    for ref in refs:
        needle = b' r="' + ref.encode() + b'"'
        at, tag, start = xml.find(needle), None, 0
        while at != -1:
            start = xml.rfind(b"<", 0, at)
            tag = _TAG.match(xml, start)
            if tag is not None:
                break
            at = xml.find(needle, at + 1)   # the same text inside some other element
        if tag is None:
            continue
        close = xml.find(b">", at)
        if xml[close - 1:close] == b"/":
            head, inner = xml[start:close], b""
        else:
            end = xml.find(b"</" + tag.group(1) + b"c>", close)
            head, inner = xml[start:close], xml[close + 1:end]
        attrs = dict(_ATTR.findall(head))
        v = _V.search(inner)
        text = None if v is None else html.unescape((v.group(1) or b"").decode(errors="replace"))
        found[ref] = (number_or(attrs.get(b"s"), 0), attrs.get(b"t", b"n").decode(errors="replace"),
                      bool(_F.search(inner)), text)
    return found


def _xlsx_tree(xml: bytes, refs: set[str]) -> dict[str, Raw]:
    try:
        root = safe_xml(xml)
    except (ElementTree.ParseError, ValueError):   # the part was measured; only its values are lost
        return {}
    data = root.find(f"{_M}sheetData")
    found: dict[str, Raw] = {}
    for ref, c in _xlsx_cells(data if data is not None else root):
        if ref in refs:
            v = c.find(f"{_M}v")
            found[ref] = (number_or(c.get("s"), 0), c.get("t", "n"), c.find(f"{_M}f") is not None,
                          None if v is None else v.text or "")
    return found


def _xlsx_cells(data: ElementTree.Element) -> Iterator[tuple[str, ElementTree.Element]]:
    """(A1 ref, <c>) of every stored cell; positions are inferred where `r` attributes are left out."""
    row = -1
    for r in data.iter(f"{_M}row"):
        row = number_or(r.get("r"), row + 2) - 1
        col, last = -1, ""
        for c in r.iter(f"{_M}c"):
            ref = c.get("r")
            if ref:
                last = ref   # parsed only if a later cell of the row has no `r`
            else:
                col = (parse_ref(last)[1] if last else col) + 1
                ref, last = a1(row, col), ""
            yield ref, c


# --- ods --------------------------------------------------------------------------------------

def _ods_fonts(root: ElementTree.Element) -> dict[str, str]:
    """Automatic cell style name → font family, following parent styles within content.xml."""
    faces = {el.get(f"{_STYLE}name", ""): el.get(f"{_SVG}font-family", "").strip("'\"")
             for el in root.iter(f"{_STYLE}font-face")}
    own: dict[str, str] = {}
    parent: dict[str, str] = {}
    for st in root.iter(f"{_STYLE}style"):
        name = st.get(f"{_STYLE}name", "")
        parent[name] = st.get(f"{_STYLE}parent-style-name", "")
        props = st.find(f"{_STYLE}text-properties")
        if props is not None:
            face = props.get(f"{_STYLE}font-name")
            family = faces.get(face, face) if face else props.get(f"{_FO}font-family", "").strip("'\"")
            if family:
                own[name] = family
    fonts: dict[str, str] = {}
    for name in parent:
        seen, cur = set(), name
        while cur and cur not in own and cur not in seen:
            seen.add(cur)
            cur = parent.get(cur, "")
        if cur in own:
            fonts[name] = own[cur]
    return fonts


def _ods_rows(table: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The table:table-row elements of a table in order, through header rows and row groups."""
    for child in table:
        if child.tag == f"{_TABLE}table-row":
            yield child
        elif child.tag in (f"{_TABLE}table-header-rows", f"{_TABLE}table-row-group", f"{_TABLE}table-rows"):
            yield from _ods_rows(child)


def _ods(pkg: Package, wanted: Wanted) -> Infos:
    root = pkg.xml(ODS_CONTENT)
    if root is None:
        return {}
    fonts = _ods_fonts(root)
    infos: Infos = {}
    for table in root.iter(f"{_TABLE}table"):
        sheet = _nfc(table.get(f"{_TABLE}name", ""))
        refs = wanted.get(sheet)
        if not refs:
            continue
        cols_of: dict[int, list[int]] = {}
        for r, c in sorted(parse_ref(ref) for ref in refs):
            cols_of.setdefault(r, []).append(c)
        rows = list(cols_of)   # ascending
        col_styles: list[str] = []
        for column in table.iter(f"{_TABLE}table-column"):
            n = max(1, number_or(column.get(f"{_TABLE}number-columns-repeated"), 1))
            col_styles += [column.get(f"{_TABLE}default-cell-style-name", "")] * min(n, 1024)
        row = 0
        for tr in _ods_rows(table):
            row_end = row + max(1, number_or(tr.get(f"{_TABLE}number-rows-repeated"), 1))
            here = [r for r in rows if row <= r < row_end]   # only the rows with wanted cells are walked
            if here:
                _ods_row(tr, [(r, c) for r in here for c in cols_of[r]], sheet, col_styles, fonts, infos)
            row = row_end
            if row > rows[-1]:
                break
    return infos


def _ods_row(tr: ElementTree.Element, spots: list[tuple[int, int]], sheet: str, col_styles: list[str],
             fonts: dict[str, str], infos: Infos) -> None:
    """The infos of the wanted (row, col) spots one table row (repeated or not) holds."""
    col = 0
    for cell in tr:
        if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            continue
        span = max(1, number_or(cell.get(f"{_TABLE}number-columns-repeated"), 1))
        for r, c in spots:
            if col <= c < col + min(span, 1024):
                infos[(sheet, a1(r, c))] = _ods_info(cell, c, col_styles, fonts)
        col += span


def _ods_info(cell: ElementTree.Element, col: int, col_styles: list[str], fonts: dict[str, str]) -> CellInfo:
    kind = cell.get(f"{_OFFICE}value-type", "")
    text = "".join(p.text or "" for p in cell.iter(f"{_TEXT}p"))
    error = None
    if cell.get(f"{_CALC}value-type") == "error" or (cell.get(f"{_TABLE}formula") and text.startswith(_ERRORS)):
        error = text or "#VALUE!"
    style = cell.get(f"{_TABLE}style-name") or (col_styles[col] if col < len(col_styles) else "")
    boolean = cell.get(f"{_OFFICE}boolean-value") == "true" if kind == "boolean" else None
    return CellInfo(error=error, percent=kind == "percentage", font=fonts.get(style),
                    formula=cell.get(f"{_TABLE}formula") is not None, boolean=boolean)


# --- xls --------------------------------------------------------------------------------------

def _xls(pkg: Package, wanted: Wanted) -> Infos:
    import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

    book = pkg.xls_book
    by_name = {_nfc(n): i for i, n in enumerate(book.sheet_names())}
    infos: Infos = {}
    for sheet, refs in wanted.items():
        if sheet not in by_name:
            continue
        ws = book.sheet_by_index(by_name[sheet])
        for ref in refs:
            r, c = parse_ref(ref)
            if r >= ws.nrows or c >= ws.row_len(r):   # rows are ragged (`Package.xls_book`)
                continue
            index = ws.cell_xf_index(r, c)
            if not 0 <= index < len(book.xf_list):   # a damaged file: the cell's value still counts
                continue
            xf = book.xf_list[index]
            fmt = book.format_map.get(xf.format_key)
            font = book.font_list[xf.font_index].name if xf.font_index < len(book.font_list) else None
            error = None
            if ws.cell_type(r, c) == xlrd.XL_CELL_ERROR:
                error = xlrd.error_text_from_code.get(ws.cell_value(r, c), "#VALUE!")
            infos[(sheet, ref)] = CellInfo(error=error, percent=bool(fmt and is_percent_format(fmt.format_str)),
                                           font=font)
    return infos
