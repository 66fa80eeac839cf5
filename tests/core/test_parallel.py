"""core.parallel: how many processes a batch gets, and the spawn pool's order and failure."""
from __future__ import annotations

import pytest

from cds_batch.core import parallel
from cds_batch.core.parallel import pool_size, spawn_map

from tests import parallel_hooks


@pytest.mark.parametrize("jobs, tasks, serial_below, cores, expected", [
    (None, 9, 10, 4, 1),     # a small batch stays in-process
    (None, 10, 10, 4, 4),    # a big one gets the cores
    (None, 3, 2, 8, 3),      # never more workers than tasks
    (2, 3, 100, 8, 2),       # an explicit number is kept, even for a small batch
    (4, 1, 0, 8, 1),         # one task is never worth a pool
    (1, 500, 10, 8, 1),
])
def test_pool_size(monkeypatch, jobs, tasks, serial_below, cores, expected):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: cores)
    assert pool_size(jobs, tasks, serial_below) == expected


def test_spawn_map_keeps_the_order_and_sets_each_worker_up(monkeypatch):
    chunks: list[int] = []
    real = parallel.ProcessPoolExecutor

    class Recording(real):  # type: ignore[misc, valid-type]
        def map(self, fn, *iterables, timeout=None, chunksize=1):  # type: ignore[no-untyped-def]
            chunks.append(chunksize)
            return super().map(fn, *iterables, timeout=timeout, chunksize=chunksize)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Recording)
    tasks = list(range(40))
    got = list(spawn_map(parallel_hooks.add_offset, tasks, workers=2, max_chunk=3,
                         initializer=parallel_hooks.set_offset, initargs=(100,)))
    assert got == [100 + t for t in tasks]
    assert chunks == [3]   # 40 tasks // (4 × 2 workers) = 5, capped at 3


def test_spawn_map_raises_a_worker_failure():
    with pytest.raises(ValueError, match="task 3"):
        list(spawn_map(parallel_hooks.fail_on_three, [1, 2, 3, 4], workers=2, max_chunk=1,
                       initializer=parallel_hooks.set_offset, initargs=(0,)))
