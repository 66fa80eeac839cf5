"""Output files on disk: written atomically, with names every system accepts and text UTF-8 can encode.

In: the final path (or the parts of a file name, or a text to write).
Out: a temporary path beside the target that is renamed into place only when the writer finished
without an exception, so a killed run never leaves a half-written file; the file is flushed to the
disk (fsync) before the rename and its folder after, so a power cut leaves the old file or the new
one, never an empty one; the cleanup of the temporaries a killed run did leave; file names safe on
Windows; text with no lone surrogate. A run's outputs as a whole are committed by `core.commit`.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from cds_batch.core.windows import OutputInUse, device_name, held_open, is_windows, patiently

# mkstemp's names: the prefix given below, 8 characters of its alphabet, the suffix.
_LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SURROGATE = re.compile("[\ud800-\udfff]")
NAME_MAX = 120   # characters of a file name: room for Windows' 260-character paths under a deep folder
# A run's staging folder inside its output folder (`core.commit`): the files written there are moved into
# place together, and the commit syncs each of its folders once, rather than once per file written.
STAGING_PREFIX = ".cds-run-"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto `target` on success.

    :raises OutputInUse: another program holds `target` open (Excel on Windows); it is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; outputs are shared like any saved file
        fsync_file(tmp)
        try:
            patiently(lambda: os.replace(tmp, target))
        except PermissionError as refused:   # Windows: the file is open in Excel
            if held_open(refused):
                raise OutputInUse(target, kept="tệp đó vẫn giữ nội dung cũ") from refused
            raise
        if not any(part.startswith(STAGING_PREFIX) for part in target.parent.parts):
            fsync_folder(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    """Flush `path`'s bytes to the disk: renamed into place before that, a power cut can leave it empty."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def fsync_folder(folder: Path) -> None:
    """Flush `folder`'s entries (a rename into it, a removal) to the disk. Windows cannot open a folder
    as a file (NTFS journals its renames), and some file systems refuse: skipped there."""
    if is_windows():
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:   # EINVAL/EBADF: a file system (some network shares) that cannot sync a folder
        pass
    finally:
        os.close(fd)


def remove_leftovers(*folders: Path) -> list[Path]:
    """Remove the temporaries (`.<name>.<random>.tmp`) a killed run left in `folders`; return them.

    A run killed between creating a temporary and renaming it leaves the temporary behind; its name
    starts with a dot and ends in '.tmp', so no output path matches it, and a run calls this before
    writing into a folder so that they do not pile up. Only the folders given are looked at, not
    their subfolders (an office may point --out at a folder holding other work); folders that do
    not exist are skipped.
    """
    removed: list[Path] = []
    for folder in folders:
        try:
            names = [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in sorted(names):
            if _LEFTOVER.fullmatch(name):
                (folder / name).unlink(missing_ok=True)
                removed.append(folder / name)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def encodable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so UTF-8 can encode it.

    Python keeps a file name's undecodable bytes as lone surrogates (U+DC80–U+DCFF); written as
    they are, they stop the whole run with UnicodeEncodeError.
    """
    try:
        text.encode("utf-8")   # the quick test: a quarter of the time of searching for one
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def write_text_atomic(target: Path, text: str) -> None:
    """Write UTF-8 text to `target` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(encodable(text), encoding="utf-8")


def short_hash(text: str) -> str:
    """Eight hex digits of the SHA-256 of `text`: tells apart names that became the same once made safe."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def bounded(name: str, limit: int) -> str:
    """`name` cut to `limit` characters; a cut name ends in a hash of the whole, so two long names stay apart."""
    return name if len(name) <= limit else name[:limit - 9].rstrip(". ") + "-" + short_hash(name)


def safe_stem(stem: str, limit: int = NAME_MAX) -> str:
    """A file name (without extension) Windows accepts: no reserved characters or control characters,
    not a device name (CON, NUL, COM1…), no trailing dot or space, at most `limit` characters.

    The callers pass ASCII slugs, which already pass all but the device-name and length checks;
    the rest is the guarantee, not the usual path.
    """
    safe = bounded(_UNSAFE.sub("-", stem).rstrip(". ") or "_", limit)
    return "_" + safe if device_name(safe) else safe


def distinct_names(names: Sequence[str], keys: Sequence[str], suffix: str) -> list[str]:
    """`names` (each ending in `suffix`) made distinct ignoring case, as Windows and macOS compare them.

    A name no other shares stays as it is. Names that several keys share each get '-<hash of the
    key>' before `suffix` ('TH-1-5d41402a_phan-hoi.xlsx'), and a counter in the unlikely case that
    is taken too (a code typed to look like another's hash). Deterministic: it does not depend on
    the order of `names`.
    """
    count = Counter(n.casefold() for n in names)
    out = [n if count[n.casefold()] == 1 else "" for n in names]
    taken = {n.casefold() for n in out if n}
    for i in sorted((i for i, n in enumerate(out) if not n), key=lambda i: keys[i]):
        base = f"{names[i][:-len(suffix)]}-{short_hash(keys[i])}"
        name, n = base + suffix, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}-{n}{suffix}"
        out[i] = name
        taken.add(name.casefold())
    return out
