"""Fixture builders for the discover tests: every inbox file is made here from readable code.

No binary fixture is committed. The Compound File Binary (OLE2) writer below is the smallest one
olefile reads: version 3, 512-byte sectors, streams under 4096 bytes in the mini stream, and the
directory chained as a right-leaning tree (readers do not check the red-black colouring).
It lets the tests build an Outlook .msg, a legacy .xls shell, a Word .doc shell and a
password-protected xlsx (an OLE file holding an EncryptedPackage stream) without any GPL tool.
"""
from __future__ import annotations

import io
import struct
import time
import unicodedata
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import xlsxwriter

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _chain(start: int, count: int) -> list[int]:
    """FAT entries for `count` consecutive sectors from `start`."""
    return [start + i + 1 for i in range(count - 1)] + [END] if count else []


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A CFB file from {'storage/sub/stream': bytes}; storages are implied by the paths."""
    nodes: dict[str, dict[str, object]] = {"": {"name": "Root Entry", "type": 5, "kids": []}}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in nodes:
                is_stream = depth == len(parts)
                nodes[key] = {"name": parts[depth - 1], "type": 2 if is_stream else 1, "kids": []}
                parent = nodes["/".join(parts[: depth - 1])]
                parent["kids"].append(key)  # type: ignore[attr-defined]
    order = list(nodes)  # root first; ids are positions
    ids = {key: i for i, key in enumerate(order)}

    mini = bytearray()
    minifat: list[int] = []
    big: list[tuple[str, bytes]] = []
    starts: dict[str, int] = {}
    for key in order:
        if nodes[key]["type"] != 2:
            continue
        data = streams[key]
        if len(data) < CUTOFF:
            first = len(mini) // MINI
            count = -(-len(data) // MINI)
            starts[key] = first if count else END
            minifat += _chain(first, count)
            mini += _pad(data, MINI)
        else:
            big.append((key, data))

    n_dir = -(-len(order) * 128 // SECTOR)
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini = -(-len(mini) // SECTOR)
    n_big = [-(-len(d) // SECTOR) for _, d in big]
    n_fat = 1
    while n_fat * SECTOR // 4 < n_fat + n_dir + n_minifat + n_mini + sum(n_big):
        n_fat += 1
    fat = [FATSECT] * n_fat
    dir_start = len(fat)
    fat += _chain(dir_start, n_dir)
    minifat_start = len(fat) if n_minifat else END
    fat += _chain(len(fat), n_minifat)
    mini_start = len(fat) if n_mini else END
    fat += _chain(len(fat), n_mini)
    for (key, data), count in zip(big, n_big):
        starts[key] = len(fat)
        fat += _chain(len(fat), count)
    fat += [FREE] * (n_fat * SECTOR // 4 - len(fat))

    def sibling_key(key: str) -> tuple[int, str]:
        name = str(nodes[key]["name"])
        return (len(name), name.upper())

    right: dict[str, int] = {}
    child: dict[str, int] = {}
    for key in order:
        kids = sorted(nodes[key]["kids"], key=sibling_key)  # type: ignore[call-overload]
        child[key] = ids[kids[0]] if kids else NOSTREAM
        for a, b in zip(kids, kids[1:]):
            right[a] = ids[b]
    directory = bytearray()
    for key in order:
        node = nodes[key]
        name = str(node["name"]).encode("utf-16-le") + b"\0\0"
        if key == "":
            start, size = mini_start, len(mini)
        elif node["type"] == 2:
            start, size = starts[key], len(streams[key])
        else:
            start, size = 0, 0
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", name, len(name), node["type"], 1, NOSTREAM,
            right.get(key, NOSTREAM), child[key], b"\0" * 16, 0, 0, 0, start, size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    while len(directory) % SECTOR:
        directory += empty

    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
        b"\0" * 6, 0, n_fat, dir_start, 0, CUTOFF, minifat_start, n_minifat, END, 0,
    ) + struct.pack("<109I", *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + bytes(directory)
    body += _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR) if minifat else b""
    body += _pad(bytes(mini), SECTOR)
    for _, data in big:
        body += _pad(data, SECTOR)
    return header + body


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def outlook_msg(attachments: list[tuple[str, bytes]], sender: str, date: str) -> bytes:
    """A minimal Outlook .msg: transport headers, sender address and attachment storages."""
    streams = {
        "__properties_version1.0": b"\0" * 32,
        "__substg1.0_0037001F": utf16("Báo cáo chuyển đổi số"),
        "__substg1.0_0C1F001F": utf16(sender),
        "__substg1.0_007D001F": utf16(f"From: Hiệu trưởng <{sender}>\r\nDate: {date}\r\nSubject: x\r\n"),
    }
    for i, (name, data) in enumerate(attachments):
        folder = f"__attach_version1.0_#{i:08X}"
        streams[f"{folder}/__properties_version1.0"] = b"\0" * 8
        streams[f"{folder}/__substg1.0_37010102"] = data
        streams[f"{folder}/__substg1.0_3707001F"] = utf16(name)
        streams[f"{folder}/__substg1.0_3704001F"] = utf16(name[:8])
    return write_cfb(streams)


def xlsx_bytes(value: str = "Trường Tiểu học Lê Lợi") -> bytes:
    """A small real xlsx written with XlsxWriter; `value` makes the bytes differ."""
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
    """A zip; with utf8_flag=False the names are stored as `legacy` bytes and the 0x800 flag is clear.

    zipfile always sets the flag for non-ASCII names, so the legacy case patches the name bytes
    into both headers after writing ASCII placeholders of the same length.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members):
            stored = name if utf8_flag else f"{i:0{len(legacy_bytes(name, legacy))}d}"
            info = zipfile.ZipInfo(stored, (2024, 3, 5, 14, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    raw = buf.getvalue()
    if not utf8_flag:
        for i, (name, _) in enumerate(members):
            encoded = legacy_bytes(name, legacy)
            raw = raw.replace(f"{i:0{len(encoded)}d}".encode(), encoded)
    return raw


def docx_bytes() -> bytes:
    return zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])


def bomb_bytes(size: int = 8 * 1024 * 1024) -> bytes:
    return zip_bytes([("bang_diem.xlsx", b"\0" * size)])


def slip_zip_bytes(data: bytes) -> bytes:
    return zip_bytes([("../../evil.xlsx", data), ("/abs/C:tuyet_doi.xlsx", data + b" ")])


def eml_bytes(attachments: list[tuple[str, bytes]], sender: str, date: str, encoded_word: str = "") -> bytes:
    """A mail with attachments; RFC 2231 names come from EmailMessage, `encoded_word` adds one raw."""
    msg = EmailMessage()
    msg["From"] = f"Trường THCS Nguyễn Du <{sender}>"
    msg["To"] = "phong.gd@example.vn"
    msg["Subject"] = "Nộp báo cáo chuyển đổi số"
    msg["Date"] = date
    msg.set_content("Kính gửi Phòng GD&ĐT, trường gửi báo cáo.")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    raw = msg.as_bytes()
    if encoded_word:
        # Outlook style: an RFC 2047 encoded-word inside quotes, which RFC 2231 does not allow.
        import base64

        word = "=?utf-8?b?" + base64.b64encode(encoded_word.encode()).decode() + "?="
        part = (
            f'\n--XX\nContent-Type: application/octet-stream; name="{word}"\n'
            f'Content-Disposition: attachment; filename="{word}"\nContent-Transfer-Encoding: base64\n\n'
        ).encode() + base64.encodebytes(xlsx_bytes(encoded_word))
        boundary = msg.get_boundary()
        assert boundary is not None
        closing = f"\n--{boundary}--".encode()
        raw = raw.replace(closing, part.replace(b"--XX", f"--{boundary}".encode()) + closing)
    return raw


def mbox_bytes(messages: list[bytes]) -> bytes:
    out = b""
    for i, raw in enumerate(messages):
        out += f"From sender{i}@example.vn Tue Mar  5 08:00:00 2024\n".encode() + raw.replace(b"\r\n", b"\n") + b"\n"
    return out


def seven_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    import libarchive  # type: ignore[import-untyped]

    with libarchive.file_writer(str(path), "7zip") as archive:
        for name, data in members:
            archive.add_file_from_memory(name, len(data), data, mtime=time.mktime((2024, 3, 6, 9, 0, 0, 0, 0, -1)))


def stored_rar(members: list[tuple[str, bytes]]) -> bytes:
    """A RAR 4 archive whose members are *stored* (method 0x30), laid out from the public technote.

    No RAR compressor is involved: stored members are only headers around the raw bytes.
    """
    def block(head_type: int, flags: int, rest: bytes, add: bytes = b"") -> bytes:
        body = struct.pack("<BHH", head_type, flags, 7 + len(rest)) + rest
        return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body + add

    out = b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\0" * 6)
    dos_time = (14 << 11) | (30 << 5) | ((2024 - 1980) << 25) | (3 << 21) | (5 << 16)
    for name, data in members:
        encoded = name.encode("ascii")
        # packed size, size, host OS (Windows), CRC-32, DOS time, version 2.0, method "store", name size, attributes
        rest = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), dos_time, 20, 0x30,
                           len(encoded), 0x20)
        out += block(0x74, 0x8000, rest + encoded, data)
    return out + block(0x7B, 0x4000, b"")


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


def nested_zip(levels: int, data: bytes) -> bytes:
    """A zip holding a zip … `levels` deep, with the workbook in the innermost one."""
    raw = zip_bytes([("bao_cao.xlsx", data)])
    for level in range(levels - 1, 0, -1):
        raw = zip_bytes([(f"tang{level + 1}.zip", raw)])
    return raw
