"""Discover stage: every file and every archive or mail member in the inbox becomes one ledger entry.

In: paths to folders (walked recursively, sorted) and files; a private working folder.
Out: a list of `Entry` in a deterministic order (sorted walk; members in container order). Each
entry says where the bytes came from, their SHA-256 and size, when they were received and how we
know, who sent them, what kind of file they are, and — when discover already knows it cannot be a
submission — its fate with a Vietnamese reason. Workbooks still to be read have `fate=None` and a
`path` to their bytes. Inputs are only ever read; members are copied, under their NFC base name
only, into a fresh folder inside `workdir`, within the `Limits`.
"""
from __future__ import annotations

import enum
import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator, Sequence

from cds_batch.core.commit import scratch_folder
from cds_batch.core.windows import MAX_PATH, device_name, extended
from cds_batch.core.findings import Code, Reason, reason
from cds_batch.core.library_text import explain
from cds_batch.intake.archives import rar_members, seven_zip_members
from cds_batch.intake.containers import (
    WORKBOOKS, ContainerError, FileKind, Member, OverBudget, kind_from_ext, nfc, sniff, zip_members
)
from cds_batch.intake.mail import eml_members, mail_meta, mbox_members, msg_members

__all__ = ["UNUSABLE", "Entry", "Fate", "FileKind", "Limits", "TimeSource", "discover", "private_workdir"]

_MB = 1 << 20
_READ_WHOLE = 8 * _MB   # files up to this size are read once to hash and classify them


class Fate(str, enum.Enum):
    """What became of an entry. Discover sets the last five; the later stages set the rest."""

    USED = "used"
    SUPERSEDED = "superseded"
    NOT_OUR_TEMPLATE = "not_our_template"
    UNIDENTIFIED = "unidentified"
    DUPLICATE = "duplicate"
    CONTAINER = "container"
    NOT_A_WORKBOOK = "not_a_workbook"
    UNREADABLE = "unreadable"
    REJECTED = "rejected"


# The fates of an input the office must look at: it could not be anyone's submission (not a
# spreadsheet, empty, damaged, password-protected, not our form, of no known school, refused by a
# safety limit). The others were used, opened (a container), or were good files not chosen: an older
# file of a school that sent a newer one (superseded) or a second copy of the same bytes (duplicate),
# which the ledger names with the file used instead.
UNUSABLE = frozenset(Fate) - {Fate.USED, Fate.CONTAINER, Fate.SUPERSEDED, Fate.DUPLICATE}


class TimeSource(str, enum.Enum):
    MAIL_DATE = "mail_date"
    ARCHIVE_MEMBER = "archive_member"
    FILE_MTIME = "file_mtime"


@dataclass(frozen=True)
class Limits:
    """Safety limits for hostile or broken inboxes; each breach is one `rejected` entry."""

    max_total_bytes: int = 500 * _MB  # all members expanded in one run
    max_members: int = 10_000  # members of all containers in one run
    max_depth: int = 3  # containers opened inside each other
    max_ratio: int = 200  # expanded / compressed size of a member
    max_file_bytes: int = 50 * _MB  # one expanded member
    # Tiny repetitive files compress 200× harmlessly; the ratio only counts past this size.
    ratio_floor_bytes: int = 1 * _MB


@dataclass(frozen=True)
class Entry:
    """One ledger line: a file found in the inbox, or a member of an archive or mail."""

    source: str  # display path; nesting joined with "!": "inbox/thu.eml!Báo cáo.xlsx"
    name: str  # NFC base name (for members: the safe name used on disk)
    sha256: str  # "" when the bytes were refused or could not be read
    size: int  # bytes read, or the size the container declared when refused
    received_at: datetime
    time_source: TimeSource
    sender: str  # e-mail address, "" if unknown
    kind: FileKind
    parent: str  # source of the container, "" for an input file
    fate: Fate | None  # None: a workbook for the next stages to read
    reason: str  # Vietnamese, for the ledger
    path: Path | None  # the bytes of a workbook (original file or private copy); None otherwise
    reason_code: Code | None = None  # the catalogue's L code of `reason`; None while it has none


@contextmanager
def private_workdir() -> Iterator[Path]:
    """A private temporary folder for `discover`, removed with everything in it on exit (by the next run when
    this one is killed: `core.commit.scratch_folder`)."""
    with scratch_folder("work") as folder:
        yield folder


def discover(paths: Sequence[Path], workdir: Path, limits: Limits = Limits(), skip: Path | None = None) -> list[Entry]:
    """List every file and member under `paths`; copy members into a new folder inside `workdir`.

    :param workdir: usually from `private_workdir()`; entry paths into it live as long as it does.
    :param skip: a folder left out of the walk: the run's own output folder when it sits in the inbox,
        whose summaries, cache and feedback files are no school's submission.
    """
    run = _Run(Path(tempfile.mkdtemp(prefix="members-", dir=workdir)), limits)
    for path in paths:
        for file, display, linked_dir in _walk(path, skip):
            run.add_input(file, display, linked_dir)
    return _mark_duplicates(run.entries)


_OPENERS: dict[FileKind, Callable[[Path], Iterator[Member]]] = {
    FileKind.ZIP: zip_members,
    FileKind.RAR: rar_members,
    FileKind.EML: eml_members,
    FileKind.MBOX: mbox_members,
    FileKind.MSG: msg_members,
}


@dataclass(frozen=True)
class _Found:
    """Bytes on disk plus what is known about them before their kind is."""

    disk: Path
    source: str
    name: str
    parent: str
    depth: int
    when: datetime
    time_source: TimeSource
    sender: str = ""
    sha256: str = ""
    size: int = 0


class _TooMany(Exception):
    """Raised through nested containers when the member limit is passed."""


class _Run:
    def __init__(self, root: Path, limits: Limits) -> None:
        self.root, self.limits = root, limits
        self.entries: list[Entry] = []
        self.total = 0  # bytes expanded so far
        self.members = 0  # members listed so far
        self.serial = 0  # one folder per member keeps equal base names apart

    def add(self, f: _Found, kind: FileKind, fate: Fate | None, said: Reason | None = None,
            path: Path | None = None) -> None:
        self.entries.append(Entry(f.source, f.name, f.sha256, f.size, f.when, f.time_source, f.sender, kind,
                                  f.parent, fate, said.text if said else "", path, said.code if said else None))

    def add_input(self, file: Path, display: str, linked_dir: bool) -> None:
        found = _Found(file, display, nfc(file.name), "", 0, datetime.now(timezone.utc), TimeSource.FILE_MTIME)
        if linked_dir:
            return self.add(found, FileKind.OTHER, Fate.REJECTED, reason(Code.L101))
        try:
            stat = file.stat()
            data = file.read_bytes() if stat.st_size <= _READ_WHOLE else None
            found = replace(found, when=datetime.fromtimestamp(stat.st_mtime, timezone.utc),
                            sha256=hashlib.sha256(data).hexdigest() if data is not None else _hash_file(file),
                            size=stat.st_size)
        except OSError as exc:
            cannot_open = reason(Code.L102, detail=explain(exc))
            return self.add(found, kind_from_ext(file.name), Fate.UNREADABLE, cannot_open)
        self.item(found, data)

    def item(self, found: _Found, data: bytes | None = None) -> None:
        """Classify bytes already on disk (or already read: `data`); open them if they are a container."""
        try:
            what = sniff(found.disk, found.name, data)
        except OSError as exc:
            return self.add(found, kind_from_ext(found.name), Fate.UNREADABLE, reason(Code.L102, detail=explain(exc)))
        if what.problem:
            return self.add(found, what.kind, Fate(what.problem), what.reason)
        if what.kind in WORKBOOKS:
            return self.add(found, what.kind, None, None, found.disk)
        # A mail attached to a mail: the outer one is what reached the office, so its Date and sender stay.
        if what.kind in (FileKind.EML, FileKind.MSG) and found.time_source is not TimeSource.MAIL_DATE:
            meta = mail_meta(found.disk, what.kind)
            if meta.date:
                found = replace(found, when=meta.date, time_source=TimeSource.MAIL_DATE)
            found = replace(found, sender=found.sender or meta.sender)
        if found.depth >= self.limits.max_depth:
            return self.add(found, what.kind, Fate.REJECTED, reason(Code.L103, limit=self.limits.max_depth))
        self.open(found, what.kind)

    def open(self, found: _Found, kind: FileKind) -> None:
        index, members_before = len(self.entries), self.members
        self.add(found, kind, Fate.CONTAINER)
        count, expanded, broken, fate = 0, 0, None, Fate.UNREADABLE
        # A .7z is extracted whole first (py7zr): at most what the run may still expand.
        members = (seven_zip_members(found.disk, self.limits.max_total_bytes - self.total)
                   if kind is FileKind.SEVEN_Z else _OPENERS[kind](found.disk))
        try:
            for member in members:
                count += 1
                self.members += 1
                if self.members > self.limits.max_members:
                    raise _TooMany
                expanded += self.member(found, member, expanded, flat=kind is FileKind.MBOX)
        except _TooMany:
            del self.entries[index + 1:]
            self.members = members_before
            too_many = reason(Code.L104, limit=self.limits.max_members)
            self.entries[index] = replace(self.entries[index], fate=Fate.REJECTED, reason=too_many.text,
                                          reason_code=too_many.code)
            return
        except ContainerError as exc:
            broken = exc.reason
        except OverBudget:
            broken, fate = reason(Code.L109, limit=_amount(self.limits.max_total_bytes)), Fate.REJECTED
        except Exception as exc:  # noqa: BLE001 - hostile input: any parser failure becomes an entry
            broken = reason(Code.L105, kind=kind.value, detail=explain(exc))
        said = broken or reason(Code.L106, count=count)
        self.entries[index] = replace(self.entries[index], fate=fate if broken else Fate.CONTAINER,
                                      reason=said.text, reason_code=said.code)

    def member(self, container: _Found, member: Member, expanded_before: int, flat: bool) -> int:
        """Copy one member into the private folder within the limits; return the bytes expanded."""
        if container.time_source is TimeSource.MAIL_DATE or member.mtime is None:
            when, source_of_time = container.when, container.time_source
        else:
            when, source_of_time = member.mtime, TimeSource.ARCHIVE_MEMBER
        name = safe_name(member.label)
        found = _Found(Path(), f"{container.source}!{member.label}", name, container.source,
                       container.depth + (0 if flat else 1),  # an mbox's messages are not a level
                       when, source_of_time, container.sender, "", member.declared_size)
        if member.problem:
            self.add(found, kind_from_ext(name), Fate(member.problem), member.reason)
            return 0
        self.serial += 1
        target = self.root / f"{self.serial:05d}" / name
        target.parent.mkdir()
        digest, size, breach = hashlib.sha256(), 0, None
        try:
            with target.open("xb") as out:
                for block in member.chunks():
                    size += len(block)
                    breach = self.breach(size, member, expanded_before + size, container.size)
                    if breach:
                        break
                    digest.update(block)
                    out.write(block)
        except Exception as exc:  # noqa: BLE001 - a damaged member must not stop the others
            target.unlink(missing_ok=True)
            self.add(found, kind_from_ext(name), Fate.UNREADABLE, reason(Code.L107, detail=explain(exc)))
            return size
        if breach:
            target.unlink()
            self.add(found, kind_from_ext(name), Fate.REJECTED, breach)
            return size
        self.total += size
        self.item(replace(found, disk=target, sha256=digest.hexdigest(), size=size))
        return size

    def breach(self, size: int, member: Member, expanded: int, container_size: int) -> Reason | None:
        """The limit the bytes read so far break, as the ledger reason; None if none."""
        limits = self.limits
        if size > limits.max_file_bytes:
            return reason(Code.L108, limit=_amount(limits.max_file_bytes))
        if self.total + size > limits.max_total_bytes:
            return reason(Code.L109, limit=_amount(limits.max_total_bytes))
        # Solid 7z/rar give no per-member compressed size: compare the whole archive instead.
        done, packed = (size, member.packed_size) if member.packed_size is not None else (expanded, container_size)
        if done > limits.ratio_floor_bytes and done > limits.max_ratio * max(packed, 1):
            return reason(Code.L110, limit=limits.max_ratio)
        return None


def safe_name(label: str) -> str:
    """The NFC base name of a member, with no way out of its folder.

    Drops every directory part (so "..", "/etc/…" and "C:\\…" lose their effect), a drive
    prefix, control and Windows-reserved characters, and keeps it short enough for any disk.
    """
    base = label.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    base = re.sub(r'[\x00-\x1f<>:"|?*]', "_", re.sub(r"^[A-Za-z]:", "", base)).strip(" .")
    base = nfc(base) or "tệp"
    stem, suffix = os.path.splitext(base)
    if device_name(base):  # "CON.xlsx" cannot be created on Windows
        stem = f"_{stem}"
    while len((stem + suffix).encode("utf-8")) > 200:
        stem = stem[:-1]
    return stem + suffix


def _walk(path: Path, skip: Path | None = None) -> Iterator[tuple[Path, str, bool]]:
    """(file, display path, is a symlinked folder) under `path` in sorted order; symlinked folders are
    reported but not followed. The display path is the input as given when relative ('inbox/a/b.xlsx'),
    and starts at the input's own name when absolute, so reports do not depend on where the inbox
    sits on this machine."""
    root = path.as_posix() if not path.is_absolute() else (path.name or path.as_posix())
    path = extended(path, room=MAX_PATH)   # Windows: files however deep under the inbox open (`core.windows`)
    if not path.is_dir():
        yield path, nfc(root), False
        return
    for folder, dirs, files in os.walk(path):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if skip is None or not _same_folder(base / d, skip))
        for name in sorted(files):
            yield base / name, _display(root, path, base / name), False
        for name in dirs:
            if (base / name).is_symlink():
                yield base / name, _display(root, path, base / name), True


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:   # `b` not made yet, or gone
        return False


def _display(root: str, top: Path, file: Path) -> str:
    return nfc(str(PurePosixPath(root, *file.relative_to(top).parts)))


def _amount(size: int) -> str:
    return f"{size / _MB:g} MB" if size >= _MB else f"{size} byte"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _mark_duplicates(entries: list[Entry]) -> list[Entry]:
    """Later workbooks with the bytes of an earlier one become `duplicate`, naming the first."""
    first: dict[str, str] = {}
    marked = []
    for entry in entries:
        if entry.fate is None and entry.kind in WORKBOOKS:
            if entry.sha256 in first:
                same = reason(Code.L111, source=first[entry.sha256])
                entry = replace(entry, fate=Fate.DUPLICATE, reason=same.text, reason_code=same.code)
            else:
                first[entry.sha256] = entry.source
        marked.append(entry)
    return marked
