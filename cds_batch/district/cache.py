"""Run cache: a second run over the same inbox reads only the files it has not seen, and leaves
alone the per-school outputs whose content would not change.

In: the output folder, the run's `Context`, the workbook entries still to be examined, and the
per-school output files with a digest of what they are made from.
Out: the `Submission`s an earlier run into the same folder computed for identical inputs (after
intake, the new ones are stored for the next run); whether an output file on disk is exactly the
one its inputs would give again.

An optimisation only: deleting `.cds-cache.sqlite` changes no output byte. A submission is
reused only when every input of `intake.examine` is the same — the file's bytes (SHA-256), its
name, display path and sender (which go into findings and identification), and the run's
fingerprint: the code of cds_batch itself, every rubric's content hash, the roster, the
round and the files the previous run had (--previous). Anything else changes the key, and the entry
is read again. An output file is skipped only
when the digest of its inputs (and of the tool's code) is the one recorded when it was written and
the file still has the SHA-256 it was written with; the writers are deterministic, so writing it
again would give the same bytes. A file is recorded when it is staged, before the run's outputs are
committed (`core.commit`), and the earlier record of its name is dropped only after (`committed`):
whether a killed run's commit happened or not, the file on disk matches one of its records. The
cache holds what this program wrote into the office's own output folder (pickled); it never reads
from the inbox. It is not part of the commit: SQLite commits its own changes atomically, and none
of its records can make a run use a wrong file. Any error with the cache file (locked,
corrupt, read-only folder) turns the cache off for the run.
"""
from __future__ import annotations

import hashlib
import pickle
import sqlite3
from dataclasses import fields
from pathlib import Path
from typing import Sequence

from cds_batch.intake.discover import Entry
from cds_batch.checking.examine import Context, Submission
from cds_batch.district.interning import Shared

CACHE_FILE = ".cds-cache.sqlite"
_SCHEMA = 1
_PACKAGE = Path(__file__).resolve().parents[1]   # the whole cds_batch package, not only this subpackage


def _code_digest() -> str:
    """SHA-256 over cds_batch's own source: any change of the tool invalidates the cache."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and path.is_file():
            h.update(path.relative_to(_PACKAGE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


_CODE_DIGEST = _code_digest()


def fingerprint(ctx: Context) -> str:
    """What every cached submission of a run depends on besides its own file."""
    h = hashlib.sha256(f"schema {_SCHEMA}\n{_CODE_DIGEST}\n{ctx.round_label}\n{ctx.limits!r}\n".encode())
    for rubric in ctx.rubrics:
        h.update(f"rubric {rubric.id} {rubric.content_hash}\n".encode())
    h.update(pickle.dumps(ctx.roster, protocol=4))
    h.update("".join(sorted(ctx.carried)).encode())
    return h.hexdigest()


def inputs_digest(*parts: object) -> str:
    """A digest of what an output file is made from: the values' repr (stable for equal values,
    unlike pickle, which depends on object sharing) and the tool's code."""
    return hashlib.sha256("\x1f".join([_CODE_DIGEST, *map(repr, parts)]).encode()).hexdigest()


def entry_key(entry: Entry) -> str:
    return "\x1f".join((entry.sha256, entry.name, entry.source, entry.sender))


_FIELDS = tuple(f.name for f in fields(Submission) if f.name != "entry")


class RunCache:
    """The submissions of the last run into one output folder (valid for one run fingerprint) and the
    per-school output files it wrote."""

    def __init__(self, folder: Path, ctx: Context) -> None:
        self.path = folder / CACHE_FILE
        self.fingerprint = fingerprint(ctx)
        self.hits = 0
        self._reused: set[str] = set()   # keys `lookup` found: their rows stay as they are
        self._recorded: dict[str, str] = {}   # file name → the SHA-256 this run recorded for it
        self._db: sqlite3.Connection | None = None
        for _ in range(2):   # a file that is not our database is removed, and made anew once
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path)
                with self._db:
                    self._db.execute("CREATE TABLE IF NOT EXISTS submission (key TEXT PRIMARY KEY, "
                                     "fingerprint TEXT, value BLOB)")
                    self._db.execute("DROP TABLE IF EXISTS output")   # one row per name, before commits
                    self._db.execute("CREATE TABLE IF NOT EXISTS written_file (name TEXT, sha256 TEXT, inputs TEXT, "
                                     "PRIMARY KEY (name, sha256))")
                break
            except (OSError, sqlite3.Error):
                self._forget()

    @property
    def warm(self) -> bool:
        """Whether an earlier run of the same fingerprint left submissions to reuse."""
        if self._db is None:
            return False
        try:
            row = self._db.execute("SELECT 1 FROM submission WHERE fingerprint = ? LIMIT 1",
                                   (self.fingerprint,)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None

    def lookup(self, entries: Sequence[Entry]) -> dict[str, Submission]:
        """Entry source → the cached submission, for every entry an identical earlier one was read for."""
        if self._db is None or not entries:
            return {}
        wanted = {entry_key(e): e for e in entries}
        found: dict[str, Submission] = {}
        shared = Shared()   # as for fresh readings: equal scores and values held once
        try:
            rows = self._db.execute("SELECT key, value FROM submission WHERE fingerprint = ?", (self.fingerprint,))
            for key, blob in rows:   # streamed: a province's cache is hundreds of megabytes
                e = wanted.get(key)
                if e is not None:
                    found[e.source] = shared(Submission(e, **dict(zip(_FIELDS, pickle.loads(blob)))))
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, TypeError, AttributeError, ImportError):
            self._forget()
            return {}
        self.hits = len(found)
        self._reused = {entry_key(s.entry) for s in found.values()}
        return found

    def store(self, submissions: Sequence[Submission]) -> None:
        """Keep exactly these submissions (this run's) for the next run; older rows are dropped.

        The rows `lookup` found are left in place, not pickled and written again: a second run over a
        province's inbox stores only its new files (45,000 submissions pickled again took seconds).
        """
        if self._db is None:
            return
        keep = {entry_key(s.entry): s for s in submissions if s.entry.sha256 and not s.stopped}
        # A generator, not a list: the pickles of a province (250 MB) never all exist at once, and the
        # heap they would take stays with the process to its end.
        rows = ((key, self.fingerprint,
                 pickle.dumps(tuple(getattr(s, name) for name in _FIELDS), protocol=pickle.HIGHEST_PROTOCOL))
                for key, s in keep.items() if key not in self._reused)
        try:
            with self._db:
                self._db.execute("DELETE FROM submission WHERE fingerprint != ?", (self.fingerprint,))
                stale = [(key,) for key, in self._db.execute("SELECT key FROM submission") if key not in keep]
                self._db.executemany("DELETE FROM submission WHERE key = ?", stale)
                self._db.executemany("INSERT OR REPLACE INTO submission VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            self._forget()

    def unchanged(self, target: Path, inputs: str) -> bool:
        """True when `target` is the file an earlier run wrote from the same `inputs` digest, untouched."""
        return self._matches(target, "SELECT sha256 FROM written_file WHERE name = ? AND inputs = ?",
                             (target.name, inputs))

    def ours(self, target: Path) -> bool:
        """True when `target` is, byte for byte, the file a run recorded writing there (nobody edited it since)."""
        return self._matches(target, "SELECT sha256 FROM written_file WHERE name = ?", (target.name,))

    def _matches(self, target: Path, query: str, args: tuple[str, ...]) -> bool:
        if self._db is None:
            return False
        try:
            recorded = {sha for sha, in self._db.execute(query, args)}
        except sqlite3.Error:
            self._forget()
            return False
        if not recorded:   # no need to hash the file
            return False
        try:
            return hashlib.sha256(target.read_bytes()).hexdigest() in recorded
        except OSError:
            return False

    def written(self, targets: Sequence[tuple[Path, str]]) -> None:
        """Record output files just written (staged: the name is what counts), each with the digest of its inputs."""
        if self._db is None:
            return
        try:
            rows = [(t.name, hashlib.sha256(t.read_bytes()).hexdigest(), inputs) for t, inputs in targets]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO written_file VALUES (?, ?, ?)", rows)
            self._recorded.update((name, sha) for name, sha, _ in rows)
        except (OSError, sqlite3.Error):
            self._forget()

    def committed(self) -> None:
        """The files `written` recorded are in place: forget the earlier versions of their names."""
        if self._db is None or not self._recorded:
            return
        try:
            with self._db:
                self._db.executemany("DELETE FROM written_file WHERE name = ? AND sha256 != ?",
                                     sorted(self._recorded.items()))
        except sqlite3.Error:
            self._forget()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _forget(self) -> None:
        """Turn the cache off for this run, and remove a file that could not be used."""
        self.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
