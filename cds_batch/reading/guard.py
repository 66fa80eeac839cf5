"""Read stage, the guard: a returned workbook measured against `ReadLimits` before calamine builds it.

In: a path (`open_package`) or an opened `Package` and one of its sheets (`check_sheet`).
Out: the `Package`, or `ReadError` when the file breaks a limit or is built to harm the reader.

python-calamine holds a sheet as a grid from A1 to its last filled cell whatever the file's size,
and reserves room for as many shared strings as the file declares; one far-away cell or one false
count ends the whole process. So what calamine will build is measured from the file itself first:
the members' unzipped sizes, the shared-strings count and every .ods or .xls sheet on opening
(calamine builds those on opening), each .xlsx sheet part before calamine builds that sheet.
A DTD anywhere is refused (a workbook never has one).
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeTree  # type: ignore[import-untyped]  # defusedxml ships no type information
from defusedxml import DefusedXmlException

from cds_batch.core.library_text import explain
from cds_batch.core.file_format import ODS_CONTENT, XLSX_WORKBOOK
from cds_batch.reading.package import (
    PIECE, RESAVE, Package, ReadError, ReadLimits, broken_part, count, dtd_refused, local_name, megabytes, sheet_parts,
    sniff
)


def open_package(path: Path, limits: ReadLimits | None = None) -> Package:
    """Read `path` once, tell its format by content and check it against `limits` as far as can be
    done before python-calamine opens it; ReadError when it is no workbook or breaks a limit."""
    limits = limits or ReadLimits()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"Không mở được tệp '{path.name}': {explain(exc)}.") from exc
    fmt, opened = sniff(path.name, data, limits.max_parts)
    pkg = Package(path.name, data, fmt, opened, limits)
    try:
        _check_package(pkg)
    except BaseException:
        pkg.close()
        raise
    return pkg


def check_sheet(pkg: Package, sheet: str) -> None:
    """ReadError when the sheet calamine calls `sheet` holds more than the limits allow; call it
    before calamine builds the sheet (.ods and .xls were measured whole in `open_package`)."""
    if sheet not in pkg.checked:
        if pkg.format in ("xlsx", "xlsm"):
            _check_xlsx_sheet(pkg, unicodedata.normalize("NFC", sheet))
        pkg.checked.add(sheet)


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_HUGE = 10 ** 12   # a number too long to be a real row, column or repeat count
_ROOT = re.compile(rb"<[^?!]")
_SST = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*>")
_COUNTS = re.compile(rb"\b(count|uniqueCount)\s*=\s*[\"'](\d+)")
# What calamine parses on opening an .xlsx; all but the shared strings are read here anyway (kept).
_STRINGS = "xl/sharedStrings.xml"
_OPENED_BY_CALAMINE = (XLSX_WORKBOOK, "xl/_rels/workbook.xml.rels", "xl/styles.xml", _STRINGS)
# A <c> tag in the form Excel, LibreOffice, XlsxWriter and openpyxl write: the cell's own r="A1"
# first, then quoted attributes whose names do not start with r. Any other form (no r, a second r,
# r='…', r = "…", a namespace prefix) is measured by the parser, because calamine reads it too,
# taking the last r of a tag. _SMALL, the check every template sheet passes, wants the cell within
# A1:Z9999 and only s and t after its r (half the time of any attribute). Each pattern starts with
# a literal (no alternation), which lets the regular-expression engine skip to it: 3 times faster.
_ATTRS = rb'(?:\s++[a-qs-zA-Z_][\w.-]*+="[^"]*+")*+\s*+'
_SMALL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]\d{1,4}"(?: [st]="[^"]*+")*+ ?/?>)')
_PLAIN = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,3}\d{1,7}"' + _ATTRS + rb'/?>)')
_PREFIXED = re.compile(rb':c[\s/>]')   # <x:c …>: calamine goes by local names
_FILLED = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"' + _ATTRS + rb'>')   # not self-closing: it has content
_SPOT = re.compile(r"\s*([A-Za-z]*)(\d*)")


def _check_package(pkg: Package) -> None:
    """What can be measured before calamine opens the file: its members, the shared strings calamine
    reads on opening, and every sheet of an .ods or .xls (calamine builds them all on opening)."""
    if pkg.format == "xls":
        _check_xls(pkg)
        return
    _check_members(pkg)
    if pkg.format == "ods":
        _check_ods(pkg)
        return
    strings = pkg.head(_STRINGS, 1 << 14)
    for member in _OPENED_BY_CALAMINE:   # so a DTD there gets this message, not calamine's
        if _has_dtd(strings if member == _STRINGS else pkg.part(member) or b""):
            raise dtd_refused(pkg.name, member)
    if strings:
        _check_string_count(pkg, strings)


def _check_string_count(pkg: Package, head: bytes) -> None:
    """calamine reserves room for as many shared strings as <sst uniqueCount> says before reading one
    (uniqueCount="4294967295" asks for 103 GB and ends the process). Each string takes bytes of the
    part, so a count above the part's size is a lie."""
    member, size = _STRINGS, pkg.zip.getinfo(_STRINGS).file_size
    root = _SST.search(head)
    for name, value in _COUNTS.findall(root.group(0) if root else b""):
        if len(value) > 12 or int(value) > size:
            raise ReadError(f"Không đọc được tệp '{pkg.name}': phần '{member}' khai báo "
                            f"{name.decode()}={value[:20].decode()} chuỗi, nhiều hơn số byte của nó ({count(size)}); "
                            f"tệp hỏng hoặc bị sửa. {RESAVE}")


def _check_members(pkg: Package) -> None:
    """Unzipped sizes as the zip declares them (zipfile and calamine both stop there), and no name twice
    (zipfile would read one member and calamine perhaps the other)."""
    limits, seen, total = pkg.limits, set(), 0
    for info in pkg.zip.infolist():
        if info.filename in seen:
            raise ReadError(f"Không đọc được tệp '{pkg.name}': tệp có hai phần cùng tên '{info.filename}' "
                            f"(tệp bị sửa ngoài Excel hoặc hỏng). {RESAVE}")
        seen.add(info.filename)
        if info.file_size > limits.max_part_bytes:
            raise ReadError(f"Vượt giới hạn đọc: phần '{info.filename}' của tệp '{pkg.name}' giải nén ra "
                            f"{megabytes(info.file_size)} MB, quá giới hạn {megabytes(limits.max_part_bytes)} MB "
                            "một phần. Tệp này không được đọc.")
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ReadError(f"Vượt giới hạn đọc: tệp '{pkg.name}' giải nén ra {megabytes(total)} MB, quá giới hạn "
                        f"{megabytes(limits.max_total_bytes)} MB. Tệp này không được đọc.")


def check_sheet_count(pkg: Package, sheets: int) -> None:
    if sheets > pkg.limits.max_sheets:
        raise ReadError(f"Vượt giới hạn đọc: tệp '{pkg.name}' có {count(sheets)} trang, quá giới hạn "
                        f"{count(pkg.limits.max_sheets)} trang. Tệp này không được đọc.")


def _check_extent(pkg: Package, where: str, rows: int, cols: int) -> None:
    """ReadError when a sheet with content as far as row `rows` and column `cols` breaks a limit (a scan
    stops at the first piece past a limit, so the numbers are what it saw by then)."""
    limits = pkg.limits
    if rows > limits.max_rows:
        raise ReadError(f"Vượt giới hạn đọc: {where} của tệp '{pkg.name}' có dữ liệu ở dòng {count(rows)}, quá "
                        f"giới hạn {count(limits.max_rows)} dòng một trang. Hãy xoá các dòng thừa (hoặc chép phần "
                        "cần nộp sang một mẫu mới) rồi gửi lại.")
    if rows * cols > limits.max_cells:
        raise ReadError(f"Vượt giới hạn đọc: {where} của tệp '{pkg.name}' có dữ liệu trải ít nhất {count(rows)} dòng × "
                        f"{count(cols)} cột ({count(rows * cols)} ô), quá giới hạn {count(limits.max_cells)} ô "
                        "một trang. Hãy xoá các ô có dữ liệu nằm xa vùng phiếu rồi gửi lại.")


def _has_dtd(data: bytes) -> bool:
    """Whether the prolog of an XML part (what comes before its first element) declares a DTD."""
    if b"\x00" in data[:4]:   # UTF-16: the markup is ASCII all the same
        data = data[:1 << 16].replace(b"\x00", b"")
    root = _ROOT.search(data, 0, 1 << 16)
    return b"<!doctype" in data[:root.start() if root else 1 << 16].lower()


# --- .xls and .ods: every sheet, before calamine opens the file ------------------------------------

def _check_xls(pkg: Package) -> None:
    """Each sheet's rows and columns as xlrd counts them (ragged rows: a far cell costs no grid)."""
    book = pkg.xls_book
    check_sheet_count(pkg, book.nsheets)
    for index in range(book.nsheets):
        try:
            sheet = book.sheet_by_index(index)
        except Exception as exc:   # xlrd on a damaged sheet stream
            raise ReadError(f"Không đọc được tệp '{pkg.name}': trang thứ {index + 1} hỏng. {RESAVE}") from exc
        _check_extent(pkg, f"trang '{sheet.name}'", sheet.nrows, sheet.ncols)


def _repeat(el: ElementTree.Element, attr: str) -> int:
    text = el.get(attr, "1")
    if not text.isdecimal():
        return 1
    return int(text) if len(text) < 12 else _HUGE


def _check_ods(pkg: Package) -> None:
    """Each table of content.xml, its repeated rows and cells expanded as calamine expands them."""
    root = pkg.xml(ODS_CONTENT)
    if root is None:
        raise broken_part(pkg.name, ODS_CONTENT, "không phải XML hợp lệ")
    tables = list(root.iter(f"{_TABLE}table"))
    check_sheet_count(pkg, len(tables))
    for table in tables:
        where, row, cols = f"trang '{table.get(f'{_TABLE}name', '')}'", 0, 0
        for tr in table.iter(f"{_TABLE}table-row"):
            col = last = 0
            for cell in tr:
                col += _repeat(cell, f"{_TABLE}number-columns-repeated")
                if len(cell) or cell.get(f"{_OFFICE}value-type") is not None:
                    last = col
            row += _repeat(tr, f"{_TABLE}number-rows-repeated")
            if last:
                cols = max(cols, last)
                _check_extent(pkg, where, row, cols)


# --- .xlsx: one sheet part, before calamine builds that sheet --------------------------------------

def _check_xlsx_sheet(pkg: Package, sheet: str) -> None:
    pairs, plain = pkg.derived(sheet_parts, XLSX_WORKBOOK, "xl/_rels/workbook.xml.rels")
    members = pkg.members
    parts = [part for name, part in pairs if name == sheet]
    if plain and parts and all(part in members for part in parts):
        for part in parts:
            _check_sheet_part(pkg, part, f"trang '{sheet}'")
        return
    for member in sorted(members):   # a sheet this reading cannot place: every member calamine might read
        if not member.endswith("/"):
            _check_sheet_part(pkg, member, f"phần '{member}'")


def _prefixed(data: bytes) -> bool:
    """Whether a part has a <x:c …> tag (a plain substring test first: five times faster)."""
    return b":c" in data and _PREFIXED.search(data) is not None


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


def _check_sheet_part(pkg: Package, member: str, where: str) -> None:
    """ReadError when a sheet part has a DTD or content beyond the limits. A part up to 1 MB whose
    cells are all plain and within A1:Z9999 (every template sheet) costs one regular-expression
    search; plain cells further out are counted with `_FILLED`, anything else by a parser."""
    if member in pkg.measured:
        return
    limits = pkg.limits
    if pkg.zip.getinfo(member).file_size <= PIECE:
        data = pkg.part(member) or b""
        if _has_dtd(data):
            raise dtd_refused(pkg.name, member)
        quick = limits.max_rows >= 9999 and limits.max_cells >= 9999 * 26
        if quick and not _SMALL.search(data) and not _prefixed(data):
            pkg.measured.add(member)
            pkg.plain_cells.add(member)
            return
    rows = cols = 0
    for n, piece in enumerate(pkg.pieces(member)):
        if n == 0 and _has_dtd(piece):
            raise dtd_refused(pkg.name, member)
        if _PLAIN.search(piece) or _prefixed(piece):
            rows, cols = _parsed_extent(pkg, member, where)
            break
        found = _FILLED.findall(piece)
        if found:
            letters, digits = zip(*found)
            rows, cols = max(rows, max(map(int, digits))), max(cols, max(map(_column, set(letters))))
            _check_extent(pkg, where, rows, cols)
    else:
        pkg.plain_cells.add(member)
    _check_extent(pkg, where, rows, cols)
    pkg.measured.add(member)


class _Over(Exception):
    """The parser passed a limit; it stops there."""


class _Extent:
    """ElementTree parser target: the grid calamine builds for a sheet part, from A1 to the last cell
    with content, each position found as calamine finds it — a cell's r (any attribute of that local
    name; calamine takes the last of several, this the furthest), else one past the cell before; a
    row's r, else one past the row before."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.row = self.col = -1
        self.rows = self.cols = 0
        self.cell: tuple[int, int] | None = None
        self.filled = False

    def _spot(self, refs: list[str]) -> tuple[int, int]:
        spots: list[tuple[int, int]] = []
        for ref in refs:
            m = _SPOT.match(ref)
            letters, digits = (m.group(1), m.group(2)) if m else ("", "")
            if digits:
                row = int(digits) - 1 if len(digits) < 12 else _HUGE
                col = _column(letters.upper().encode()) - 1 if len(letters) < 8 else _HUGE
                spots.append((row, col))
        if not spots:
            return self.row, self.col + 1
        return max(r for r, _ in spots), max(c for _, c in spots)

    def _count(self) -> None:
        assert self.cell is not None
        self.rows, self.cols = max(self.rows, self.cell[0] + 1), max(self.cols, self.cell[1] + 1)
        if self.rows > self.limits.max_rows or self.rows * self.cols > self.limits.max_cells:
            raise _Over()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name, refs = local_name(tag), [v for k, v in attrib.items() if local_name(k) == "r"]
        if self.cell is not None:   # a child of a <c>: that cell has content
            self.filled = True
            if name == "c":
                self._count()
        if name == "row":
            numbers = [int(r) for r in refs if r.isdecimal() and len(r) < 12]
            self.row, self.col = (max(numbers) - 1 if numbers else self.row + 1), -1
        elif name == "c":
            self.cell, self.filled = self._spot(refs), False
            self.col = self.cell[1]

    def data(self, text: str) -> None:
        if self.cell is not None and not text.isspace():
            self.filled = True

    def end(self, tag: str) -> None:
        if self.cell is not None and local_name(tag) == "c":
            if self.filled:
                self._count()
            self.cell = None

    def close(self) -> None:
        return None


def _parsed_extent(pkg: Package, member: str, where: str) -> tuple[int, int]:
    """(rows, columns) of a sheet part by a streaming parser (defusedxml: no DTD), stopping at the
    first limit passed; ReadError when the part is not well-formed XML."""
    target = _Extent(pkg.limits)
    parser = SafeTree.DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        for piece in pkg.pieces(member):
            parser.feed(piece)
        parser.close()
    except _Over:
        pass
    except DefusedXmlException as exc:
        raise dtd_refused(pkg.name, member) from exc
    except (ElementTree.ParseError, ValueError, LookupError) as exc:
        raise broken_part(pkg.name, member, exc) from exc
    return target.rows, target.cols
