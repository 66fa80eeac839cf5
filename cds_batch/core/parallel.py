"""Core, parallel: the process pool every batch writer uses, written once.

In: a top-level function, its tasks, the number of jobs asked for (None: choose) and what each
worker needs set once (an initializer and its picklable arguments).
Out: the function's results in the tasks' order, from "spawn" worker processes (as on Windows) or,
for a small batch, from this process; a failure (or Ctrl+C) cancels the tasks not started yet. The
workers never act on Ctrl+C themselves (a terminal sends it to every process of the command): this
process stops them, and no worker prints a traceback.
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def pool_size(jobs: int | None, tasks: int, serial_below: int) -> int:
    """The processes to run `tasks` over: 1 means in this process.

    :param jobs: as asked; None gives the cores, or 1 for fewer than `serial_below` tasks (starting
        "spawn" workers costs a new interpreter and its imports). An explicit `jobs` > 1 always uses
        a pool, of at most one worker per task.
    """
    if jobs is None:
        jobs = 1 if tasks < serial_below else os.cpu_count() or 1
    return 1 if tasks < 2 else max(1, min(jobs, tasks))


class _DeafProcess(SpawnProcess):
    """A "spawn" process started with Ctrl+C (SIGINT) blocked: it inherits the blocked signal and Python
    keeps it blocked, from the first import on (an initializer would come too late)."""

    def start(self) -> None:
        if not hasattr(signal, "pthread_sigmask"):   # Windows: a console's Ctrl+C is its own matter
            super().start()
            return
        before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)   # a Ctrl+C meanwhile reaches this process now


class _DeafContext(SpawnContext):
    Process = _DeafProcess


def spawn_pool(workers: int, initializer: Callable[..., None] | None = None,
               initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A pool of `workers` "spawn" processes: the start method Windows has, so a run behaves the
    same on the office's PC as in the tests (no state inherited by forking)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_DeafContext(), initializer=initializer,
                               initargs=initargs)


def spawn_map(fn: Callable[[T], R], tasks: Sequence[T], *, workers: int, max_chunk: int,
              initializer: Callable[..., None], initargs: tuple[Any, ...]) -> Iterator[R]:
    """`fn` of each task, in order, over `workers` "spawn" processes each set up by `initializer(*initargs)`.

    Tasks go to workers in chunks of at most `max_chunk`, and at least four chunks per worker, so that
    the workers finish together. The pool lives while the results are read; a failure in a worker,
    here or in the reader (Ctrl+C) stops the tasks not started yet.
    """
    chunk = max(1, min(max_chunk, len(tasks) // (4 * workers)))
    with spawn_pool(workers, initializer, initargs) as pool:
        try:
            yield from pool.map(fn, tasks, chunksize=chunk)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
