"""Builders for the hostile-file tests: a real workbook with one part rewritten, entity bombs, sheets
with a million rows or one cell at the far corner of the sheet.

Every file starts from a workbook the tests already trust (a filled template, the committed blank
template, the LibreOffice-saved .ods of the sample inbox) and is rewritten member by member in
memory, so the zip stays valid and the damage reaches the XML, python-calamine and the reader.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Callable, Mapping

ROOT = Path(__file__).resolve().parents[1]
BLANK_TEMPLATE = ROOT / "workbook_templates" / "qd4725-phothong_mau-trong.xlsx"
SAMPLE_ODS = ROOT / "samples" / "inbox" / "email 22-10" / "MN Phú Mỹ - phiếu tự đánh giá.ods"

# Billion laughs: ten levels of ten references, 10^9 copies of "lol" (3 GB) once expanded.
BOMB_DTD = b"<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">" + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)) + b"]>"
BOMB_REF = b"&lol9;"
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?\s*")

Edit = Callable[[bytes], bytes]


def rezip(data: bytes, edits: Mapping[str, Edit] | None = None, extra: Mapping[str, bytes] | None = None) -> bytes:
    """The zip `data` with each member named in `edits` rewritten and `extra` members appended."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            edit = (edits or {}).get(info.filename)
            dst.writestr(info, edit(body) if edit else body)
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def with_bomb(xml: bytes, into: bytes) -> bytes:
    """`xml` with the billion-laughs DTD after its declaration and the entity used once, just after
    the first occurrence of `into` (an opening tag whose text the bomb expands)."""
    m = _DECLARATION.match(xml)
    end = m.end() if m else 0
    body = xml[end:]
    at = body.find(into)
    assert at >= 0, into
    body = body[:at + len(into)] + BOMB_REF + body[at + len(into):]
    return xml[:end] + BOMB_DTD + body


def with_cell(xml: bytes, cell: bytes) -> bytes:
    """A sheet part with one more row holding `cell` (raw XML) at the end of its sheetData."""
    return xml.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>", 1)


def sheet_member(data: bytes, index: int) -> str:
    """The part of the `index`-th sheet (1-based) of an .xlsx as the template writers name it."""
    name = f"xl/worksheets/sheet{index}.xml"
    assert name in zipfile.ZipFile(io.BytesIO(data)).namelist(), name
    return name


def huge_sheet(data: bytes, member: str, rows: int, *, dimension: bool = True, column: str = "AN") -> bytes:
    """The .xlsx `data` with `member` replaced by a sheet of `rows` filled rows (one number in
    `column` each), streamed into the zip so that building it stays quick and small."""
    out = io.BytesIO()
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    if dimension:
        head += b'<dimension ref="A1:%s%d"/>' % (column.encode(), rows)
    cell = b'<row r="%d"><c r="' + column.encode() + b'%d" t="n"><v>1</v></c></row>'
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
                continue
            with dst.open(member, "w", force_zip64=True) as stream:
                stream.write(head + b"<sheetData>")
                for start in range(1, rows + 1, 10_000):
                    stream.write(b"".join(cell % (n, n) for n in range(start, min(start + 10_000, rows + 1))))
                stream.write(b"</sheetData></worksheet>")
    return out.getvalue()


def many_sheets(data: bytes, count: int) -> bytes:
    """The .xlsx `data` with `count` more (empty) sheets listed in workbook.xml and its relationships."""
    sheets = b"".join(b'<sheet name="Them %d" sheetId="%d" r:id="rIdX%d"/>' % (n, 1000 + n, n)
                      for n in range(count))
    rels = b"".join(b'<Relationship Id="rIdX%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/worksheet" Target="worksheets/extra%d.xml"/>' % (n, n) for n in range(count))
    empty = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData/></worksheet>")
    return rezip(data, {
        "xl/workbook.xml": lambda x: x.replace(b"</sheets>", sheets + b"</sheets>", 1),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", rels + b"</Relationships>", 1),
    }, {f"xl/worksheets/extra{n}.xml": empty for n in range(count)})


def lying_size(data: bytes, member: str, padding_rows: int) -> bytes:
    """The .xlsx `data` with `member` padded by `padding_rows` rows of real data while its header still
    declares the unpadded size (and the CRC of those first bytes): a part that inflates past what the
    zip declares."""
    import struct
    import zlib

    original = zipfile.ZipFile(io.BytesIO(data)).read(member)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(100, 100 + padding_rows))
    padded = original.replace(b"</sheetData>", rows + b"</sheetData>", 1)
    out = bytearray(rezip(data, {member: lambda _: padded}))
    info = zipfile.ZipFile(io.BytesIO(bytes(out))).getinfo(member)
    crc = zlib.crc32(padded[:len(original)])
    struct.pack_into("<II", out, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", out, info.header_offset + 22, len(original))
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", out, central + 28)[0]
        if out[central + 46:central + 46 + length] == member.encode():
            struct.pack_into("<I", out, central + 16, crc)
            struct.pack_into("<I", out, central + 24, len(original))
            break
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)
