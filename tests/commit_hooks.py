"""A `cds-batch` process that stops at a chosen point of its writing phase, for test_commit to interrupt there.

`python -m tests.commit_hooks POINT MARKER ARGS…` runs `cds-batch ARGS…`; at POINT it writes its process
id into the file MARKER and sleeps, so the test knows the moment has come and sends its signal:
  writing  the summary is about to be written (feedback files are being staged meanwhile);
  commit   every output is staged, the journal not yet written;
  journal  the journal is written, no file moved yet (a power cut there).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from cds_batch.core import commit
from cds_batch.pipeline import district_run


def _pause(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(3600)


def main(point: str, marker: str, args: Sequence[str]) -> None:
    if point == "writing":
        real_summary = district_run.write_summary

        def write_summary(*a: Any, **k: Any) -> None:
            _pause(marker)
            real_summary(*a, **k)
        district_run.write_summary = write_summary
    elif point == "commit":
        real_commit = commit.Staging.commit

        def staged_commit(self: commit.Staging) -> None:
            _pause(marker)
            real_commit(self)
        commit.Staging.commit = staged_commit   # type: ignore[method-assign]
    elif point == "journal":
        real_roll = commit.roll_forward

        def roll_forward(out: Path) -> bool:
            if (out / commit.JOURNAL).exists():
                _pause(marker)
            return real_roll(out)
        commit.roll_forward = roll_forward
    else:
        raise SystemExit(f"unknown point {point!r}")
    from cds_batch.cli import main as cli_main
    cli_main(list(args))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
