"""Builders: mail as schools send it — a message with workbooks attached (.eml) and a mailbox (.mbox).

In: headers, a body and (file name, bytes, MIME type) attachments. Out: an `EmailMessage` or the
bytes of a file. A non-ASCII attachment name becomes an RFC 2231 filename*= parameter; a fixed
boundary (and Message-ID, given as a header) keep the bytes the same on every run.
"""
from __future__ import annotations

import base64
import re
from datetime import timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Sequence

MimeType = tuple[str, str]
XLSX_TYPE: MimeType = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ANY_TYPE: MimeType = ("application", "octet-stream")


def message(headers: Sequence[tuple[str, str]], body: str, attachments: Sequence[tuple[str, bytes, MimeType]],
            boundary: str = "") -> EmailMessage:
    """A mail with `headers` in this order, a plain text body and the attachments; without a `boundary`
    the generator draws a random one."""
    msg = EmailMessage()
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if boundary:
        msg.set_boundary(boundary)
    return msg


def eml_bytes(attachments: list[tuple[str, bytes]], sender: str, date: str, encoded_word: str = "") -> bytes:
    """A test mail from a school with attachments; `encoded_word` adds one more attachment whose name is
    written Outlook's way: an RFC 2047 encoded-word inside quotes, which RFC 2231 does not allow."""
    headers = [("From", f"Trường THCS Nguyễn Du <{sender}>"), ("To", "phong.gd@example.vn"),
               ("Subject", "Nộp báo cáo chuyển đổi số"), ("Date", date)]
    msg = message(headers, "Kính gửi Phòng GD&ĐT, trường gửi báo cáo.",
                  [(name, data, ANY_TYPE) for name, data in attachments])
    raw = msg.as_bytes()
    if encoded_word:
        from .archives import xlsx_bytes

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


def mbox_bytes(messages: Sequence[EmailMessage | bytes]) -> bytes:
    """An mbox (mboxo): before each message a 'From ' line with the sender and the UTC time of its
    From and Date headers; body lines starting with 'From ' are quoted with '>'."""
    out = b""
    for msg in messages:
        if isinstance(msg, bytes):   # a mail already written: kept as it is, read only for its envelope
            raw, msg = msg.replace(b"\r\n", b"\n"), message_from_bytes(msg, policy=default)
        else:
            raw = msg.as_bytes(policy=default)
        sender = msg["From"].addresses[0].addr_spec
        when = msg["Date"].datetime.astimezone(timezone.utc)
        text = re.sub(rb"^(>*From )", rb">\1", raw, flags=re.M)
        out += f"From {sender} {when:%a %b %d %H:%M:%S %Y}\n".encode() + text.rstrip(b"\n") + b"\n\n"
    return out
