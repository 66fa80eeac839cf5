"""Builders: how the benchmark corpus's files reach the office — under the names schools give them, loose,
in a cluster's zip, attached to a mail, sent twice, or broken on the way.

In: the plan's roles, whose copies are staged as workbooks, and a folder. Out: the files placed in the
folder (each dated when it arrived) and the plan's record of each: its ledger source, what it holds, and
for a broken file the fate the run should give it.
"""
from __future__ import annotations

import os
import random
import zipfile
from dataclasses import replace
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Iterator

from cds_batch.templates.naming import template_filename
from cds_batch.core.text import ascii_slug

from .answers import builtin
from .archives import ZipTime, docx_parts, stamp, zip_members
from .corpus_plan import OFFICE, ROUND, Copy, Role, abbreviated
from .mail import XLSX_TYPE, message

MIME = {"xlsx": XLSX_TYPE, "xls": ("application", "vnd.ms-excel"),
        "ods": ("application", "vnd.oasis.opendocument.spreadsheet")}
BROKEN_FATE = {"truncated": "unreadable", "docx": "not_a_workbook", "empty": "unreadable"}
DOCX_TIME: ZipTime = (2025, 10, 1, 8, 0, 0)   # when the Word files were written


# --- packaging: how the files reach the office ----------------------------------------------------------

class Names:
    """Free file names in one folder: a taken name gets ' (1)', ' (2)' as a browser saving attachments does."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}   # wanted name → the last number given (thousands of 'phieu tu danh gia')

    def __call__(self, wanted: str) -> str:
        stem, dot, ext = wanted.rpartition(".")
        name, k = wanted, self.last.get(wanted.casefold(), 0)
        while name.casefold() in self.taken:
            k += 1
            name = f"{stem} ({k}).{ext}" if dot else f"{wanted} ({k})"
        self.taken.add(name.casefold())
        self.last[wanted.casefold()] = k
        return name


class Folder:
    """A folder receiving files under human names, each dated when it arrived."""

    def __init__(self, root: Path, label: str) -> None:
        self.root, self.label, self.name = root, label, Names()
        root.mkdir(parents=True, exist_ok=True)

    def put(self, wanted: str, data: bytes | Path, when: datetime) -> str:
        """Place bytes (or move a staged file) under a free name dated `when`; return its ledger source."""
        name = self.name(wanted)
        target = self.root / name
        if isinstance(data, Path):
            os.replace(data, target)
        else:
            target.write_bytes(data)
        stamp = when.timestamp()
        os.utime(target, (stamp, stamp))
        return f"{self.label}/{name}"


def file_name(c: Copy, rng: random.Random, renamed: bool = False) -> str:
    """What the file is called when it arrives: the issued name, or what the school made of it."""
    s = c.school
    if renamed:   # the school typed its own name as the file name
        return f"{rng.choice((s.name, abbreviated(s.name)))}.{c.ext}"
    style = rng.random()
    if style < 0.5:
        return template_filename(builtin(s.rubric), s, ROUND)[:-5] + f".{c.ext}"
    if style < 0.7:
        return f"Bao cao CDS - {ascii_slug(abbreviated(s.name), ' ')}.{c.ext}"
    if style < 0.85:
        return f"phieu tu danh gia.{c.ext}"
    return f"{s.code} - Phiếu tự đánh giá CĐS.{c.ext}"


def attachment_name(c: Copy) -> str:
    return f"Phiếu tự đánh giá CĐS - {c.school.name}.{c.ext}"


def mail(c: Copy, subject: str, attachments: list[tuple[str, bytes, str]]) -> bytes:
    """A school's mail with its workbooks attached; Message-ID and boundary fixed so the bytes are stable."""
    headers = [("From", f"{c.school.name} <{c.school.email}>"), ("To", f"{OFFICE} <cds@hcm.edu.vn>"),
               ("Date", format_datetime(c.saved)), ("Subject", subject),
               ("Message-ID", f"<{c.saved:%Y%m%d%H%M%S}.{c.school.code}.{c.version}@hcm.edu.vn>")]
    body = (f"Kính gửi {OFFICE},\n\n{c.school.name} gửi phiếu tự đánh giá mức độ chuyển đổi số {ROUND}."
            "\n\nTrân trọng.\n")
    return message(headers, body, [(name, data, MIME[ext]) for name, data, ext in attachments],
                   f"==cds-bench-{c.school.code}-{c.version}==").as_bytes()


def docx_bytes(text: str) -> bytes:
    """A minimal Word file: the tool must see a .docx, not a workbook, whatever its name says."""
    return zip_members(((name, data, DOCX_TIME) for name, data in docx_parts(text)),
                       compress=zipfile.ZIP_STORED)


def zip_of(members: list[tuple[str, Path, datetime]]) -> bytes:
    """A zip of staged files under their member names, each dated when its school saved it."""
    return zip_members((name, path.read_bytes(), stamp(when)) for name, path, when in members)


def member(c: Copy, source: str) -> dict[str, Any]:
    return {"source": source, "school": c.school.code, "version": c.version, "format": c.fmt, "profile": c.profile,
            "key": c.key, "rubric": c.school.rubric}


def package(roles: list[Role], inbox: Folder, rng: random.Random) -> list[dict[str, Any]]:
    """Place every role's copies into the inbox as it would arrive; the plan's file records."""
    files: list[dict[str, Any]] = []
    by_kind: dict[str, list[Role]] = {}
    for role in roles:
        by_kind.setdefault(role.kind, []).append(role)
    for role in by_kind.get("loose", []) + by_kind.get("renamed", []):
        c = role.copies[0]
        source = inbox.put(file_name(c, rng, role.kind == "renamed"), c.staged, c.saved)
        files.append({"path": source, "kind": c.fmt, "renamed": role.kind == "renamed", **member(c, source)})
    for role in by_kind.get("broken", []):
        files.append(broken(role, inbox, rng))
    for role in by_kind.get("eml", []):
        c = role.copies[0]
        files.append(mailed(inbox, c, f"Nộp phiếu tự đánh giá CĐS - {c.school.name}", f"Nộp phiếu CĐS - "
                            f"{abbreviated(c.school.name)}.eml"))
    for role in by_kind.get("resubmitted", []):
        first, second = role.copies
        files.append(mailed(inbox, first, f"Nộp phiếu tự đánh giá CĐS - {first.school.name}",
                            f"Nộp phiếu CĐS - {abbreviated(first.school.name)}.eml"))
        files.append(mailed(inbox, second, f"Gửi lại phiếu tự đánh giá CĐS (bản sửa) - {second.school.name}",
                            f"Gửi lại - phiếu CĐS {abbreviated(second.school.name)}.eml"))
    zipped = by_kind.get("zip", [])
    for group in clusters(zipped, rng):
        files.append(zipped_cluster(inbox, group))
    return files


def clusters(roles: list[Role], rng: random.Random) -> Iterator[list[Role]]:
    """Groups of 2 to 6 schools ("cụm trường") whose files one of them zips and sends."""
    at = 0
    while at < len(roles):
        size = rng.randint(2, 6)
        if len(roles) - at - size == 1:
            size += 1   # never leave one school alone for the last zip
        yield roles[at:at + size]
        at += size


def zipped_cluster(inbox: Folder, group: list[Role]) -> dict[str, Any]:
    copies = [r.copies[0] for r in group]
    lead = copies[0]
    names = Names()
    members = [(names(f"{abbreviated(c.school.name)} - phiếu CĐS.{c.ext}"), c.staged, c.saved) for c in copies]
    last = max(c.saved for c in copies)
    source = inbox.put(f"Cụm trường {lead.school.commune}.zip", zip_of(members), last)
    listed = [member(c, f"{source}!{name}") for c, (name, _, _) in zip(copies, members)]
    return {"path": source, "source": source, "kind": "zip", "members": listed}


def mailed(inbox: Folder, c: Copy, subject: str, wanted: str) -> dict[str, Any]:
    name = attachment_name(c)
    source = inbox.put(wanted, mail(c, subject, [(name, c.staged.read_bytes(), c.ext)]), c.saved)
    return {"path": source, "source": source, "kind": "eml", "members": [member(c, f"{source}!{name}")]}


def broken(role: Role, inbox: Folder, rng: random.Random) -> dict[str, Any]:
    """A file that cannot be used: cut short in transfer, a Word file named .xlsx, or empty."""
    c = role.copies[0]
    data = c.staged.read_bytes()
    content = {"truncated": data[:len(data) * 2 // 5], "docx": docx_bytes(f"Báo cáo CĐS {c.school.name}"),
               "empty": b""}[role.broken]
    source = inbox.put(file_name(replace(c, fmt="xlsx"), rng), content, c.saved)
    return {"path": source, "source": source, "kind": f"broken-{role.broken}", "school": c.school.code,
            "expected_fate": BROKEN_FATE[role.broken]}


def place_late(late: list[Role], out: Path, seed: int) -> list[dict[str, Any]]:
    """The late schools' files, loose in late/ under the names schools give them."""
    folder, rng = Folder(out / "late", "late"), random.Random(f"{seed}:late")
    files = []
    for c in (role.copies[0] for role in late):
        source = folder.put(file_name(c, rng), c.staged, c.saved)
        files.append({"path": source, "kind": c.fmt, **member(c, source)})
    return files
