"""Stand-ins for the reading pool's worker initializer, to make a reader hang or die on cue.

They run inside the "spawn" workers (pickled by name), so they patch the worker's own modules:
a file whose name starts with "treo" (hangs) never finishes reading, one starting with "chet"
(dies) kills its worker mid-file, as a crash inside a native reader or the system's out-of-memory
killer would.
"""
from __future__ import annotations

import os
import signal
import time

from cds_batch.checking import examine as intake
from cds_batch.district import pool


def init_with_trouble(ctx: intake.Context, board: pool.Board) -> None:
    pool._init_worker(ctx, board)
    real = intake.examine

    def examine(entry: intake.Entry, ctx: intake.Context) -> intake.Submission:
        if entry.name.startswith("treo"):
            time.sleep(3600)
        if entry.name.startswith("chet"):
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        return real(entry, ctx)

    intake.examine = examine


def init_that_fails(ctx: intake.Context, board: pool.Board) -> None:
    raise RuntimeError("this worker cannot start")
