"""CLI, exits: how a failure becomes a Vietnamese message and an exit code.

Exit codes: 0 done (no error), 1 done but something needs fixing (a rubric with errors, …),
2 usage error (click), 3 could not run (missing input, output not writable), 70 internal error,
130 stopped by the user (Ctrl+C or SIGTERM; the shells' 128 + SIGINT).
In: click's usage errors, an unexpected exception, a stop, and the command's arguments.
Out: the message on standard error (an internal error's details in a crash log) and the exit.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Iterator, NoReturn, Sequence

import click

from cds_batch.core.commit import StoppedAfterCommit, committed_here
from cds_batch.pipeline.failures import internal_error_message, stopped_message, write_crash_log

EXIT_OK, EXIT_NEEDS_FIX, EXIT_USAGE, EXIT_CANNOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3, 70
EXIT_INTERRUPTED = 130
_COMMITTING = ("run", "province")   # the commands whose outputs are committed together (`core.commit`)


def usage_failed(usage: click.ClickException) -> NoReturn:
    """Exit 3 for a path that cannot be used as given (not there, not readable, a file where a folder is
    wanted or the other way round: could not run), 2 for any other usage error. click's texts are
    Vietnamese (`click_vi`); a missing option is followed by its help line, which says what to give."""
    refused = _refused_path(usage)
    if refused is not None:
        where = f" Đường dẫn này được ghi sau {refused.opts[0]}." if isinstance(refused, click.Option) else ""
        click.echo(f"Không thể chạy: {usage.message}{where}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    usage.show()
    if isinstance(usage, click.MissingParameter) and isinstance(usage.param, click.Option) and usage.param.help:
        record = usage.param.get_help_record(usage.ctx) if usage.ctx is not None else None
        click.echo(f"{record[0] if record else usage.param.opts[0]}: {usage.param.help}", err=True)
    sys.exit(EXIT_USAGE if isinstance(usage, click.UsageError) else EXIT_CANNOT_RUN)


def _refused_path(usage: click.ClickException) -> click.Parameter | None:
    """The path option or argument whose value click's Path type refused (one left out is a usage error)."""
    if isinstance(usage, click.BadParameter) and not isinstance(usage, click.MissingParameter):
        if usage.param is not None and isinstance(usage.param.type, click.Path):
            return usage.param
    return None


def internal_error(bug: Exception, args: Sequence[str], *, debug: bool) -> NoReturn:
    """Exit 70 with a Vietnamese message naming the log file that holds the details (the traceback
    only on the console with --debug): an office can mail the log without re-running anything."""
    if debug:
        traceback.print_exc()
    log = write_crash_log(args, [_out_folder(args)])
    click.echo(internal_error_message(bug, log), err=True)
    sys.exit(EXIT_INTERNAL)


def interrupted(stop: BaseException, args: Sequence[str]) -> NoReturn:
    """Exit 130 saying what the stopped command left in its output folder."""
    command = next((a for a in args if not a.startswith("-")), "")
    out = _out_folder(args)
    committed = isinstance(stop, StoppedAfterCommit) or (out is not None and committed_here(out))
    click.echo(stopped_message(out, commits=command in _COMMITTING, committed=committed), err=True)
    sys.exit(EXIT_INTERRUPTED)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM (a service manager, `kill`) stops the command as Ctrl+C does: the same
    cleanup, exit and message. Only this process: a worker process it starts runs no such handler."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        yield
        return
    main = os.getpid()

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() == main:
            raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before if before is not None else signal.SIG_DFL)


def _out_folder(args: Sequence[str]) -> Path | None:
    """The folder given with --out; for `rubric export`, whose --out is a file, the file's folder."""
    for n, arg in enumerate(args):
        if arg == "--out" and n + 1 < len(args):
            value = args[n + 1]
        elif arg.startswith("--out="):
            value = arg.removeprefix("--out=")
        else:
            continue
        exporting = any(a == "rubric" and b == "export" for a, b in zip(args, args[1:]))
        return Path(value).parent if exporting else Path(value)
    return None
