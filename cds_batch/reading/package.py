"""Read stage, the zip package: one workbook file's bytes, its format by content, each part parsed at most once.

In: the bytes of a returned workbook (.xlsx/.xlsm, .ods or .xls, whatever its extension says) and the
`ReadLimits` it must keep within; `guard.open_package` reads the file and checks it before anything
else does.
Out: a `Package` the reader's parts share — python-calamine for values, the defined names, cell
styles and custom properties — so a file is read from disk once and no XML part is parsed twice
(reading a file three or four times cost more than the reading itself). A file that is no
workbook at all raises `ReadError`, whose message tells the school what to do.

Every XML part is parsed by defusedxml with DTDs forbidden (a workbook never has one; a DTD is how
an entity bomb is made) and unzipped at most to its declared size; the other hostile-file checks
are `guard`'s.
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
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator, TypeVar, cast
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeTree  # type: ignore[import-untyped]  # defusedxml ships no type information
import olefile  # type: ignore[import-untyped]  # olefile ships no type information
from defusedxml import DefusedXmlException

from cds_batch.core.library_text import explain
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.file_format import (
    OLE_ENCRYPTED, XLSX_WORKBOOK, ZIP_LOCAL_HEADER, Signature, ole_workbook, signature, zip_workbook
)

SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "ods": ".ods", "xls": ".xls"}
_MEMO_SIZE = 64
_MB = 1 << 20
PIECE = _MB   # parts larger than this are scanned in pieces, never held whole
RESAVE = "Hãy mở lại bằng Excel hoặc LibreOffice, lưu dạng .xlsx rồi gửi lại."
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
                     + RESAVE)


def broken_part(name: str, member: str, why: BaseException | str) -> ReadError:
    """The file is unreadable because of one part: named, with why in Vietnamese (never a library's
    English text: the school reads this)."""
    return ReadError(f"Không đọc được tệp '{name}': phần '{member}' bị hỏng ({damage_text(why)}). {RESAVE}")


def damage_text(why: BaseException | str) -> str:
    """What is wrong with a part, in Vietnamese, from what the zip or XML library raised."""
    if isinstance(why, str):
        return why
    if isinstance(why, ElementTree.ParseError):
        line, column = getattr(why, "position", (0, 0))
        return f"không phải XML hợp lệ, lỗi ở dòng {line}, cột {column + 1}"
    if isinstance(why, RuntimeError):
        return "phần này được mã hoá bằng mật khẩu"
    if isinstance(why, NotImplementedError):
        return "phần này nén theo cách không được hỗ trợ"
    if isinstance(why, (zipfile.BadZipFile, zlib.error, EOFError, struct.error)):
        return "dữ liệu nén sai hoặc bị cắt cụt"
    if isinstance(why, (ValueError, LookupError)):
        return "không phải XML hợp lệ hoặc mã hoá ký tự lạ"
    return explain(why)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF16_DECLARATION = re.compile(rb"""(<\?xml[^>]*?encoding\s*=\s*["'])utf-?16(?:le|be)?(["'])""", re.I)


def as_utf8(data: bytes) -> bytes:
    """An XML part written in UTF-16 (allowed by XML and ECMA-376 Part 2; it starts with a byte-order
    mark) as UTF-8 with its declaration saying so, so that every byte-level scan of the guard and
    `cell_info` sees its tags; any other bytes unchanged. A cut-off head decodes as far as it goes."""
    if not data.startswith(_UTF16_BOMS):
        return data
    text = data.decode("utf-16", errors="ignore").encode("utf-8")
    return _UTF16_DECLARATION.sub(rb"\1UTF-8\2", text, count=1)


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
        self.plain_cells: set[str] = set()   # sheet parts whose every <c> starts with its r="A1" (cell_info)
        if opened is not None:
            self.__dict__["zip"] = opened   # the zip `sniff` already opened (cached_property's slot)

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
                    self._parts[member] = as_utf8(stream.read(info.file_size))
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
            return as_utf8(stream.read(size))

    def is_utf16(self, member: str) -> bool:
        with self.reading(member), self.zip.open(member) as stream:
            return stream.read(2) in _UTF16_BOMS

    def pieces(self, member: str) -> Iterator[bytes]:
        """A member in pieces of about 1 MB that end on '>', so no tag is cut; a small member whole
        (and kept for later readers), a large one never held whole."""
        info = self.zip.getinfo(member)
        if info.file_size <= PIECE or self.is_utf16(member):
            yield self.part(member) or b""   # UTF-16 too: scanned as UTF-8, whole (within max_part_bytes)
            return
        rest = b""
        with self.reading(member), self.zip.open(info) as stream:
            left = info.file_size
            while left > 0:
                chunk = stream.read(min(PIECE, left))
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

    @cached_property
    def xls_book(self) -> Any:
        """The xlrd book of an .xls file (names, formats and fonts; calamine reads the values). Rows are
        kept ragged, so a far-away cell costs no grid; ReadError when xlrd cannot read the file."""
        import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

        try:
            return xlrd.open_workbook(file_contents=self.data, formatting_info=True, on_demand=True,
                                      ragged_rows=True)
        except Exception:   # noqa: BLE001  xlrd raises its own errors and many plain ones on a damaged file
            pass   # some programs write formatting records xlrd refuses: the values may still be there
        try:
            return xlrd.open_workbook(file_contents=self.data, on_demand=True, ragged_rows=True)
        except Exception as exc:   # noqa: BLE001  (as above)
            raise ReadError(f"Không đọc được tệp '{self.name}': phần dữ liệu bảng tính của tệp .xls (luồng "
                            f"'Workbook') bị hỏng. {RESAVE}") from exc

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
        if data.startswith(ZIP_LOCAL_HEADER):   # an empty zip (no local header) is no workbook
            declared = _zip_entries(data)
            if declared is not None and declared > max_parts:
                raise _too_many_parts(name, declared, max_parts)
            z = zipfile.ZipFile(io.BytesIO(data))
            if len(z.filelist) > max_parts:
                raise _too_many_parts(name, len(z.filelist), max_parts)
            fmt = zip_workbook(set(z.namelist()))
            if fmt == "xlsx":   # .xlsx and .xlsm are read alike: the name tells which it claims to be
                return ("xlsm" if name.lower().endswith(".xlsm") else "xlsx"), z
            if fmt is not None:
                return fmt, z
            raise ReadError(f"Tệp '{name}' là tệp nén nhưng không phải bảng tính Excel hay LibreOffice.")
        if signature(data) is Signature.OLE:
            with olefile.OleFileIO(io.BytesIO(data)) as ole:
                if ole.exists(OLE_ENCRYPTED):
                    raise ReadError(f"Tệp '{name}' được đặt mật khẩu mở tệp; hãy gỡ mật khẩu "
                                    "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại.")
                if ole_workbook(ole.exists) is not None:
                    return "xls", None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, struct.error, IndexError, KeyError,
            NotImplementedError) as exc:   # olefile and zipfile on damaged headers
        raise ReadError(f"Không mở được tệp '{name}': tệp hỏng (phần đầu tệp hoặc mục lục của tệp nén sai, "
                        f"có thể tệp bị cắt cụt khi tải về). {RESAVE}") from exc
    raise ReadError(f"Tệp '{name}' không phải bảng tính Excel/LibreOffice (.xlsx, .xls, .ods) hoặc đã hỏng.")


_PLAIN_TARGET = re.compile(r"/?(?:[\w -]+/)*[\w -]+\.\w+")


def local_name(tag: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return tag.rpartition("}")[2]


def sheet_parts(pkg: Package) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(sheet name (NFC), part) for each <sheet> of workbook.xml, through its relationships, and
    whether every target is plain (then calamine reads the same parts). Elements are matched by
    local name, so a Strict Open XML file is read the same way."""
    book, rels = pkg.xml(XLSX_WORKBOOK), pkg.xml("xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return (), False
    targets = {el.get("Id"): el.get("Target", "") for el in rels.iter() if local_name(el.tag) == "Relationship"}
    pairs: list[tuple[str, str]] = []
    plain = True
    for sheet in (el for el in book.iter() if local_name(el.tag) == "sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.startswith("{") and local_name(k) == "id"), None)
        target = targets.get(rid, "")
        plain = plain and bool(_PLAIN_TARGET.fullmatch(target)) and not target.startswith("xl/")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        pairs.append((unicodedata.normalize("NFC", sheet.get("name", "")), part))
    return tuple(pairs), plain
