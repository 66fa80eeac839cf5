"""The reading pool: `examine` over the cores, where one bad file can neither hang nor end the run.

In: ledger entries of workbooks to read, the run's `Context`, the processes to use and a time
limit per file. Out: one `Submission` per entry, in the entries' order.

Workers are "spawn" processes (what Windows uses); the context reaches each once through the pool
initializer. Each worker writes the index of the file it is reading into a shared board, so when a
file takes longer than the limit, or a worker dies (a crash inside a native reader, the system
killing it for memory), this process knows which file it was on. It then kills the pool, ends that
file with a ledger reason, and reads the files not yet done in a fresh pool. When a crash leaves
several files in flight, each is read again alone to find the one that kills its reader.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Callable, Iterator, Sequence

from cds_batch.core.parallel import spawn_pool
from cds_batch.intake.discover import Entry, Fate
from cds_batch.checking.examine import Context, Submission, examine_safely
from cds_batch.district.interning import Shared

# A template workbook reads in milliseconds and a 50 MB legacy .xls in a few seconds; a file still
# being read after a minute is stuck (or hostile), and the office should not wait on it.
FILE_SECONDS = 60.0
POLL_SECONDS = 0.2   # how often the board is looked at while waiting
IDLE = -1
# With the default number of jobs, fewer workbooks than this are read in-process: starting a
# "spawn" worker costs about a second, more than reading 50 workbooks (sample inbox, 2-core VM).
SERIAL_BELOW = 50


class Board:
    """Per worker slot: the index of the entry it is reading (IDLE between files), in shared memory."""

    def __init__(self, jobs: int) -> None:
        mp = get_context("spawn")
        self.reading = mp.Array("q", [IDLE] * jobs, lock=False)
        self.next_slot = mp.Value("i", 0)

    def busy(self) -> dict[int, int]:
        """slot → entry index, for the slots reading a file now."""
        return {slot: index for slot, index in enumerate(self.reading) if index != IDLE}


@dataclass(frozen=True)
class Workers:
    pool: ProcessPoolExecutor
    jobs: int
    board: Board


@contextmanager
def worker_pool(ctx: Context, jobs: int) -> Iterator[Workers | None]:
    """A pool of `jobs` "spawn" workers holding `ctx`, started at once (so they start while the
    caller discovers the inbox); None for one job."""
    if jobs <= 1:
        yield None
        return
    with _pool(ctx, jobs) as workers:
        # A "spawn" pool starts one worker per task submitted while none is idle: one task each starts
        # them all now, not the last one when the first files are read (half a second later).
        for _ in range(jobs):
            workers.pool.submit(_ready)
        yield workers


@contextmanager
def _pool(ctx: Context, jobs: int) -> Iterator[Workers]:
    board = Board(jobs)
    # `_init_worker` is looked up at each call, so a test can stand in for it.
    with spawn_pool(jobs, _init_worker, (ctx, board)) as pool:
        try:
            yield Workers(pool, jobs, board)
        except BaseException:
            _kill(pool)   # Ctrl+C or a failure: the files not started yet are dropped
            raise


_CONTEXT: Context | None = None
_BOARD: Board | None = None
_SLOT = 0


def _init_worker(ctx: Context, board: Board) -> None:
    global _CONTEXT, _BOARD, _SLOT
    _CONTEXT, _BOARD = ctx, board
    with board.next_slot.get_lock():
        _SLOT = board.next_slot.value
        board.next_slot.value += 1


def _ready() -> None:
    """A task that does nothing, to start the workers."""


def _examine_chunk(chunk: Sequence[tuple[int, Entry]]) -> list[Submission]:
    assert _CONTEXT is not None and _BOARD is not None
    done = []
    for index, entry in chunk:
        _BOARD.reading[_SLOT] = index
        done.append(examine_safely(entry, _CONTEXT))
        _BOARD.reading[_SLOT] = IDLE
    return done


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now, mid-file if need be, and drop the files not started."""
    processes: dict[Any, Any] = getattr(pool, "_processes", None) or {}   # kill_workers() from Python 3.14
    for process in list(processes.values()):
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def examine_all(entries: Sequence[Entry], ctx: Context, jobs: int | None = None,
                on_done: Callable[[Submission], None] | None = None,
                workers: Workers | None = None, file_seconds: float = FILE_SECONDS) -> list[Submission]:
    """`examine` every entry, in the entries' order: over `workers` when given, else over `jobs`
    processes (see `default_jobs`; one reads in this process, without the time limit).

    :param on_done: called in this process after each entry, for a progress bar.
    :param file_seconds: a file read for longer than this in the pool ends as unreadable.
    """
    shared = Shared()

    def report(s: Submission) -> Submission:
        s = shared(s)
        if on_done is not None:
            on_done(s)
        return s

    if workers is None:
        jobs = min(default_jobs(jobs, len(entries)), len(entries))
        if jobs <= 1:
            return [report(examine_safely(e, ctx)) for e in entries]
    pool_jobs = workers.jobs if workers is not None else jobs or 1
    done: dict[int, Submission] = {}
    todo = list(range(len(entries)))
    while todo:
        before = len(done)
        if workers is not None:
            trouble = _read(workers, entries, todo, done, report, file_seconds)
            workers = None   # a pool given by the caller serves one pass; a fresh one after trouble
        else:
            with _pool(ctx, min(pool_jobs, len(todo))) as fresh:
                trouble = _read(fresh, entries, todo, done, report, file_seconds)
        suspects = trouble.suspects if trouble is not None else ()
        if trouble is not None and len(done) == before and not suspects:
            raise RuntimeError("the reading pool broke with no file in flight")   # e.g. workers cannot start
        for i in suspects:   # each alone in a one-worker pool: a crash there names its file
            with _pool(ctx, 1) as alone:
                _read(alone, entries, [i], done, report, file_seconds)
        todo = [i for i in todo if i not in done]
    return [done[i] for i in range(len(entries))]


@dataclass(frozen=True)
class _Trouble:
    suspects: tuple[int, ...]   # in flight when a worker died among others: to be read again alone


def _read(workers: Workers, entries: Sequence[Entry], todo: Sequence[int], done: dict[int, Submission],
          report: Callable[[Submission], Submission], file_seconds: float) -> _Trouble | None:
    """Read `todo` over `workers` into `done`. On a stuck file or a dead worker: end the file if it is
    known, kill the pool and return; the caller reads what is left in a fresh pool."""
    # Chunks of up to 64 entries: few enough round trips for a province, small enough that the
    # workers finish together and the progress bar moves.
    size = max(1, min(64, len(todo) // (workers.jobs * 16)))
    chunks = {workers.pool.submit(_examine_chunk, [(i, entries[i]) for i in todo[n:n + size]]):
              todo[n:n + size] for n in range(0, len(todo), size)}
    pending: set[Future[list[Submission]]] = set(chunks)
    since: dict[tuple[int, int], float] = {}   # (slot, index) → when first seen reading it
    while pending:
        finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        busy = workers.board.busy()
        for future in finished:
            try:
                results = future.result()
            except BrokenProcessPool:
                return _crashed(workers, entries, busy, done, report)
            for index, s in zip(chunks.pop(future), results):
                done[index] = report(s)
        now = time.monotonic()
        since = {key: since.get(key, now) for key in busy.items()}
        stuck = [index for (_, index), start in since.items() if now - start > file_seconds]
        if stuck:
            _kill(workers.pool)
            for index in stuck:
                done[index] = report(_ended(entries[index], _stuck_reason(file_seconds)))
            return _Trouble(())
    return None


def _crashed(workers: Workers, entries: Sequence[Entry], busy: dict[int, int], done: dict[int, Submission],
             report: Callable[[Submission], Submission]) -> _Trouble:
    _kill(workers.pool)
    in_flight = tuple(sorted(set(busy.values()) - set(done)))
    if len(in_flight) == 1:
        done[in_flight[0]] = report(_ended(entries[in_flight[0]], _CRASH_REASON))
        return _Trouble(())
    return _Trouble(in_flight)


def _ended(entry: Entry, reason: str) -> Submission:
    return Submission(entry, Fate.UNREADABLE, reason, stopped=True)


def _stuck_reason(seconds: float) -> str:
    return (f"Đọc tệp này quá {seconds:g} giây nên đã dừng (tệp có thể hỏng hoặc quá lớn); hãy mở tệp bằng Excel, "
            "lưu lại dạng .xlsx rồi gửi lại.")


_CRASH_REASON = ("Tiến trình đọc tệp này bị dừng đột ngột (tệp có thể hỏng hoặc quá lớn so với bộ nhớ máy); hãy mở "
                 "tệp bằng Excel, lưu lại dạng .xlsx rồi gửi lại, và báo cho người hỗ trợ kèm tệp.")


def default_jobs(jobs: int | None, count: int) -> int:
    """The processes to read `count` workbooks with: `jobs` as asked, else the cores, or one (in-process)
    below SERIAL_BELOW workbooks."""
    if jobs is not None:
        return jobs
    return 1 if count < SERIAL_BELOW else os.cpu_count() or 1
