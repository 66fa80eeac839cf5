"""What a library's failure means, in Vietnamese: no English library text reaches a user.

In: an exception a library raised on a broken file (zipfile, zlib, python-calamine, xlrd, olefile,
libarchive, the XML parser, the system), or the message text a C library gave.
Out: a short Vietnamese phrase saying what is wrong with the file ("không có mục lục zip, có thể
tệp bị cắt cụt khi tải về"), to fill the {detail} of a ledger reason or a reading error. A message
not recognised becomes a general phrase, never the library's own words.
"""
from __future__ import annotations

import errno
import re

# Why the system refused, by errno.
OS_REASONS = {
    errno.ENOENT: "không tồn tại", errno.EACCES: "không có quyền", errno.EPERM: "không có quyền",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục", errno.EEXIST: "đã có một tệp trùng tên",
    errno.EISDIR: "đây là thư mục, không phải tệp", errno.ENOSPC: "ổ đĩa đã đầy", errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.EIO: "lỗi đọc ổ đĩa", errno.ENAMETOOLONG: "tên hoặc đường dẫn quá dài",
    errno.EBUSY: "tệp đang được chương trình khác dùng",
}
OS_UNKNOWN = "hệ thống không cho đọc tệp"

TRUNCATED_ZIP = "không có mục lục zip, có thể tệp bị cắt cụt khi tải về"
UNKNOWN = "nội dung tệp bị hỏng hoặc định dạng lạ"

# (pattern of a library's message, what it means); the first that matches wins.
_MEANINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), text) for p, text in (
    (r"not a zip file|could not find eocd|end of central directory|eocd", TRUNCATED_ZIP),
    (r"truncated|unexpected end|end of (file|stream)|eof|premature|too short|shorter than",
     "tệp bị cắt cụt (thiếu phần cuối)"),
    (r"bad crc|crc-?32|checksum", "dữ liệu nén sai mã kiểm tra (CRC): tệp bị hỏng khi chép hoặc tải về"),
    (r"encrypt|password|passphrase|decrypt", "tệp có mật khẩu"),
    (r"compression method|unsupported compression|not supported", "tệp dùng kiểu nén hoặc tính năng chưa hỗ trợ"),
    (r"bad magic number|file header|local header|invalid zip|zip error", "phần đầu một mục trong tệp nén bị hỏng"),
    (r"overlap", "các phần trong tệp nén chồng lên nhau"),
    (r"span multiple disks|multi-?volume|multi-?disk", "tệp nén chia nhiều phần: cần gửi đủ các phần hoặc nén lại"),
    (r"decompress|inflat|deflat|invalid (block|code|distance|stored)", "dữ liệu nén bị hỏng"),
    (r"cannot detect file format|unsupported format|unknown (file )?format|unrecognized|not supported format",
     "không nhận ra định dạng bảng tính"),
    (r"not well-formed|xml|syntax error|mismatched tag|undefined entity|junk after",
     "nội dung XML bên trong sai cấu trúc"),
    (r"ole|sector|fat|storage|cfb|compound", "cấu trúc tệp Office (OLE) bị hỏng"),
    (r"utf-?8|codec|decode|unicode", "chữ trong tệp mã hóa sai"),
    (r"workbook|worksheet|sheet|shared ?strings|styles|relationship", "cấu trúc bảng tính bên trong bị hỏng"),
))


def explain(exc: BaseException) -> str:
    """What `exc`, raised while reading a file, says about the file, in Vietnamese."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return OS_REASONS.get(exc.errno, OS_UNKNOWN)
    if isinstance(exc, MemoryError):
        return "tệp quá lớn để đọc trên máy này"
    if isinstance(exc, EOFError):
        return "tệp bị cắt cụt (thiếu phần cuối)"
    return explain_text(str(exc))


def explain_text(message: str) -> str:
    """What a library's English `message` about a file means, in Vietnamese; `UNKNOWN` when not recognised."""
    for pattern, text in _MEANINGS:
        if pattern.search(message):
            return text
    return UNKNOWN
