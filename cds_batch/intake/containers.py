"""Discover stage, part two: what a file is, and what is inside archives and mail.

In: a path to bytes on disk (an input file or a member already copied to the private folder).
Out: `sniff()` gives its `FileKind` and, when it cannot be a submission, why (by the signatures and
marker parts of `core.file_format`, which reading tells workbooks by too); the openers
yield the members of a zip (and, through libarchive, of a rar) as `Member` records whose bytes
stream in chunks (7z, and rar without libarchive, live in `archives`; mail in `mail`). Nothing here
writes to disk; `discover` applies the limits and does the copying.
Problems come back as the string values of `discover.Fate` ("unreadable", "rejected",
"not_a_workbook") so that this module does not import its caller.
"""
from __future__ import annotations

import enum
import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable, Iterator

import olefile  # type: ignore[import-untyped]

from cds_batch.core.findings import Code, Reason, reason
from cds_batch.core.library_text import explain, explain_text
from cds_batch.core.file_format import (
    DOC_STREAM, DOCX_DOCUMENT, MSG_PREFIX, ODF_MIMETYPE, ODS_MIMETYPE, OLE_ENCRYPTED, PPTX_PRESENTATION, XLS_STREAMS,
    XLSB_WORKBOOK, Signature, signature, zip_workbook
)

# Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact and
# needs no tz database; zip member times are naive local times written on the sender's PC.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_time(when: datetime) -> datetime:
    """A received time as the office reads it: Vietnam time (UTC+7, no DST), without a zone."""
    return when.astimezone(VIETNAM).replace(tzinfo=None) if when.tzinfo is not None else when


_CHUNK = 1 << 16
_HEADERS = re.compile(rb"(?:[!-9;-~]+:[^\n]*\n(?:[ \t][^\n]*\n)*){2}")


class FileKind(str, enum.Enum):
    XLSX = "xlsx"
    XLSM = "xlsm"
    XLS = "xls"
    ODS = "ods"
    ZIP = "zip"
    RAR = "rar"
    SEVEN_Z = "7z"
    EML = "eml"
    MBOX = "mbox"
    MSG = "msg"
    OTHER = "other"


WORKBOOKS = frozenset({FileKind.XLSX, FileKind.XLSM, FileKind.XLS, FileKind.ODS})
_BY_EXT = {f".{k.value}": k for k in FileKind if k is not FileKind.OTHER}
# Types people actually attach instead of the workbook; named so the reason is plain.
_NAMED = {
    ".docx": "Tệp Word (.docx)", ".doc": "Tệp Word (.doc)", ".pdf": "Tệp PDF", ".csv": "Tệp CSV (.csv)",
    ".pptx": "Tệp PowerPoint (.pptx)", ".ppt": "Tệp PowerPoint (.ppt)", ".odt": "Tệp văn bản OpenDocument (.odt)",
    ".jpg": "Tệp ảnh (.jpg)", ".jpeg": "Tệp ảnh (.jpeg)", ".png": "Tệp ảnh (.png)", ".txt": "Tệp văn bản (.txt)",
}


@dataclass(frozen=True)
class Sniff:
    """What a file turned out to be; `problem` is a fate value when it cannot be a submission."""

    kind: FileKind
    problem: str | None = None
    reason: Reason | None = None


@dataclass(frozen=True)
class Member:
    """One file inside a container; `chunks()` must be consumed before the next member is asked for."""

    label: str  # the name as the container shows it, decoded and NFC ("Trường A/bao cao.xlsx")
    chunks: Callable[[], Iterable[bytes]]
    declared_size: int
    packed_size: int | None = None  # compressed size when the format gives it per member
    mtime: datetime | None = None
    problem: str | None = None  # "rejected" / "unreadable": do not extract
    reason: Reason | None = None


class ContainerError(Exception):
    """The container cannot be listed (further); the message is the Vietnamese reason."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.text)
        self.reason = reason


class OverBudget(Exception):
    """A .7z would expand past what the run may still expand (`discover.Limits.max_total_bytes`)."""


def kind_from_ext(name: str) -> FileKind:
    return _BY_EXT.get(Path(name).suffix.lower(), FileKind.OTHER)


def _type_name(name: str) -> str:
    ext = Path(name).suffix.lower()
    return _NAMED.get(ext, f"Tệp {ext}" if ext else "Tệp không có đuôi")


def sniff(path: Path, name: str, data: bytes | None = None) -> Sniff:
    """Classify by content first, by extension only where content cannot tell.

    :param data: the file's bytes when the caller already read them (discover reads small files
        once, to hash and classify them; each open costs on an office PC's virus scanner).
    """
    if data is None:
        with path.open("rb") as f:
            head = f.read(4096)
    else:
        head = data[:4096]
    source: Path | io.BytesIO = path if data is None else io.BytesIO(data)
    ext = Path(name).suffix.lower()
    if not head:
        return Sniff(kind_from_ext(name), "unreadable", reason(Code.L201))
    if name.startswith("~$"):
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L202))
    container = signature(head)
    if container is Signature.ZIP:
        return _sniff_zip(source, name)
    if container is Signature.OLE:
        return _sniff_ole(source, name)
    if container is Signature.RAR:
        return Sniff(FileKind.RAR)
    if container is Signature.SEVEN_Z:
        return Sniff(FileKind.SEVEN_Z)
    if container is Signature.PDF:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=_NAMED[".pdf"]))
    if container is Signature.APPLE_DOUBLE:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L204))
    if head.startswith(b"From ") and (ext in ("", ".mbox", ".mbx") or b"\nFrom:" in head):
        return Sniff(FileKind.MBOX)
    # A mail starts with header lines; an .eml name alone is not enough, nor are headers without From.
    if _HEADERS.match(head) and re.search(rb"(?im)^from:", head):
        return Sniff(FileKind.EML)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if kind_from_ext(name) in WORKBOOKS and lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L205, ext=ext))
    if kind_from_ext(name) is not FileKind.OTHER:
        return Sniff(kind_from_ext(name), "unreadable", reason(Code.L206, ext=ext))
    return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=_type_name(name)))


def _sniff_zip(source: Path | io.BytesIO, name: str) -> Sniff:
    try:
        with zipfile.ZipFile(source) as zf:
            names = set(zf.namelist())
            if zip_workbook(names) == "xlsx":
                types = zf.open("[Content_Types].xml").read(1 << 16) if "[Content_Types].xml" in names else b""
                return Sniff(FileKind.XLSM if b"macroEnabled.main" in types else FileKind.XLSX)
            mimetype = zf.open(ODF_MIMETYPE).read(200) if ODF_MIMETYPE in names else b""
            manifest = zf.open("META-INF/manifest.xml").read(1 << 20) if "META-INF/manifest.xml" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        kind = kind_from_ext(name)
        what = "zip" if kind in (FileKind.OTHER, FileKind.ZIP) else kind.value
        return Sniff(kind if kind is not FileKind.OTHER else FileKind.ZIP, "unreadable",
                     reason(Code.L105, kind=what, detail=explain(exc)))
    if mimetype == ODS_MIMETYPE:
        if b"encryption-data" in manifest:   # ODF keeps the package readable and encrypts the members
            return Sniff(FileKind.ODS, "unreadable", reason(Code.L208))
        return Sniff(FileKind.ODS)
    if XLSB_WORKBOOK in names:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L207))
    if DOCX_DOCUMENT in names:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=_NAMED[".docx"]))
    if PPTX_PRESENTATION in names:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=_NAMED[".pptx"]))
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        found = mimetype.decode(errors="replace")
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=f"Tệp OpenDocument ({found})"))
    return Sniff(FileKind.ZIP)


def _sniff_ole(source: Path | io.BytesIO, name: str) -> Sniff:
    try:
        with olefile.OleFileIO(str(source) if isinstance(source, Path) else source) as ole:
            entries = {"/".join(p) for p in ole.listdir(streams=True, storages=True)}
            if OLE_ENCRYPTED in entries:
                kind = kind_from_ext(name)
                if kind in (FileKind.OTHER, FileKind.XLSX, FileKind.XLSM, FileKind.XLS):
                    return Sniff(kind if kind is not FileKind.OTHER else FileKind.XLSX, "unreadable", reason(Code.L209))
                return Sniff(FileKind.OTHER, "unreadable", reason(Code.L210, ext=Path(name).suffix))
            book = next((stream for stream in XLS_STREAMS if stream in entries), "")
            if book:
                encrypted = _xls_has_filepass(bytes(ole.openstream(book).read(1 << 16)))
                return Sniff(FileKind.XLS, "unreadable", reason(Code.L209)) if encrypted else Sniff(FileKind.XLS)
    except (OSError, struct.error, ValueError, IndexError) as exc:
        return Sniff(kind_from_ext(name), "unreadable", reason(Code.L211, detail=explain(exc)))
    if DOC_STREAM in entries:
        return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=_NAMED[".doc"]))
    if any(e.startswith(MSG_PREFIX) for e in entries):
        return Sniff(FileKind.MSG)
    unknown = f"{_type_name(name)} (tệp Office không nhận ra)"
    return Sniff(FileKind.OTHER, "not_a_workbook", reason(Code.L203, kind=unknown))


def _xls_has_filepass(stream: bytes) -> bool:
    """BIFF8: a FILEPASS record (0x2F) before the first EOF (0x0A) means the book is encrypted."""
    pos = 0
    while pos + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x2F:
            return True
        if rtype == 0x0A:
            return False
        pos += 4 + length
    return False


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def zip_members(path: Path) -> Iterator[Member]:
    """Members of a zip; names without the UTF-8 flag are re-decoded from the legacy code page."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # sniff already vetted it; a race at most
        raise ContainerError(reason(Code.L105, kind="zip", detail=explain(exc))) from exc
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            label = nfc(_zip_name(info)).replace("\\", "/")
            mtime = _zip_time(info.date_time)
            if info.create_system == 3 and (info.external_attr >> 16) & 0o170000 == 0o120000:
                yield Member(label, lambda: (), info.file_size, problem="rejected",
                             reason=reason(Code.L212), mtime=mtime)
            elif info.flag_bits & 0x1:
                yield Member(label, lambda: (), info.file_size, problem="unreadable",
                             reason=reason(Code.L214), mtime=mtime)
            else:
                yield Member(label, _zip_reader(zf, info), info.file_size, info.compress_size, mtime)


def _zip_reader(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        with zf.open(info) as f:
            while block := f.read(_CHUNK):
                yield block

    return chunks


def _zip_name(info: zipfile.ZipInfo) -> str:
    """zipfile decodes unflagged names as cp437; Vietnamese PCs wrote UTF-8 or cp1258 bytes there."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "cp1258"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_time(stamp: tuple[int, int, int, int, int, int]) -> datetime | None:
    try:
        return datetime(*stamp, tzinfo=VIETNAM)
    except ValueError:
        return None


def load_libarchive() -> ModuleType | None:
    """libarchive-c bound to the system's libarchive, or None where that library is missing (Windows, a
    bare Linux): the one place that loads it, so tests can take it away."""
    try:
        import libarchive  # type: ignore[import-untyped]
    except Exception:  # noqa: BLE001 - a missing C library shows as OSError, AttributeError or TypeError
        return None
    loaded: ModuleType = libarchive
    return loaded


def libarchive_members(path: Path, kind: FileKind) -> Iterator[Member]:
    """Members of a .rar (or .7z) through libarchive; `archives.rar_members` calls it when it loads."""
    ext = f".{kind.value}"
    libarchive = load_libarchive()
    if libarchive is None:
        raise ContainerError(reason(Code.L215, ext=ext))
    with path.open("rb") as f:
        magic = f.read(8)
    # One format only: with "all", a zip stored inside a rar wins the bid and we list the wrong thing.
    fmt = "7zip" if kind is FileKind.SEVEN_Z else "rar5" if magic.startswith(b"Rar!\x1a\x07\x01") else "rar"
    try:
        with libarchive.file_reader(str(path), format_name=fmt) as archive:
            for entry in archive:
                if entry.isdir:
                    continue
                label = nfc(str(entry.pathname or "")).replace("\\", "/")
                stamp = entry.mtime
                mtime = datetime.fromtimestamp(float(stamp), timezone.utc) if stamp is not None else None
                if mtime and fmt == "rar":  # RAR 4 keeps DOS local time, which libarchive read as ours
                    mtime = datetime.fromtimestamp(float(stamp)).replace(tzinfo=VIETNAM)
                size = int(entry.size or 0)
                if not entry.isfile:
                    yield Member(label, lambda: (), size, problem="rejected", mtime=mtime,
                                 reason=reason(Code.L213))
                else:
                    yield Member(label, entry.get_blocks, size, None, mtime)
    except libarchive.ArchiveError as exc:
        raise ContainerError(archive_reason(ext, exc)) from exc


def archive_reason(ext: str, exc: Exception) -> Reason:
    """What an archive reader's English error (libarchive, py7zr, 7-Zip, bsdtar) means for the office, in Vietnamese."""
    raw = getattr(exc, "msg", None) or str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if re.search(r"encrypt|passphrase|password", text, re.IGNORECASE):
        return reason(Code.L216, ext=ext)
    return reason(Code.L217, ext=ext, detail=explain_text(text))
