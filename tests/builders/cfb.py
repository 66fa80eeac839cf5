"""Builders: Compound File Binary (OLE2) files — an Outlook .msg, a legacy .xls or Word .doc shell, and a
password-protected Office package (an OLE file holding an EncryptedPackage stream) — without any GPL tool.

In: {'storage/sub/stream': bytes}. Out: the file's bytes. The writer is the smallest one olefile reads:
version 3, 512-byte sectors, streams under 4096 bytes in the mini stream, and the directory chained as a
right-leaning tree (readers do not check the red-black colouring).
"""
from __future__ import annotations

import struct

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


def encrypted_package() -> bytes:
    """What Excel writes for a workbook saved with a password: an OLE file, not a zip."""
    return write_cfb({"EncryptionInfo": b"\4\0\4\0" + b"\0" * 60, "EncryptedPackage": b"\0" * 5000})
