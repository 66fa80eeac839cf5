"""Documentation that is tested: every command has Vietnamese help ending in an example and a README
mention; every finding code and exit code is listed in the README."""
from __future__ import annotations

from pathlib import Path

import click
import pytest

from cds_batch.cli import cli
from cds_batch.findings import Code

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name, command", list(commands(cli)))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, command):
    assert command.help and "Ví dụ: cds-batch" in command.help.strip().splitlines()[-1]
    assert f"cds-batch {name}" in README


@pytest.mark.parametrize("code", list(Code), ids=lambda c: c.name)
def test_every_finding_code_is_in_the_readme(code):
    assert f"| {code.name} |" in README


def test_exit_codes_are_documented():
    for code in ("0", "1", "2", "3", "70"):
        assert f"| {code} |" in README
