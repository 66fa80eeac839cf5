"""A run's outputs committed together: the output folder holds the previous complete run or this one, never a mix.

In: the output folder, the files a run writes (each under `Staging.place` of its final path) and the
earlier files it removes (`Staging.drop`).
Out: on `Staging.commit`, a journal (JOURNAL: what to move, what to remove) flushed to the disk, then
every staged file renamed into place, the removals done, the folders flushed and the journal removed.
A run killed before the journal exists changed nothing (its staging folder is scratch, removed by the
next run); killed after, the next run or reader into the folder finishes the commit (`roll_forward`),
which is idempotent. The run's other scratch folders (under the system's temporary folder) carry the
process id in their name, so the next run removes those whose process is gone (`scratch_folder`).

An output another program holds open (Excel on Windows refuses to let it be replaced or removed) stops
the commit before anything moves (`Staging.commit` tries each file it will replace first); if the
refusal comes midway all the same, every file already moved is put back (the replaced ones wait in
the staging folder until the commit ends) and the run fails with `OutputInUse`: the folder holds the
previous run's outputs, as it did.

Why a journal and not renaming a whole folder: the office points --out at a folder it keeps (with
the evaluators' workbooks and the cache in it), and feedback files whose inputs did not change are
left untouched, so only the files a run wrote move.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Iterator

from cds_batch.core.atomic import STAGING_PREFIX, fsync_folder, write_text_atomic
from cds_batch.core.windows import OutputInUse, held_open, is_windows, patiently

JOURNAL = ".cds-commit.json"
_BEFORE = ".cds-before"   # in the staging folder: the files a commit replaced or removed, until it ends
_FORMAT = 1
_SCRATCH = "cds_batch-"   # the system temporary folder's scratch: cds_batch-<kind>-<pid>-<random>
# mkdtemp's names: the prefix given (ending in the owner's process id and '-'), 8 characters of its alphabet.
_OWNED = re.compile(r"(?:" + re.escape(STAGING_PREFIX) + "|" + re.escape(_SCRATCH) + r"[a-z]+-)(\d+)-[a-z0-9_]{8}")
_ROLLING = threading.Lock()   # the page's threads may read a folder while its run commits
_COMMITTED: set[Path] = set()   # the output folders this process committed into


class StoppedAfterCommit(KeyboardInterrupt):
    """Ctrl+C (or SIGTERM) came while the outputs were being moved into place: the commit was finished
    first, so the folder holds this run's complete outputs."""


class Staging:
    """A run's staging folder inside `out` (`.cds-run-<pid>-<random>`), mirroring `out`'s layout."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.root = _make(STAGING_PREFIX, out)
        self._drop: set[str] = set()

    def place(self, final: Path) -> Path:
        """Where to write the output whose final path is `final` (inside `out`)."""
        return self.root / final.relative_to(self.out)

    def final(self, staged: Path) -> Path:
        """The final path of a file written at `staged`."""
        return self.out / staged.relative_to(self.root)

    def drop(self, final: Path) -> None:
        """Remove `final` (an earlier run's output this run does not write again) at the commit."""
        self._drop.add(final.relative_to(self.out).as_posix())

    def commit(self) -> None:
        """Move every staged file into place and do the removals, all or (after a kill) none until the next run.

        :raises StoppedAfterCommit: a Ctrl+C or SIGTERM came meanwhile; it waited for the commit to finish.
        """
        moves: list[str] = []
        for folder, _, files in os.walk(self.root):
            moves += sorted((Path(folder) / f).relative_to(self.root).as_posix() for f in files)
            fsync_folder(Path(folder))   # the staged files' own entries, before the journal names them
        drops = sorted(self._drop - set(moves))
        check_free(self.out, moves + drops)
        journal = {"format": _FORMAT, "staging": self.root.name, "moves": sorted(moves), "drop": drops}
        with _signals_held() as caught:
            write_text_atomic(self.out / JOURNAL, json.dumps(journal, ensure_ascii=False, indent=1) + "\n")
            roll_forward(self.out)
            _COMMITTED.add(self.out.resolve())
        if caught:
            raise StoppedAfterCommit()

    def discard(self) -> None:
        """Remove the staging folder, unless a journal still names it (the next run finishes that commit)."""
        if _journal_staging(self.out) != self.root.name:
            shutil.rmtree(self.root, ignore_errors=True)


def committed_here(out: Path) -> bool:
    """Whether this process committed a run's outputs into `out` (a stop after that changed nothing)."""
    return out.resolve() in _COMMITTED


@contextmanager
def staged(out: Path) -> Iterator[Staging]:
    """A `Staging` in `out` after `prepare(out)`; removed on leaving unless committed (or being committed)."""
    prepare(out)
    stage = Staging(out)
    try:
        yield stage
    finally:
        stage.discard()


def prepare(out: Path) -> None:
    """Before a run writes into `out`: finish a commit a killed run left, and remove killed runs' scratch
    there and in the system's temporary folder."""
    out.mkdir(parents=True, exist_ok=True)
    roll_forward(out)
    remove_stale(out)
    remove_stale(Path(tempfile.gettempdir()))


def settle(folder: Path) -> None:
    """For a reader of an output folder: finish a commit a killed run left there, when the folder can be
    written (a folder it cannot write is read as it is; one with an output open in another program has the
    commit undone, and is read as the run before left it)."""
    try:
        roll_forward(folder)
    except (OSError, OutputInUse):
        pass


def roll_forward(out: Path) -> bool:
    """Finish the commit whose journal is in `out`, if any; whether there was one. Idempotent: a file
    already moved is not looked for again, a removal already done is skipped.

    :raises OutputInUse: a file to replace or remove is held open by another program; every file the
        commit had moved was put back and the journal removed, so `out` is as before the commit.
    """
    with _ROLLING:
        journal = out / JOURNAL
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            staging = out / _name(data["staging"])
            moves = [_relative(m) for m in data["moves"]]
            drops = [_relative(d) for d in data["drop"]]
        except FileNotFoundError:
            return False
        except (ValueError, KeyError, TypeError):   # written atomically, so not ours: nothing to finish
            journal.unlink(missing_ok=True)
            return False
        touched, target = {out}, out
        try:
            for rel in moves:
                source, target = staging / rel, out / rel
                if source.is_file():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _set_aside(target, staging / _BEFORE / rel)
                    patiently(lambda: os.replace(source, target))
                    touched.add(target.parent)
            for rel in drops:
                target = out / rel
                _set_aside(target, staging / _BEFORE / rel)
                touched.add(target.parent)
        except OSError as refused:
            if not held_open(refused):
                raise   # the disk or the folder failed: the journal stays, the next run finishes the commit
            _roll_back(out, staging, moves, drops)
            raise OutputInUse(target) from refused
        _finish(out, staging, touched)
        return True


def check_free(out: Path, rels: list[str]) -> None:
    """Before a commit: stop with `OutputInUse` if another program holds open a file of `out` (at the
    paths `rels`) the commit would replace or remove. Renaming a file onto itself changes nothing, on
    every system, and Windows refuses it as it would refuse the commit's own rename."""
    for rel in rels:
        target = out / rel
        if not target.is_file():
            continue
        try:
            patiently(lambda: os.replace(target, target))
        except OSError as refused:
            if held_open(refused):
                raise OutputInUse(target) from refused
            raise


def _set_aside(target: Path, before: Path) -> None:
    """Move the file at `target` (if any) to `before`, where it waits until the commit ends or is undone."""
    if target.is_file() or target.is_symlink():
        before.parent.mkdir(parents=True, exist_ok=True)
        patiently(lambda: os.replace(target, before))


def _roll_back(out: Path, staging: Path, moves: list[Path], drops: list[Path]) -> None:
    """Undo a commit that failed midway: each file moved goes back to `staging`, each file replaced or
    removed comes back from the side. Killed meanwhile, the journal is still there and the next run
    finishes the commit instead, which is as consistent."""
    touched = {out}
    for rel in moves:
        source, target, before = staging / rel, out / rel, staging / _BEFORE / rel
        if not source.exists() and target.is_file():   # moved into place: take it back
            patiently(lambda: os.replace(target, source))
        if before.is_file():
            patiently(lambda: os.replace(before, target))
        touched.add(target.parent)
    for rel in drops:
        if (staging / _BEFORE / rel).is_file():
            patiently(lambda: os.replace(staging / _BEFORE / rel, out / rel))
        touched.add((out / rel).parent)
    _finish(out, staging, touched)


def _finish(out: Path, staging: Path, touched: set[Path]) -> None:
    """Flush the folders a commit (or its undoing) changed, remove its journal, then its staging folder."""
    for folder in sorted(touched, key=str):
        fsync_folder(folder)
    (out / JOURNAL).unlink(missing_ok=True)
    fsync_folder(out)
    shutil.rmtree(staging, ignore_errors=True)


def _journal_staging(out: Path) -> str | None:
    try:
        return str(json.loads((out / JOURNAL).read_text(encoding="utf-8"))["staging"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _name(value: object) -> str:
    """A staging folder's name from a journal: one of ours, nothing that leads elsewhere."""
    if not isinstance(value, str) or not value.startswith(STAGING_PREFIX) or value != Path(value).name:
        raise ValueError(value)
    return value


def _relative(value: object) -> Path:
    """A path from a journal, inside the output folder."""
    if not isinstance(value, str):
        raise TypeError(value)
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(value)
    return Path(*path.parts)


# --- Scratch folders named after their process ----------------------------------------------------

def _make(prefix: str, parent: Path | None = None) -> Path:
    """A new folder `<prefix><pid>-<random>` in `parent` (default: the system's temporary folder)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def new_scratch(kind: str) -> Path:
    """A new private folder in the system's temporary folder (`cds_batch-<kind>-<pid>-<random>`, `kind` in
    lowercase letters), for the caller to remove; one a killed run left is removed by the next run (`prepare`)."""
    return _make(f"{_SCRATCH}{kind}-")


@contextmanager
def scratch_folder(kind: str) -> Iterator[Path]:
    """`new_scratch(kind)`, removed with everything in it on exit."""
    folder = new_scratch(kind)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale(parent: Path) -> list[Path]:
    """Remove the scratch folders in `parent` whose process is gone (a staging folder a journal names is
    kept for `roll_forward`); the folders removed."""
    try:
        names = sorted(e.name for e in os.scandir(parent) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    keep = _journal_staging(parent)
    removed = []
    for name in names:
        owner = _OWNED.fullmatch(name)
        if owner is not None and name != keep and not alive(int(owner.group(1))):
            shutil.rmtree(parent / name, ignore_errors=True)
            removed.append(parent / name)
    return removed


def stale_staging(out: Path) -> list[Path]:
    """The staging folders in `out` of runs that were killed while writing (no journal names them)."""
    try:
        names = sorted(e.name for e in os.scandir(out) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    keep = _journal_staging(out)
    return [out / n for n in names if n.startswith(STAGING_PREFIX) and n != keep
            and (m := _OWNED.fullmatch(n)) is not None and not alive(int(m.group(1)))]


def alive(pid: int) -> bool:
    """Whether process `pid` exists (this process counts: another thread of it may own the folder)."""
    if pid == os.getpid():
        return True
    if is_windows():   # os.kill(pid, 0) would end the process there
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:   # PermissionError: another user's process
        return True
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes

    kernel32 = getattr(ctypes, "windll").kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(kernel32.GetLastError() == 5)   # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(code.value == 259)   # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold Ctrl+C and SIGTERM while the block runs (the main thread only; others never receive them);
    the signals that came."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def note(signum: int, _: FrameType | None) -> None:
        caught.append(signum)

    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    before = {s: signal.signal(s, note) for s in wanted}
    try:
        yield caught
    finally:
        for s, handler in before.items():
            if handler is not None:
                signal.signal(s, handler)
