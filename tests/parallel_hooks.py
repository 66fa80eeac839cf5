"""Top-level functions for test_parallel's "spawn" workers (pickled by name, so not in the test module)."""
from __future__ import annotations

_OFFSET: int | None = None


def set_offset(offset: int) -> None:
    global _OFFSET
    _OFFSET = offset


def add_offset(task: int) -> int:
    assert _OFFSET is not None, "set_offset was not called in this worker"
    return _OFFSET + task


def fail_on_three(task: int) -> int:
    if task == 3:
        raise ValueError(f"task {task}")
    return task
