"""Background jobs: one thread per round's district run, its progress kept here for the page to ask.

In: a key (the round's folder name) and the work, a function of a `run.Progress` (the same callbacks
the command line's progress bar gets) that returns a line to show when it is done, and raises
`JobFailed` with a Vietnamese message when it cannot finish.
Out: a `JobState` per key, which the status endpoint sends as JSON. The state lives in the server
process, not in a page: a refresh, a second tab or another browser sees the same run, and a second
run of a round whose run is still going is refused (`Busy`), and so is a run while files are being
saved into the round's inbox (`Uploading`), and an upload while the round runs. A restart of the server forgets the
states; what the runs wrote stays on disk, and a run killed while writing (the server killed, the machine
off) shows as `interrupted` (`stopped`), its output folder as the previous complete run left it.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from cds_batch.pipeline.district_run import Progress

DISCOVER, READ, WRITE = "discover", "read", "write"
RUNNING, DONE, FAILED, INTERRUPTED = "running", "done", "failed", "interrupted"


class Busy(Exception):
    """The round already has a run going."""


class Uploading(Exception):
    """Files are being saved into the round's inbox: a run now would read only some of them."""


class JobFailed(Exception):
    """The work could not finish; the message is Vietnamese and shown as it is."""


@dataclass(frozen=True)
class JobState:
    key: str
    state: str = RUNNING
    phase: str = DISCOVER
    total: int = 0              # workbooks to read, once the inbox has been walked
    done: int = 0
    started: float = 0.0
    finished: float | None = None
    message: str = ""           # when done: what was done; when failed: why

    @property
    def text(self) -> str:
        """The Vietnamese line under the progress bar."""
        if self.state != RUNNING:
            return self.message
        if self.phase == DISCOVER:
            return "Đang tìm các tệp trong hộp thư (kể cả trong tệp nén và thư)…"
        if self.phase == READ:
            return f"Đang đọc, kiểm tra và chấm: {self.done}/{self.total} bảng tính"
        return "Đang ghi bảng tổng hợp, phản hồi cho các trường và bảng đánh giá ngoài…"

    def as_json(self) -> dict[str, object]:
        percent = 100 if self.state == DONE else (
            5 if self.phase == DISCOVER else 95 if self.phase == WRITE else 5 + 90 * self.done // max(self.total, 1))
        return {"key": self.key, "state": self.state, "phase": self.phase, "done": self.done, "total": self.total,
                "percent": percent, "text": self.text, "seconds": round((self.finished or time.time()) - self.started)}


def stopped(key: str, when: float, message: str) -> JobState:
    """The state of a run of `key` that was killed at `when` (no server saw it end), with the page's notice."""
    return JobState(key, state=INTERRUPTED, started=when, finished=when, message=message)


class Jobs:
    """The jobs of this server, by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, JobState] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._receiving: Counter[str] = Counter()   # uploads into each key's inbox under way

    def get(self, key: str) -> JobState | None:
        with self._lock:
            return self._states.get(key)

    def running(self, key: str) -> bool:
        state = self.get(key)
        return state is not None and state.state == RUNNING

    def start(self, key: str, work: Callable[[Progress], str]) -> JobState:
        """Start `work` in a thread of its own; Busy when a job of `key` is still running, Uploading
        while files are being saved for it."""
        with self._lock:
            if key in self._states and self._states[key].state == RUNNING:
                raise Busy(key)
            if self._receiving[key]:
                raise Uploading(key)
            state = self._states[key] = JobState(key, started=time.time())
            # Not a daemon: stopping the server waits for a run to finish writing its outputs.
            thread = self._threads[key] = threading.Thread(target=self._run, args=(key, work), name=f"cds-run-{key}")
        thread.start()
        return state

    @contextmanager
    def receiving(self, key: str) -> Iterator[None]:
        """Mark files being saved for `key` while the block runs; Busy (nothing marked) while it runs."""
        with self._lock:
            if key in self._states and self._states[key].state == RUNNING:
                raise Busy(key)
            self._receiving[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._receiving[key] -= 1

    def wait(self, key: str, timeout: float | None = None) -> JobState | None:
        """Wait for the job of `key` to end (for tests and for a server stopping)."""
        thread = self._threads.get(key)
        if thread is not None:
            thread.join(timeout)
        return self.get(key)

    def any_running(self) -> bool:
        with self._lock:
            return any(s.state == RUNNING for s in self._states.values())

    def wait_all(self) -> None:
        """Wait for every job still running (a server stopping lets runs finish writing)."""
        for thread in list(self._threads.values()):
            thread.join()

    def _update(self, key: str, **changes: object) -> None:
        with self._lock:
            self._states[key] = replace(self._states[key], **changes)   # type: ignore[arg-type]

    def _run(self, key: str, work: Callable[[Progress], str]) -> None:
        def start(total: int) -> None:
            self._update(key, phase=READ if total else WRITE, total=total)

        def step(_: object) -> None:
            with self._lock:
                s = self._states[key]
                done = s.done + 1
                self._states[key] = replace(s, done=done, phase=WRITE if done >= s.total else READ)

        try:
            message = work(Progress(start, step))
        except JobFailed as failed:
            self._update(key, state=FAILED, message=str(failed), finished=time.time())
        except Exception:   # noqa: BLE001 - `work` turns errors into JobFailed; this is the last line of defence
            self._update(key, state=FAILED, finished=time.time(),
                         message="Lỗi nội bộ của cds-batch khi chạy đợt này; hãy chạy lại hoặc báo người hỗ trợ.")
        else:
            self._update(key, state=DONE, message=message, finished=time.time())
