"""Shared fixtures: rubrics written inline as YAML, so a test shows the rubric it is about."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cds_batch.rubric import check_file, load_rubric
from cds_batch.rubric.model import Rubric

MINIMAL_HEAD = """\
id: test-rubric
name: Bộ chỉ số thử
version: "1"
"""


def rubric_file(tmp_path: Path, body: str, name: str = "rubric.yaml") -> Path:
    """Write `body` (indented freely) after a minimal header and return the file."""
    path = tmp_path / name
    path.write_text(MINIMAL_HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture
def write_rubric(tmp_path: Path):
    return lambda body, name="rubric.yaml": rubric_file(tmp_path, body, name)


@pytest.fixture
def checked(tmp_path: Path):
    """Check a YAML snippet; return [(code, line), …] of its findings and the rubric (or None)."""

    def run(body: str):
        rubric, findings = check_file(rubric_file(tmp_path, body))
        return rubric, [(f.code.name, f.line) for f in findings], findings

    return run


@pytest.fixture(scope="session")
def national() -> Rubric:
    return load_rubric("qd4725-phothong")


@pytest.fixture(scope="session")
def quan7() -> Rubric:
    return load_rubric("quan7-mamnon-2023")
