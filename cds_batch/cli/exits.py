"""CLI, exits: how a failure becomes a Vietnamese message and an exit code.

Exit codes: 0 done (no error), 1 done but something needs fixing (a rubric with errors, …),
2 usage error (click), 3 could not run (missing input, output not writable), 70 internal error.
In: click's usage errors, an unexpected exception and the command's arguments.
Out: the message on standard error (an internal error's details in a crash log) and the exit.
"""
from __future__ import annotations

import ast
import re
import sys
import traceback
from pathlib import Path
from typing import NoReturn, Sequence

import click

from cds_batch.pipeline.failures import internal_error_message, write_crash_log

EXIT_OK, EXIT_NEEDS_FIX, EXIT_USAGE, EXIT_CANNOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3, 70


# Click's message for a path option or argument that fails `exists=True` ("Path 'x' does not exist.").
_NO_PATH = re.compile(r"\w+ (.+) (does not exist|is not readable)\.")


def usage_failed(usage: click.ClickException) -> NoReturn:
    """Exit 3 for an input path that is not there (could not run), 2 for any other usage error."""
    param = usage.param if isinstance(usage, click.BadParameter) else None
    match = _NO_PATH.fullmatch(usage.message) if param is not None and isinstance(param.type, click.Path) else None
    if match is None:
        usage.show()
        sys.exit(EXIT_USAGE if isinstance(usage, click.UsageError) else EXIT_CANNOT_RUN)
    try:
        path = str(ast.literal_eval(match.group(1)))   # click quotes the path with repr()
    except (ValueError, SyntaxError):
        path = match.group(1)
    what = "không tìm thấy" if match.group(2) == "does not exist" else "không đọc được"
    click.echo(f"Không thể chạy: {what} '{path}'. Hãy kiểm tra lại đường dẫn.", err=True)
    sys.exit(EXIT_CANNOT_RUN)


def internal_error(bug: Exception, args: Sequence[str], *, debug: bool) -> NoReturn:
    """Exit 70 with a Vietnamese message naming the log file that holds the details (the traceback
    only on the console with --debug): an office can mail the log without re-running anything."""
    if debug:
        traceback.print_exc()
    log = write_crash_log(args, [_out_folder(args)])
    click.echo(internal_error_message(bug, log), err=True)
    sys.exit(EXIT_INTERNAL)


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
