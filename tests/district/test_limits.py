"""`--limit NAME=VALUE`: every safety limit can be changed from the command line, by the names the
README's table lists, and a changed limit reaches the stage that applies it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cds_batch.intake.discover import Limits
from cds_batch.core.errors import CdsBatchError
from cds_batch.district.limits import LIMITS, RunLimits, parse_limits
from cds_batch.reading.package import ReadLimits

from tests.hostile_helpers import build_inbox
from tests.builders.archives import nested_zip
from tests.pipeline.test_hostile_outputs import run_main


def test_no_pairs_are_the_defaults_and_each_name_sets_its_own_field() -> None:
    assert parse_limits(()) == RunLimits(Limits(), ReadLimits(), 60.0)
    changed = parse_limits([f"{limit.name}={limit.default() * 2:g}" for limit in LIMITS])
    for limit in LIMITS:
        part = getattr(changed, limit.part)
        value = getattr(part, limit.attr) if limit.attr else part
        assert value / limit.unit == limit.default() * 2, limit.name


@pytest.mark.parametrize("pair, says", [
    ("khong-co=3", "Không có giới hạn 'khong-co'"),
    ("file-seconds=abc", "phải là một số dương"),
    ("sheet-rows=-5", "phải là một số dương"),
    ("sheet-rows", "phải là một số dương"),
])
def test_a_wrong_pair_is_named(pair: str, says: str) -> None:
    with pytest.raises(CdsBatchError, match=says):
        parse_limits([pair])


def test_a_wrong_pair_on_the_command_line_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = build_inbox(tmp_path)
    code, _, err = run_main(inbox.args("--limit", "archive-depht=2"), capsys)
    assert code == 2 and "Không có giới hạn 'archive-depht'" in err


def test_a_limit_typed_on_the_command_line_reaches_discovery(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    inbox = build_inbox(tmp_path)
    (inbox.folder / "long.zip").write_bytes(nested_zip(2, b"PK not really"))
    code, _, _ = run_main(inbox.args(), capsys)
    assert code in (0, 1)
    fates = {r["source"]: r["fate"] for r in json.loads((inbox.out / "ledger.json").read_text(encoding="utf-8"))}
    assert fates["hop-thu/long.zip!tang2.zip"] == "container"
    code, _, _ = run_main(inbox.args("--limit", "archive-depth=1"), capsys)
    fates = {r["source"]: r["fate"] for r in json.loads((inbox.out / "ledger.json").read_text(encoding="utf-8"))}
    assert fates["hop-thu/long.zip!tang2.zip"] == "rejected"


def test_the_readme_lists_every_limit_with_its_default() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for limit in LIMITS:
        assert f"| `{limit.name}` | {limit.default():,.0f} |" in readme, limit.name


def test_a_read_limit_typed_on_the_command_line_reaches_the_reader(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    inbox = build_inbox(tmp_path, hostile=False)
    code, _, _ = run_main(inbox.args("--limit", "sheet-rows=20"), capsys)
    ledger = json.loads((inbox.out / "ledger.json").read_text(encoding="utf-8"))
    workbooks = [r for r in ledger if r["kind"] == "xlsx"]
    assert code == 1 and workbooks and all(r["fate"] == "unreadable" for r in workbooks)
    assert all("20" in r["reason"] for r in workbooks)
