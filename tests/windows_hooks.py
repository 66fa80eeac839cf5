"""A `cds-batch` process on a simulated Windows where Excel holds one output open, for the CLI tests.

`python -m tests.windows_hooks HELD ARGS…` runs `cds-batch ARGS…` with the file HELD refused as
`tests.windows_helpers.excel_holds` refuses it (from before the run: the commit's check finds it).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.windows_helpers import excel_holds


def main(held: str, args: list[str]) -> None:
    excel_holds(pytest.MonkeyPatch(), Path(held))
    from cds_batch.cli import main as cli_main
    cli_main(args)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
