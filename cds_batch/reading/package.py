"""One workbook file, opened once: its bytes, its format by content, and each part parsed at most once.

In: a path to a returned workbook (.xlsx/.xlsm, .ods or .xls, whatever its extension says) and the
`ReadLimits` it must keep within.
Out: a `Package` the reader's parts share — python-calamine for values, the defined names, cell
styles and custom properties — so a file is read from disk once and no XML part is parsed twice
(reading a file three or four times cost more than the reading itself). A file that is no
workbook at all, or one built to harm the reader, raises `ReadError`, whose message tells the
school what to do.

Hostile files: every XML part is parsed by defusedxml with DTDs forbidden (a workbook never has
one; a DTD is how an entity bomb is made), every part is unzipped at most to its declared size,
and before calamine builds a sheet (`check_sheet`; for .ods and .xls, whose sheets calamine builds
on opening, in `open`) the sheet's extent is measured from the file itself.
"""
from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, TypeVar, cast
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeTree  # type: ignore[import-untyped]  # defusedxml ships no type information
import olefile  # type: ignore[import-untyped]  # olefile ships no type information
from defusedxml import DefusedXmlException

from cds_batch.core.errors import CdsBatchError

SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "ods": ".ods", "xls": ".xls"}
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_MEMO_SIZE = 64
_MB = 1 << 20
_PIECE = _MB   # parts larger than this are scanned in pieces, never held whole
_RESAVE = "Hãy mở lại bằng Excel hoặc LibreOffice, lưu dạng .xlsx rồi gửi lại."
# What a broken zip member raises: bad CRC or header, truncated or invalid deflate data, an
# unsupported compression method, a password (RuntimeError), a seek past the end.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
               ValueError, struct.error)
T = TypeVar("T")


_MEMO: OrderedDict[tuple[object, ...], object] = OrderedDict()


class ReadError(CdsBatchError):
    """A file that cannot be read as a workbook at all; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class ReadLimits:
    """How much one workbook may hold; a file beyond a limit is refused unread (`ReadError`).

    python-calamine holds a sheet as a grid from A1 to its last filled cell, about 30 bytes a cell
    and 25 more once it is Python lists, whatever the file's size: one filled cell at XFD1048576 in
    a 10 KB .xlsx asks for 512 GB and ends the whole process. So each sheet is measured before
    calamine builds it. The defaults are far above any school's file — the template's sheets have
    under 200 rows and 7 columns, and a school may paste a few thousand evidence rows — and small
    enough that the largest sheet allowed costs about 110 MB while it is read.
    """

    max_sheets: int = 100            # the template has 6 to 8; schools add a few of their own
    max_rows: int = 100_000          # rows of one sheet: 500 times the template, 20 times a long evidence list
    max_cells: int = 2_000_000       # rows × columns of one sheet's grid (20 columns of 100,000 rows)
    max_part_bytes: int = 64 * _MB   # one unzipped part (a sheet, shared strings, content.xml): ~100,000 rows
    max_total_bytes: int = 128 * _MB  # all parts unzipped: bounds the time one file takes (a few seconds)
    max_parts: int = 10_000          # zip members (a template has about 15); each costs before any check
    # '<' in one XML part parsed whole (.ods content.xml, workbook.xml, styles, properties): each element
    # costs ~300 bytes parsed, so this bounds one part near 300 MB; a template's .ods has ~5,000.
    max_xml_tags: int = 1_000_000


def count(n: int) -> str:
    """1000000 → '1.000.000', the Vietnamese way."""
    return f"{n:,}".replace(",", ".")


def megabytes(n: int) -> str:
    return f"{n / _MB:.1f}".replace(".", ",")


def dtd_refused(name: str, member: str) -> ReadError:
    return ReadError(f"Tệp '{name}' bị từ chối: phần '{member}' có khai báo DTD (<!DOCTYPE …>), điều bảng tính "
                     "Excel/LibreOffice không bao giờ có và là cách cài 'bom thực thể XML' để làm treo máy đọc. "
                     + _RESAVE)


def broken_part(name: str, member: str, exc: object) -> ReadError:
    return ReadError(f"Không đọc được tệp '{name}': phần '{member}' bị hỏng ({exc}). {_RESAVE}")


def safe_xml(data: bytes) -> ElementTree.Element:
    """`data` parsed with DTDs, entities and external references forbidden (defusedxml); raises
    ParseError when it is not well-formed and DefusedXmlException for a DTD."""
    return cast(ElementTree.Element, SafeTree.fromstring(data, forbid_dtd=True))


class Package:
    """The bytes of one workbook file and, on demand, its zip, XML parts and xlrd book (.xls)."""

    def __init__(self, name: str, data: bytes, fmt: str, opened: zipfile.ZipFile | None = None,
                 limits: ReadLimits | None = None) -> None:
        self.name = name      # the file name, for messages
        self.data = data
        self.format = fmt     # 'xlsx', 'xlsm', 'ods' or 'xls'
        self.limits = limits or ReadLimits()
        self._parts: dict[str, bytes | None] = {}
        self._xml: dict[str, ElementTree.Element | None] = {}
        self.checked: set[str] = set()       # sheets measured by `check_sheet`
        self.measured: set[str] = set()      # sheet parts measured
        self.plain_cells: set[str] = set()   # sheet parts whose every <c> starts with its r="A1" (read_extras)
        if opened is not None:
            self.__dict__["zip"] = opened   # the zip `sniff` already opened (cached_property's slot)

    @classmethod
    def open(cls, path: Path, limits: ReadLimits | None = None) -> Package:
        """Read `path` once, tell its format by content and check it against `limits` as far as can be
        done before python-calamine opens it; ReadError when it is no workbook or breaks a limit."""
        limits = limits or ReadLimits()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReadError(f"Không mở được tệp '{path.name}': {exc.strerror or exc}.") from exc
        fmt, opened = sniff(path.name, data, limits.max_parts)
        pkg = cls(path.name, data, fmt, opened, limits)
        try:
            _check_package(pkg)
        except BaseException:
            pkg.close()
            raise
        return pkg

    @cached_property
    def zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))

    @contextmanager
    def reading(self, member: str) -> Iterator[None]:
        """Turn what a broken zip member raises into a ReadError naming it."""
        try:
            yield
        except _ZIP_ERRORS as exc:
            raise broken_part(self.name, member, exc) from exc

    @cached_property
    def members(self) -> set[str]:
        return set(self.zip.namelist())

    def part(self, member: str) -> bytes | None:
        """The bytes of a zip member, unzipped once and never past its declared size (zipfile's own
        `read` inflates a whole member before cutting it there); None when there is no such member."""
        if member not in self._parts:
            if member not in self.members:
                self._parts[member] = None
                return None
            info = self.zip.getinfo(member)
            try:   # not `reading`: this is called for every part of every file
                with self.zip.open(info) as stream:
                    self._parts[member] = stream.read(info.file_size)
            except _ZIP_ERRORS as exc:
                raise broken_part(self.name, member, exc) from exc
        return self._parts[member]

    def head(self, member: str, size: int = 4096) -> bytes:
        """The first `size` unzipped bytes of a member (b'' when it is missing)."""
        if member in self._parts:
            return (self._parts[member] or b"")[:size]
        if member not in self.members:
            return b""
        with self.reading(member), self.zip.open(member) as stream:
            return stream.read(size)

    def pieces(self, member: str) -> Iterator[bytes]:
        """A member in pieces of about 1 MB that end on '>', so no tag is cut; a small member whole
        (and kept for later readers), a large one never held whole."""
        info = self.zip.getinfo(member)
        if info.file_size <= _PIECE:
            yield self.part(member) or b""
            return
        rest = b""
        with self.reading(member), self.zip.open(info) as stream:
            left = info.file_size
            while left > 0:
                chunk = stream.read(min(_PIECE, left))
                if not chunk:
                    break
                left -= len(chunk)
                data = rest + chunk
                cut = data.rfind(b">") + 1
                if cut:
                    yield data[:cut]
                rest = data[cut:]
        if rest:
            yield rest

    def xml(self, member: str) -> ElementTree.Element | None:
        """A zip member parsed, once; None when it is missing or not well-formed XML; ReadError when it
        has a DTD or more tags than the limit."""
        if member not in self._xml:
            raw = self.part(member)
            if raw is not None:
                self.check_tags(member, raw)
            try:
                self._xml[member] = None if raw is None else safe_xml(raw)
            except DefusedXmlException as exc:
                raise dtd_refused(self.name, member) from exc
            except (ElementTree.ParseError, ValueError, LookupError):   # not XML, or an unknown encoding
                self._xml[member] = None
        return self._xml[member]

    def check_tags(self, member: str, raw: bytes) -> None:
        """ReadError when a part about to be parsed whole has more tags than the limit."""
        if raw.count(b"<") > self.limits.max_xml_tags:
            raise ReadError(f"Vượt giới hạn đọc: phần '{member}' của tệp '{self.name}' có hơn "
                            f"{count(self.limits.max_xml_tags)} thẻ XML. Tệp này không được đọc.")

    def derived(self, fn: Callable[[Package], T], *members: str) -> T:
        """`fn(self)`, shared with earlier packages whose `members` held the same bytes. Files made
        from one template repeat their workbook, relationships and styles parts byte for byte, and
        parsing those was a fifth of the cost of reading a file. The result must not be changed; it is
        shared only under the same tag limit (a part too large for a stricter one must be refused there)."""
        key = (fn, self.limits.max_xml_tags, *(self.part(m) for m in members))
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return cast(T, _MEMO[key])
        value = _MEMO[key] = fn(self)
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
        return value

    def check_sheet(self, sheet: str) -> None:
        """ReadError when the sheet calamine calls `sheet` holds more than the limits allow; call it
        before calamine builds the sheet (.ods and .xls were measured whole in `open`)."""
        if sheet not in self.checked:
            if self.format in ("xlsx", "xlsm"):
                _check_xlsx_sheet(self, unicodedata.normalize("NFC", sheet))
            self.checked.add(sheet)

    @cached_property
    def xls_book(self) -> Any:
        """The xlrd book of an .xls file (names, formats and fonts; calamine reads the values). Rows are
        kept ragged, so a far-away cell costs no grid; ReadError when xlrd cannot read the file."""
        import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

        try:
            return xlrd.open_workbook(file_contents=self.data, formatting_info=True, on_demand=True,
                                      ragged_rows=True)
        except Exception as exc:   # xlrd raises its own errors and many plain ones on a damaged file
            raise ReadError(f"Không đọc được tệp '{self.name}': tệp .xls hỏng ({exc}). {_RESAVE}") from exc

    def close(self) -> None:
        if "xls_book" in self.__dict__:
            self.xls_book.release_resources()
        if "zip" in self.__dict__:
            self.zip.close()


def _zip_entries(data: bytes) -> int | None:
    """The member count a zip's end record declares, read before zipfile parses every entry; None
    when the record is not there (zipfile will say so) or defers to Zip64 (counted after parsing)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        return None
    entries = int(struct.unpack_from("<H", data, end + 10)[0])
    return None if entries == 0xFFFF else entries


def _too_many_parts(name: str, entries: int, limit: int) -> ReadError:
    return ReadError(f"Vượt giới hạn đọc: tệp '{name}' chứa {count(entries)} phần nén, quá giới hạn "
                     f"{count(limit)} phần (một phiếu có khoảng 15 phần). Tệp này không được đọc.")


def sniff(name: str, data: bytes, max_parts: int = ReadLimits.max_parts) -> tuple[str, zipfile.ZipFile | None]:
    """'xlsx', 'xlsm', 'ods' or 'xls' by content, with the zip it opened to tell; ReadError when the
    bytes are none of them, or a zip with more than `max_parts` members."""
    try:
        if data[:4] == b"PK\x03\x04":
            declared = _zip_entries(data)
            if declared is not None and declared > max_parts:
                raise _too_many_parts(name, declared, max_parts)
            z = zipfile.ZipFile(io.BytesIO(data))
            if len(z.filelist) > max_parts:
                raise _too_many_parts(name, len(z.filelist), max_parts)
            members = set(z.namelist())
            if "xl/workbook.xml" in members:
                return ("xlsm" if name.lower().endswith(".xlsm") else "xlsx"), z
            if "content.xml" in members:
                return "ods", z
            raise ReadError(f"Tệp '{name}' là tệp nén nhưng không phải bảng tính Excel hay LibreOffice.")
        if data[:8] == _OLE_MAGIC:
            with olefile.OleFileIO(io.BytesIO(data)) as ole:
                if ole.exists("EncryptedPackage"):
                    raise ReadError(f"Tệp '{name}' được đặt mật khẩu mở tệp; hãy gỡ mật khẩu "
                                    "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại.")
                if ole.exists("Workbook") or ole.exists("Book"):
                    return "xls", None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, struct.error, IndexError, KeyError,
            NotImplementedError) as exc:   # olefile and zipfile on damaged headers
        raise ReadError(f"Không mở được tệp '{name}': tệp hỏng ({exc}). {_RESAVE}") from exc
    raise ReadError(f"Tệp '{name}' không phải bảng tính Excel/LibreOffice (.xlsx, .xls, .ods) hoặc đã hỏng.")


# --- limits: measured from the file itself, before python-calamine builds a sheet ----------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_HUGE = 10 ** 12   # a number too long to be a real row, column or repeat count
# A sheet target as Excel and LibreOffice write it: calamine and `_sheet_parts` then read the same part.
_PLAIN_TARGET = re.compile(r"/?(?:[\w -]+/)*[\w -]+\.\w+")
_ROOT = re.compile(rb"<[^?!]")
_SST = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*>")
_COUNTS = re.compile(rb"\b(count|uniqueCount)\s*=\s*[\"'](\d+)")
# What calamine parses on opening an .xlsx; all but the shared strings are read here anyway (kept).
_STRINGS = "xl/sharedStrings.xml"
_OPENED_BY_CALAMINE = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", _STRINGS)
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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


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
                            f"tệp hỏng hoặc bị sửa. {_RESAVE}")


def _check_members(pkg: Package) -> None:
    """Unzipped sizes as the zip declares them (zipfile and calamine both stop there), and no name twice
    (zipfile would read one member and calamine perhaps the other)."""
    limits, seen, total = pkg.limits, set(), 0
    for info in pkg.zip.infolist():
        if info.filename in seen:
            raise ReadError(f"Không đọc được tệp '{pkg.name}': tệp có hai phần cùng tên '{info.filename}' "
                            f"(tệp bị sửa ngoài Excel hoặc hỏng). {_RESAVE}")
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
            raise ReadError(f"Không đọc được tệp '{pkg.name}': trang thứ {index + 1} hỏng ({exc}). {_RESAVE}") from exc
        _check_extent(pkg, f"trang '{sheet.name}'", sheet.nrows, sheet.ncols)


def _repeat(el: ElementTree.Element, attr: str) -> int:
    text = el.get(attr, "1")
    if not text.isdecimal():
        return 1
    return int(text) if len(text) < 12 else _HUGE


def _check_ods(pkg: Package) -> None:
    """Each table of content.xml, its repeated rows and cells expanded as calamine expands them."""
    root = pkg.xml("content.xml")
    if root is None:
        raise broken_part(pkg.name, "content.xml", ValueError("không phải XML hợp lệ"))
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

def sheet_parts(pkg: Package) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(sheet name (NFC), part) for each <sheet> of workbook.xml, through its relationships, and
    whether every target is plain (then calamine reads the same parts). Elements are matched by
    local name, so a Strict Open XML file is read the same way."""
    book, rels = pkg.xml("xl/workbook.xml"), pkg.xml("xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return (), False
    targets = {el.get("Id"): el.get("Target", "") for el in rels.iter() if _local(el.tag) == "Relationship"}
    pairs: list[tuple[str, str]] = []
    plain = True
    for sheet in (el for el in book.iter() if _local(el.tag) == "sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.startswith("{") and _local(k) == "id"), None)
        target = targets.get(rid, "")
        plain = plain and bool(_PLAIN_TARGET.fullmatch(target)) and not target.startswith("xl/")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        pairs.append((unicodedata.normalize("NFC", sheet.get("name", "")), part))
    return tuple(pairs), plain


def _check_xlsx_sheet(pkg: Package, sheet: str) -> None:
    pairs, plain = pkg.derived(sheet_parts, "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
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
    if pkg.zip.getinfo(member).file_size <= _PIECE:
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
        name, refs = _local(tag), [v for k, v in attrib.items() if _local(k) == "r"]
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
        if self.cell is not None and _local(tag) == "c":
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
