"""Discover stage, part three: attachments of .eml, .mbox and Outlook .msg files.

In: a path to a mail export (read-only). Out: `Member` records for every attachment (for an mbox,
one member per message, which `discover` then opens as an .eml), and `mail_meta()`: the mail's
own Date and sender address, which every attachment inherits as its received time.
Only the standard library and olefile (BSD) are used, so no GPL code reaches the package.
"""
from __future__ import annotations

import email.policy
import mimetypes
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.parser import BytesParser, Parser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import olefile  # type: ignore[import-untyped]

from cds_batch.core.findings import Code, reason
from cds_batch.core.library_text import explain
from cds_batch.intake.containers import FileKind, Member, nfc

# compat32 (the default of message_from_bytes and mailbox) leaves encoded-words raw and garbles
# 8-bit names; policy.default decodes every style Vietnamese mail clients send (field notes §2d).
_POLICY = email.policy.default
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class MailMeta:
    date: datetime | None
    sender: str


def mail_meta(path: Path, kind: FileKind) -> MailMeta:
    """The Date header (timezone-aware) and the From address of an .eml or .msg; blanks if absent."""
    try:
        if kind is FileKind.MSG:
            return _msg_meta(path)
        with path.open("rb") as f:
            headers = BytesParser(policy=_POLICY).parse(f, headersonly=True)
        return MailMeta(_date(headers.get("Date")), _address(headers.get("From")))
    except (OSError, ValueError, TypeError, IndexError, struct.error):
        return MailMeta(None, "")


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" means the zone is unknown; UTC is the honest reading of the instant.
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _address(value: object) -> str:
    return parseaddr(str(value))[1].strip().lower() if value else ""


def eml_members(path: Path) -> Iterator[Member]:
    """Every part with a file name or an attachment disposition, attached messages included."""
    with path.open("rb") as f:
        message = BytesParser(policy=_POLICY).parse(f)
    yield from _attachments(message)


def _attachments(message: Message) -> Iterator[Member]:
    count = 0
    # walk() descends into multipart/* and attached message/rfc822 parts alike.
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except (ValueError, TypeError, IndexError):
            filename, disposition = None, "attachment"
        if filename is None and disposition != "attachment":
            continue
        count += 1
        label = nfc(filename or "").strip() or _unnamed(part, count)
        try:
            payload = part.get_payload(decode=True)
        except (ValueError, TypeError) as exc:
            yield Member(label, lambda: (), 0, problem="unreadable", reason=reason(Code.L218, detail=explain(exc)))
            continue
        data = payload if isinstance(payload, bytes) else b""
        yield Member(label, _once(data), len(data), len(data))


def _once(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter((data,))


def _unnamed(part: Message, count: int) -> str:
    ext = mimetypes.guess_extension(part.get_content_type()) or ""
    return f"tệp đính kèm {count}{ext}"


def mbox_members(path: Path) -> Iterator[Member]:
    """One member per message; read-only and streamed.

    mailbox.mbox opens the file "rb+" and may lock it; this splitter follows the same rule
    (every line starting with "From " begins a message) but only ever reads.
    """
    starts: list[int] = []
    with path.open("rb") as f:
        offset = 0
        for line in f:
            if line.startswith(b"From "):
                starts.append(offset)
            offset += len(line)
        end = offset
        bounds = list(zip(starts, starts[1:] + [end]))
        for number, (start, stop) in enumerate(bounds, 1):
            f.seek(start)
            first = len(f.readline())
            yield Member(f"thư {number}.eml", _span(f, start + first, stop), stop - start - first, stop - start - first)


def _span(f: BinaryIO, start: int, stop: int) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        f.seek(start)
        left = stop - start
        while left > 0 and (block := f.read(min(_CHUNK, left))):
            left -= len(block)
            yield block

    return chunks


def msg_members(path: Path) -> Iterator[Member]:
    """Attachments of an Outlook .msg from its `__attach_version1.0_#…` storages (olefile, BSD)."""
    with olefile.OleFileIO(str(path)) as ole:
        folders = sorted({p[0] for p in ole.listdir() if p[0].startswith("__attach_version1.0_#")})
        for number, folder in enumerate(folders, 1):
            label = _msg_text(ole, [folder], ("3707", "3704", "3001")) or f"tệp đính kèm {number}"
            label = nfc(label).strip()
            if ole.exists(f"{folder}/__substg1.0_3701000D"):
                yield Member(label, lambda: (), 0, problem="unreadable",
                             reason=reason(Code.L219))
            elif ole.exists(f"{folder}/__substg1.0_37010102"):
                data = bytes(ole.openstream(f"{folder}/__substg1.0_37010102").read())
                yield Member(label, _once(data), len(data), len(data))
            else:
                yield Member(label, lambda: (), 0, problem="unreadable",
                             reason=reason(Code.L220))


def _msg_text(ole: olefile.OleFileIO, folder: list[str], props: tuple[str, ...]) -> str:
    """A string property: Unicode (001F) first, then the 8-bit form (001E) of older Outlook."""
    for prop in props:
        for suffix, codec in (("001F", "utf-16-le"), ("001E", "cp1258")):
            stream = "/".join(folder + [f"__substg1.0_{prop}{suffix}"])
            if ole.exists(stream):
                return str(bytes(ole.openstream(stream).read()).decode(codec, errors="replace").rstrip("\0"))
    return ""


def _msg_meta(path: Path) -> MailMeta:
    with olefile.OleFileIO(str(path)) as ole:
        headers = Parser(policy=_POLICY).parsestr(_msg_text(ole, [], ("007D",)), headersonly=True)
        date = _date(headers.get("Date")) or _msg_time(ole, (0x0039, 0x0E06))
        sender = _address(headers.get("From"))
        for prop in ("5D01", "0C1F", "0065"):
            if sender:
                break
            candidate = _msg_text(ole, [], (prop,)).strip()
            sender = candidate.lower() if "@" in candidate else ""
        return MailMeta(date, sender)


def _msg_time(ole: olefile.OleFileIO, ids: tuple[int, ...]) -> datetime | None:
    """Submit or delivery time from the fixed-size property stream (32-byte header, 16-byte rows)."""
    if not ole.exists("__properties_version1.0"):
        return None
    raw = bytes(ole.openstream("__properties_version1.0").read())
    found: dict[int, int] = {}
    for pos in range(32, len(raw) - 15, 16):
        tag, _flags, value = struct.unpack_from("<IIQ", raw, pos)
        if tag & 0xFFFF == 0x0040:
            found[tag >> 16] = value
    for prop in ids:
        if found.get(prop):
            return _FILETIME_EPOCH + timedelta(microseconds=found[prop] // 10)
    return None
