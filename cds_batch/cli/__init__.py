"""The command line: the only package that prints or exits (`cds-batch`, `python -m cds_batch`).

`commands` holds the click commands, `console` what they show, `exits` how a failure becomes a
message and an exit code; `main` here runs them.
"""
from __future__ import annotations

import sys
from typing import Sequence

import click

from cds_batch.cli.commands import cli
from cds_batch.cli.console import echo_findings, use_utf8
from cds_batch.cli.exits import (
    EXIT_CANNOT_RUN, EXIT_NEEDS_FIX, internal_error, interrupted, stop_on_sigterm, usage_failed
)
from cds_batch.core.errors import CdsBatchError, RubricError
from cds_batch.core.findings import Finding
from cds_batch.pipeline.failures import cannot_run_message

__all__ = ["cli", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning every failure into a Vietnamese message and an exit code."""
    use_utf8()
    args = list(argv) if argv is not None else sys.argv[1:]
    with stop_on_sigterm():
        _main(args)


def _main(args: list[str]) -> None:
    try:
        code = cli.main(args=args, prog_name="cds-batch", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort as abort:   # click turns Ctrl+C (and SIGTERM, `stop_on_sigterm`) into Abort
        if isinstance(abort.__cause__, KeyboardInterrupt):
            interrupted(abort.__cause__, args)
        click.echo("Đã dừng.", err=True)
        sys.exit(EXIT_NEEDS_FIX)
    except KeyboardInterrupt as stop:
        interrupted(stop, args)
    except click.ClickException as usage:
        usage_failed(usage)
    except RubricError as bad:
        echo_findings([f for f in bad.findings if isinstance(f, Finding)])
        click.echo(str(bad), err=True)
        sys.exit(EXIT_NEEDS_FIX)
    except (CdsBatchError, OSError) as cannot:
        click.echo(cannot_run_message(cannot), err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except Exception as bug:  # the last line of defence: no traceback for users unless asked for
        internal_error(bug, args, debug="--debug" in args)
    if isinstance(code, int) and code:   # click hands back the code of an Exit it caught
        sys.exit(code)
