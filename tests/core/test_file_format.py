"""The one format sniffer (core.file_format): signatures and marker parts, as discovery and reading use them."""
from __future__ import annotations

import pytest

from cds_batch.core.file_format import (
    OLE_SIGNATURE, Signature, ole_workbook, signature, zip_workbook
)


@pytest.mark.parametrize("head, expected", [
    (b"PK\x03\x04rest", Signature.ZIP),
    (b"PK\x05\x06" + bytes(18), Signature.ZIP),   # an empty zip is only its end record
    (b"PK\x07\x08", Signature.ZIP),
    (OLE_SIGNATURE + bytes(8), Signature.OLE),
    (b"Rar!\x1a\x07\x01\x00", Signature.RAR),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", Signature.SEVEN_Z),
    (b"%PDF-1.7", Signature.PDF),
    (b"\x00\x05\x16\x07\x00\x02", Signature.APPLE_DOUBLE),
    (b"PK\x03", None),                             # cut short
    (OLE_SIGNATURE[:7], None),
    (b"From someone", None),
    (b"", None),
])
def test_signature_by_magic_bytes(head, expected):
    assert signature(head) is expected


@pytest.mark.parametrize("members, expected", [
    ({"xl/workbook.xml", "[Content_Types].xml"}, "xlsx"),
    ({"xl/workbook.xml", "content.xml"}, "xlsx"),
    ({"mimetype", "content.xml"}, "ods"),
    ({"xl/workbook.bin"}, None),
    ({"word/document.xml"}, None),
    (set(), None),
])
def test_zip_workbook_by_its_marker_part(members, expected):
    assert zip_workbook(members) == expected


@pytest.mark.parametrize("streams, expected", [
    ({"Workbook"}, "xls"), ({"Book"}, "xls"), ({"WordDocument"}, None), ({"EncryptedPackage"}, None),
])
def test_ole_workbook_by_its_stream(streams, expected):
    assert ole_workbook(streams.__contains__) == expected
