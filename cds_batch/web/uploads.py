"""Uploads: what the browser sends, saved under a folder of the workspace and never outside it.

In: Werkzeug's file parts (already on disk: `app.UploadRequest`), the folder they go to, whether
their sub-folders are kept (a folder upload), the browser's last-modified times, the limit of one file.
Out: the files on disk, and what was not saved, with why. Each file is first copied into a staging
folder beside the target folder (`<round>/.dang-tai/`, same disk, never inside `hop-thu`), then
renamed into place once whole, so a run reading the inbox never meets a half-written file, even one
left by a killed server (staging is cleared at start-up). Each part of an uploaded name goes through
`discover.safe_name`, the sanitiser archive members of the inbox go through: '..' and '.' parts, an
absolute path, a drive ('C:') or a Windows '..\\' lose their effect; reserved characters and device
names are replaced. A file with the bytes of one already there is not saved twice; another file of
the same name gets ' (2)' before its extension, so two schools' 'phieu tu danh gia.xlsx' both stay.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator, Sequence

from werkzeug.datastructures import FileStorage

from cds_batch.intake.discover import safe_name
from cds_batch.pipeline.failures import os_reason
from cds_batch.reading.package import megabytes

MAX_FOLDERS = 6          # folder levels kept of an uploaded folder's relative path (the deepest ones)
_CHUNK = 1 << 20
_EARLIEST = 946_684_800  # 2000-01-01: an older "last modified" time from a browser is not believed
_NAMING = threading.Lock()   # two uploads at once must not pick the same free name
STAGING = ".dang-tai"        # beside the folder uploaded to: where files arrive before they are moved in


@dataclass(frozen=True)
class Refused:
    name: str       # as the browser sent it
    reason: str     # Vietnamese


@dataclass
class Uploaded:
    saved: list[Path] = field(default_factory=list)
    same: list[str] = field(default_factory=list)       # already there with the same bytes: not saved again
    refused: list[Refused] = field(default_factory=list)


class TooLarge(Exception):
    """A file over the per-file limit."""


def safe_relative(name: str, keep_folders: bool) -> PurePosixPath | None:
    """The path under the upload folder for an uploaded `name`; None when nothing of it is left.

    Separators of both systems split the name; '', '.' and '..' parts and a leading drive are dropped
    (never resolved: '../../x.xlsx' is 'x.xlsx'); each remaining part is made safe on its own. Without
    `keep_folders` only the base name is kept.
    """
    parts = [p for p in re.split(r"[\\/]+", name) if p.strip() not in ("", ".", "..")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    parts = parts[-(MAX_FOLDERS + 1):] if keep_folders else parts[-1:]
    if not parts:
        return None
    return PurePosixPath(*(safe_name(p) for p in parts))


@contextmanager
def staging(folder: Path) -> Iterator[Path]:
    """A new, empty folder for one request's files while they arrive, under `folder`/.dang-tai
    (`folder` on the same disk as where they go, so that moving them in is a rename); removed after."""
    place = folder / STAGING / secrets.token_hex(8)
    place.mkdir(parents=True)
    try:
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


def clear_staging(root: Path) -> None:
    """Remove what a stopped or killed server left in the staging folders of `root` and its rounds."""
    for folder in root.glob(f"*/{STAGING}"):
        shutil.rmtree(folder, ignore_errors=True)


def save_uploads(files: Sequence[FileStorage], folder: Path, staged_in: Path, *, limit: int,
                 keep_folders: bool = False, names: Sequence[str] = (),
                 mtimes: Sequence[float | None] = ()) -> Uploaded:
    """Save every non-empty part of `files` under `folder`, each through `staged_in` (see `staging`).

    :param names: the browser's relative path of each file (a folder upload's webkitRelativePath), when
        the page's script sent them; otherwise the part's own file name is used.
    :param mtimes: each file's last-modified time (seconds), which the run reads as when it was received.
    """
    done = Uploaded()
    for n, storage in enumerate(files):
        sent = names[n] if n < len(names) and names[n] else (storage.filename or "")
        if not sent:
            continue   # an empty file input sends a part without a name
        relative = safe_relative(sent, keep_folders)
        if relative is None:
            done.refused.append(Refused(sent, "tên tệp không dùng được"))
            continue
        try:
            saved = save_file(storage, folder / relative, staged_in, limit=limit,
                              mtime=mtimes[n] if n < len(mtimes) else None)
        except TooLarge:
            done.refused.append(Refused(sent, f"lớn hơn giới hạn {size_text(limit)} cho một tệp"))
            continue
        except OSError as failed:   # 'a.xlsx/b.xlsx' after 'a.xlsx', a full disk…: this file only
            done.refused.append(Refused(sent, f"không lưu được ({os_reason(failed)})"))
            continue
        if saved is None:
            done.same.append(sent)
        else:
            done.saved.append(saved)
    return done


def save_file(storage: FileStorage, target: Path, staged_in: Path, *, limit: int, mtime: float | None = None,
              replace: bool = False) -> Path | None:
    """Save one upload at `target` (or the next free name; over it with `replace`); its path, or None
    when a file with the same bytes is there already. TooLarge (nothing written) past `limit` bytes.

    The bytes are copied into `staged_in` first, then renamed into place: the target's folder only ever
    holds whole files."""
    staged = staged_in / secrets.token_hex(8)
    try:
        size, digest = _copy(storage, staged, limit)
        with _NAMING:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not replace:
                for candidate in _candidates(target):
                    if not candidate.exists():
                        target = candidate
                        break
                    # The size first: hashing every 'x (n).xlsx' for each new 'x.xlsx' would be quadratic.
                    if candidate.is_file() and candidate.stat().st_size == size and _digest(candidate) == digest:
                        return None
            os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    if mtime is not None and _EARLIEST <= mtime <= time.time() + 2 * 86_400:
        os.utime(target, (mtime, mtime))
    return target


def size_text(size: int) -> str:
    """A size as the page shows it: '1,5 MB', '12 KB' (a decimal comma)."""
    if size >= 1 << 20:
        return f"{megabytes(size)} MB"
    return f"{max(1, round(size / 1024))} KB" if size else "0 KB"


def _copy(storage: FileStorage, staged: Path, limit: int) -> tuple[int, str]:
    """Copy the upload to `staged`; its size and SHA-256. TooLarge past `limit` bytes."""
    digest, size = hashlib.sha256(), 0
    storage.stream.seek(0)
    with staged.open("xb") as out:
        while block := storage.stream.read(_CHUNK):
            size += len(block)
            if size > limit:
                raise TooLarge
            digest.update(block)
            out.write(block)
    return size, digest.hexdigest()


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _candidates(target: Path) -> Iterator[Path]:
    yield target
    n = 2
    while True:
        yield target.with_name(f"{target.stem} ({n}){target.suffix}")
        n += 1
