"""Core: what a file is by its content, told one way for discovery and reading alike.

In: a file's first bytes; for a zip package or an OLE compound file, the names of its members.
Out: `signature(head)` — the container its magic bytes say (`Signature`) — and the workbook format
its members say: `zip_workbook(members)` ('xlsx' or 'ods') and `ole_workbook(entries)` ('xls'),
with the marker parts and streams behind them. Stdlib only: the callers open the zip or OLE file
(they must anyway, to read it) and pass what they found.

Two stages ask, for two purposes: `intake.containers.sniff` names every inbox file (a workbook, an
archive, a mail, a Word file …) and says why what is no submission is not; `reading.package.sniff`
decides whether the file about to be read is a workbook it can read, and which reader it needs.
Both go by these signatures and markers; the questions only one of them asks (a macro-enabled
content type, an ODF mimetype, an encrypted BIFF stream) stay with it.
"""
from __future__ import annotations

import enum
from typing import AbstractSet, Callable

# A zip starts with a local file header; an empty one with its end record, a spanned one with a marker.
ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_SIGNATURES = (ZIP_LOCAL_HEADER, b"PK\x05\x06", b"PK\x07\x08")
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")   # .xls, .doc, .msg and encrypted Office files

# Zip members that mark a package's format.
XLSX_WORKBOOK = "xl/workbook.xml"          # SpreadsheetML (.xlsx, .xlsm)
XLSB_WORKBOOK = "xl/workbook.bin"          # Excel binary (.xlsb), which nothing here reads
ODS_CONTENT = "content.xml"                # OpenDocument: the part the reader reads
ODF_MIMETYPE = "mimetype"                  # OpenDocument: what the package declares itself to be
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
DOCX_DOCUMENT = "word/document.xml"
PPTX_PRESENTATION = "ppt/presentation.xml"

# OLE streams that mark a compound file's format.
OLE_ENCRYPTED = "EncryptedPackage"         # an Office file with a password to open
XLS_STREAMS = ("Workbook", "Book")          # BIFF8 and BIFF5 workbooks
DOC_STREAM = "WordDocument"
MSG_PREFIX = "__substg1.0_"                # Outlook .msg properties


class Signature(str, enum.Enum):
    """The container a file's first bytes say it is."""

    ZIP = "zip"
    OLE = "ole"
    RAR = "rar"
    SEVEN_Z = "7z"
    PDF = "pdf"
    APPLE_DOUBLE = "appledouble"   # a macOS resource fork ("._name") copied along with a file


_MAGIC: tuple[tuple[bytes, Signature], ...] = (
    *((magic, Signature.ZIP) for magic in ZIP_SIGNATURES),
    (OLE_SIGNATURE, Signature.OLE),
    (b"Rar!\x1a\x07", Signature.RAR),
    (b"7z\xbc\xaf\x27\x1c", Signature.SEVEN_Z),
    (b"%PDF", Signature.PDF),
    (b"\x00\x05\x16\x07", Signature.APPLE_DOUBLE),
)


def signature(head: bytes) -> Signature | None:
    """The container `head` (a file's first bytes) starts like; None for anything else (text, mail …)."""
    return next((sig for magic, sig in _MAGIC if head.startswith(magic)), None)


def zip_workbook(members: AbstractSet[str]) -> str | None:
    """'xlsx' for a SpreadsheetML package (.xlsx or .xlsm: the members do not tell them apart),
    'ods' for one with an OpenDocument content part, None for any other zip."""
    if XLSX_WORKBOOK in members:
        return "xlsx"
    if ODS_CONTENT in members:
        return "ods"
    return None


def ole_workbook(has: Callable[[str], bool]) -> str | None:
    """'xls' for a compound file with a workbook stream, None otherwise; `has(stream)` says whether
    the file holds a stream (an encrypted Office file keeps its workbook inside `OLE_ENCRYPTED`:
    ask for that first)."""
    return "xls" if any(has(stream) for stream in XLS_STREAMS) else None
