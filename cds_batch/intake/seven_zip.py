"""Discover stage: the .7z reader behind `archives.seven_zip_members`, on py7zr.

Its own module so that py7zr (and what it imports: about 5 MB a process) loads only in a run that
meets a .7z, not in every reading worker.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import py7zr
from py7zr.helpers import get_sanitized_output_path
from py7zr.io import Py7zIO, WriterFactory

from cds_batch.core.findings import Code, reason
from cds_batch.intake.containers import ContainerError, Member, OverBudget, archive_reason, nfc

_CHUNK = 1 << 16


def extract(path: Path, budget: int, folder: Path) -> list[Member]:
    """Every member of the .7z at `path`, at most `budget` bytes in all, written to numbered files in `folder`."""
    try:
        with path.open("rb") as f, py7zr.SevenZipFile(f, mode="r", max_extract_size=budget) as archive:
            if archive.needs_password():
                raise ContainerError(reason(Code.L216, ext=".7z"))
            entries = [entry for entry in archive.files if not entry.is_directory]
            safe = {entry.filename for entry in entries if _plain_file(entry) and _safe(entry.filename)}
            files = _NumberedFiles(folder)
            archive.extract(targets=safe, factory=files)
    except py7zr.exceptions.DecompressionBombError as exc:
        raise OverBudget from exc
    except py7zr.exceptions.PasswordRequired as exc:   # names encrypted too
        raise ContainerError(reason(Code.L216, ext=".7z")) from exc
    except ContainerError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input: any py7zr failure is a damaged archive
        raise ContainerError(archive_reason(".7z", exc)) from exc
    members: list[Member] = []
    seen: dict[str, int] = {}
    for entry in entries:
        label = nfc(entry.filename).replace("\\", "/")
        stamp = entry.lastwritetime
        mtime = datetime.fromtimestamp(float(stamp.totimestamp()), timezone.utc) if stamp is not None else None
        if not _plain_file(entry):
            members.append(Member(label, lambda: (), entry.uncompressed or 0, problem="rejected", mtime=mtime,
                                  reason=reason(Code.L213)))
        elif entry.filename not in safe:
            members.append(Member(label, lambda: (), entry.uncompressed or 0, problem="rejected", mtime=mtime,
                                  reason=reason(Code.L221)))
        else:
            # py7zr names the second member of a name "name_0" (its `_extract`), the third "name_1"
            count = seen.get(entry.filename)
            seen[entry.filename] = 0 if count is None else count + 1
            written = entry.filename if count is None else f"{entry.filename}_{count}"
            disk = files.made.get(get_sanitized_output_path(written, None).as_posix())
            members.append(Member(label, _file_reader(disk), entry.uncompressed or 0, None, mtime))
    return members


def _plain_file(entry: py7zr.py7zr.ArchiveFile) -> bool:
    return not (entry.is_symlink or entry.is_junction or entry.is_socket)


def _safe(name: str) -> bool:
    """A name py7zr extracts (no "..", no absolute path or drive); others are refused, not renamed."""
    try:
        get_sanitized_output_path(name, None)
    except py7zr.exceptions.Bad7zFile:
        return False
    return True


def _file_reader(disk: Path | None) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        if disk is None:   # an empty member py7zr did not open
            return
        with disk.open("rb") as f:
            while block := f.read(_CHUNK):
                yield block

    return chunks


class _Written(Py7zIO):
    """One member's bytes, written to a numbered file of the scratch folder (never under its own name)."""

    def __init__(self, disk: Path) -> None:
        self.file, self.length = disk.open("xb"), 0

    def write(self, s: bytes | bytearray) -> int:
        self.length += self.file.write(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.length

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        self.file.flush()

    def size(self) -> int:
        return self.length

    def close(self) -> None:
        self.file.close()


class _NumberedFiles(WriterFactory):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, Path] = {}   # py7zr's name for the member → its file

    def create(self, filename: str) -> Py7zIO:
        disk = self.folder / f"{len(self.made):05d}"
        self.made[filename] = disk
        return _Written(disk)
