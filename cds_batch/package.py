"""One workbook file, opened once: its bytes, its format by content, and each part parsed at most once.

In: a path to a returned workbook (.xlsx/.xlsm, .ods or .xls, whatever its extension says).
Out: a `Package` the reader's parts share — python-calamine for values, the defined names, cell
styles and custom properties — so a file is read from disk once and no XML part is parsed twice
(reading a file three or four times cost more than the reading itself). A file that is no
workbook at all raises `ReadError`, whose message tells the school what to do.
"""
from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, TypeVar, cast
from xml.etree import ElementTree

import olefile  # type: ignore[import-untyped]  # olefile ships no type information

from .errors import CdsBatchError

SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "ods": ".ods", "xls": ".xls"}
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_MEMO_SIZE = 64
T = TypeVar("T")


_MEMO: OrderedDict[tuple[object, ...], object] = OrderedDict()


class ReadError(CdsBatchError):
    """A file that cannot be read as a workbook at all; the message says why, in Vietnamese."""


class Package:
    """The bytes of one workbook file and, on demand, its zip, XML parts and xlrd book (.xls)."""

    def __init__(self, name: str, data: bytes, fmt: str, opened: zipfile.ZipFile | None = None) -> None:
        self.name = name      # the file name, for messages
        self.data = data
        self.format = fmt     # 'xlsx', 'xlsm', 'ods' or 'xls'
        self._xml: dict[str, ElementTree.Element | None] = {}
        if opened is not None:
            self.__dict__["zip"] = opened   # the zip `sniff` already opened (cached_property's slot)

    @classmethod
    def open(cls, path: Path) -> Package:
        """Read `path` once and tell its format by content; ReadError when it is no workbook."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReadError(f"Không mở được tệp '{path.name}': {exc.strerror or exc}.") from exc
        fmt, opened = sniff(path.name, data)
        return cls(path.name, data, fmt, opened)

    @cached_property
    def zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))

    def part(self, member: str) -> bytes | None:
        """The bytes of a zip member; None when the package has no such member."""
        try:
            return self.zip.read(member)
        except KeyError:
            return None

    def xml(self, member: str) -> ElementTree.Element | None:
        """A zip member parsed, once; None when it is missing or not well-formed XML."""
        if member not in self._xml:
            raw = self.part(member)
            try:
                self._xml[member] = None if raw is None else ElementTree.fromstring(raw)
            except ElementTree.ParseError:
                self._xml[member] = None
        return self._xml[member]

    def derived(self, fn: Callable[[Package], T], *members: str) -> T:
        """`fn(self)`, shared with earlier packages whose `members` held the same bytes. Files made
        from one template repeat their workbook, relationships and styles parts byte for byte, and
        parsing those was a fifth of the cost of reading a file. The result must not be changed."""
        key = (fn, *(self.part(m) for m in members))
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return cast(T, _MEMO[key])
        value = _MEMO[key] = fn(self)
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
        return value

    @cached_property
    def xls_book(self) -> Any:
        """The xlrd book of an .xls file (names, formats and fonts; calamine reads the values)."""
        import xlrd  # type: ignore[import-untyped]  # xlrd ships no type information

        return xlrd.open_workbook(file_contents=self.data, formatting_info=True, on_demand=True)

    def close(self) -> None:
        if "xls_book" in self.__dict__:
            self.xls_book.release_resources()
        if "zip" in self.__dict__:
            self.zip.close()


def sniff(name: str, data: bytes) -> tuple[str, zipfile.ZipFile | None]:
    """'xlsx', 'xlsm', 'ods' or 'xls' by content, with the zip it opened to tell; ReadError when the
    bytes are none of them."""
    try:
        if data[:4] == b"PK\x03\x04":
            z = zipfile.ZipFile(io.BytesIO(data))
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
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ReadError(f"Không mở được tệp '{name}': tệp hỏng ({exc}). Hãy mở lại bằng Excel hoặc "
                        "LibreOffice, lưu dạng .xlsx rồi gửi lại.") from exc
    raise ReadError(f"Tệp '{name}' không phải bảng tính Excel/LibreOffice (.xlsx, .xls, .ods) hoặc đã hỏng.")
