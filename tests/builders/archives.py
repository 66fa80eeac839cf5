"""Builders: zip archives (fixed member dates, legacy name encodings, nesting, hostile shapes), RAR, 7z,
and the smallest Word file.

In: (member name, bytes) pairs and the moment they are dated. Out: the archive's bytes. Fixed dates
(and, where asked, a fixed "made on" system) make the bytes the same on every run.
"""
from __future__ import annotations

import io
import struct
import time
import unicodedata
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import xlsxwriter

ZipTime = tuple[int, int, int, int, int, int]
FIXTURE_TIME: ZipTime = (2024, 3, 5, 14, 30, 0)   # the discover tests' archives


def stamp(when: datetime) -> ZipTime:
    """A moment as a zip member stores it (local time, to the second)."""
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def zip_members(members: Iterable[tuple[str, bytes, ZipTime]], *, compress: int = zipfile.ZIP_DEFLATED,
                windows: bool = False) -> bytes:
    """A zip of (name, bytes, date) in this order. `windows`: members marked as made on Windows, so the
    bytes are the same on every platform (zipfile marks them with the platform it runs on)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data, when in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = compress
            if windows:
                info.create_system = 0
            z.writestr(info, data)
    return out.getvalue()


def rezipped(data: bytes, when: ZipTime, edit=lambda name, body: body) -> bytes:
    """The zip `data` (an xlsx, ods, docx) written again member by member, same order, deflated, every
    member dated `when` and marked as made on Windows; `edit(name, body)` may rewrite a member."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [(m.filename, edit(m.filename, src.read(m.filename)), when) for m in src.infolist()]
    return zip_members(members, windows=True)


def read_members(data: bytes) -> dict[str, bytes]:
    """Every member of the zip `data` → its uncompressed bytes, in the archive's order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def docx_parts(text: str) -> list[tuple[str, bytes]]:
    """The two parts of the smallest Word file: enough for the tool to see a .docx, not a workbook."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
             'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
             'main+xml"/></Types>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return [("[Content_Types].xml", types.encode()), ("word/document.xml", body.encode())]


def docx_bytes(text: str = "Công văn") -> bytes:
    """A Word file dated like the discover tests' archives."""
    return zip_members((name, data, FIXTURE_TIME) for name, data in docx_parts(text))


def xlsx_bytes(value: str = "Trường Tiểu học Lê Lợi") -> bytes:
    """A small real xlsx written with XlsxWriter (not the office's template); `value` makes the bytes differ."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("Thông tin").write("A1", value)
    book.close()
    return buf.getvalue()


def legacy_bytes(text: str, codec: str = "cp1258") -> bytes:
    """Windows-1258 as Vietnamese PCs write it: base letters precomposed, the tone mark combining."""
    out = b""
    for char in text:
        try:
            out += char.encode(codec)
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            out += unicodedata.normalize("NFC", marks[:-1]).encode(codec) + marks[-1].encode(codec)
    return out


def zip_bytes(members: list[tuple[str, bytes]], utf8_flag: bool = True, legacy: str = "cp1258") -> bytes:
    """A zip dated like the discover tests' archives; with utf8_flag=False the names are stored as
    `legacy` bytes and the 0x800 flag is clear.

    zipfile always sets the flag for non-ASCII names, so the legacy case patches the name bytes
    into both headers after writing ASCII placeholders of the same length.
    """
    def stored(i: int, name: str) -> str:
        return name if utf8_flag else f"{i:0{len(legacy_bytes(name, legacy))}d}"

    raw = zip_members((stored(i, name), data, FIXTURE_TIME) for i, (name, data) in enumerate(members))
    if not utf8_flag:
        for i, (name, _) in enumerate(members):
            encoded = legacy_bytes(name, legacy)
            raw = raw.replace(f"{i:0{len(encoded)}d}".encode(), encoded)
    return raw


def bomb_bytes(size: int = 8 * 1024 * 1024) -> bytes:
    return zip_bytes([("bang_diem.xlsx", b"\0" * size)])


def slip_zip_bytes(data: bytes) -> bytes:
    return zip_bytes([("../../evil.xlsx", data), ("/abs/C:tuyet_doi.xlsx", data + b" ")])


def nested_zip(levels: int, data: bytes) -> bytes:
    """A zip holding a zip … `levels` deep, with the workbook in the innermost one."""
    raw = zip_bytes([("bao_cao.xlsx", data)])
    for level in range(levels - 1, 0, -1):
        raw = zip_bytes([(f"tang{level + 1}.zip", raw)])
    return raw


def flag_encrypted(raw: bytes) -> bytes:
    """Set the 'encrypted' bit on every member, as a password-protected zip has (data left as is)."""
    out = bytearray(raw)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(signature)
        while pos != -1:
            out[pos + offset] |= 1
            pos = out.find(signature, pos + 4)
    return bytes(out)


def symlink_zip(target: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("lien_ket.xlsx")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, target)
    return buf.getvalue()


# The moment the 7z builder dates its members, in this PC's time as an office's 7-Zip would.
SEVEN_ZIP_TIME = datetime.fromtimestamp(time.mktime((2024, 3, 6, 9, 0, 0, 0, 0, -1)), timezone.utc)


def seven_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A 7z written by libarchive (a writer other than py7zr, which reads it)."""
    import libarchive  # type: ignore[import-untyped]

    with libarchive.file_writer(str(path), "7zip") as archive:
        for name, data in members:
            archive.add_file_from_memory(name, len(data), data, mtime=SEVEN_ZIP_TIME.timestamp())


def stored_rar(members: list[tuple[str, bytes]]) -> bytes:
    """A RAR 4 archive whose members are *stored* (method 0x30), laid out from the public technote.

    No RAR compressor is involved: stored members are only headers around the raw bytes. A name that is
    not ASCII is stored as UTF-8 with the "unicode name" flag (0x200) and no NUL, as RAR 4 allows.
    """
    def block(head_type: int, flags: int, rest: bytes, add: bytes = b"") -> bytes:
        body = struct.pack("<BHH", head_type, flags, 7 + len(rest)) + rest
        return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body + add

    out = b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\0" * 6)
    dos_time = (14 << 11) | (30 << 5) | ((2024 - 1980) << 25) | (3 << 21) | (5 << 16)
    for name, data in members:
        encoded = name.encode("utf-8")
        flags = 0x8000 | (0x200 if not name.isascii() else 0)
        # packed size, size, host OS (Windows), CRC-32, DOS time, version 2.0, method "store", name size, attributes
        rest = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), dos_time, 20, 0x30,
                           len(encoded), 0x20)
        out += block(0x74, flags, rest + encoded, data)
    return out + block(0x7B, 0x4000, b"")
