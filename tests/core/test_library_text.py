"""core.library_text (issue 22, 5): what a library says about a broken file, in Vietnamese only."""
from __future__ import annotations

import errno
import io
import zipfile
import zlib

import pytest

from cds_batch.core.library_text import TRUNCATED_ZIP, UNKNOWN, explain, explain_text


def raised(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("message, meaning", [
    ("File is not a zip file", TRUNCATED_ZIP),
    ("Could not find EOCD", TRUNCATED_ZIP),
    ("Cannot detect file format", "không nhận ra định dạng bảng tính"),
    ("Bad CRC-32 for file 'xl/workbook.xml'", "dữ liệu nén sai mã kiểm tra (CRC): tệp bị hỏng khi chép hoặc tải về"),
    ("not well-formed (invalid token): line 1, column 2", "nội dung XML bên trong sai cấu trúc"),
    ("Unsupported format, or corrupt file: Expected BOF record", "không nhận ra định dạng bảng tính"),
    ("something nobody wrote down", UNKNOWN),
])
def test_library_messages_become_vietnamese(message, meaning):
    assert explain_text(message) == meaning


def test_real_exceptions_are_explained():
    assert explain(raised(lambda: zipfile.ZipFile(io.BytesIO(b"PK\x03\x04 cut")))) == TRUNCATED_ZIP
    assert explain(raised(lambda: zlib.decompress(b"not deflate"))) == "dữ liệu nén bị hỏng"
    assert explain(OSError(errno.EACCES, "Permission denied")) == "không có quyền"
    assert explain(EOFError()) == "tệp bị cắt cụt (thiếu phần cuối)"
