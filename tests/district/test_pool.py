"""The reading pool against a reader that hangs or dies: the run finishes, every file is in the
ledger, the file at fault says why, every other file reads as it would have, inputs untouched.

The trouble is made by `pool_hooks`, which stands in for the worker initializer (workers are
"spawn" processes, so patching this process would not reach them).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cds_batch.district import pool
from cds_batch.intake.discover import Fate, discover, private_workdir
from cds_batch.checking.examine import Context
from cds_batch.district.limits import RunLimits
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.pipeline.district_run import RunOptions, default_rubrics, run_district

from tests import pool_hooks
from tests.builders.archives import xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
ROSTER = load_roster(ROOT / "samples" / "danh-sach-truong.csv")
RUBRICS = default_rubrics((), load_rubric, builtin_ids())
ROUND = json.loads((ROOT / "samples" / "inbox-plan.json").read_text(encoding="utf-8"))["round"]


def hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    """The bundled district inbox plus two workbooks the stand-in reader hangs on and dies on."""
    folder = tmp_path / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", folder)
    (folder / "treo.xlsx").write_bytes(xlsx_bytes("treo"))
    (folder / "email 22-10" / "chet.xlsx").write_bytes(xlsx_bytes("chet"))
    return folder


def run(inbox: Path, out: Path, jobs: int) -> list[dict[str, object]]:
    run_district(RunOptions((inbox,), ROSTER, RUBRICS, out, ROUND, jobs=jobs, limits=RunLimits(file_seconds=1.0)))
    return json.loads((out / "ledger.json").read_text(encoding="utf-8"))


def test_a_hanging_and_a_dying_reader_end_their_files_only(inbox: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = hashes(inbox)
    calm = {r["source"]: r for r in run(inbox, tmp_path / "calm", jobs=1)}
    monkeypatch.setattr(pool, "_init_worker", pool_hooks.init_with_trouble)
    troubled = {r["source"]: r for r in run(inbox, tmp_path / "troubled", jobs=2)}

    assert troubled.keys() == calm.keys()
    hung, died = troubled.pop("inbox/treo.xlsx"), troubled.pop("inbox/email 22-10/chet.xlsx")
    assert (hung["fate"], died["fate"]) == ("unreadable", "unreadable")
    assert str(hung["reason"]).startswith("Đọc tệp này quá 1 giây nên đã dừng")
    assert str(died["reason"]).startswith("Tiến trình đọc tệp này bị dừng đột ngột")
    assert troubled == {source: row for source, row in calm.items() if source in troubled}
    assert hashes(inbox) == before


def test_a_worker_killed_among_many_files_ends_only_its_file(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_init_worker", pool_hooks.init_with_trouble)
    (inbox / "treo.xlsx").unlink()
    with private_workdir() as work:
        entries = [e for e in discover([inbox], work) if e.fate is None]
        done = pool.examine_all(entries, Context(RUBRICS, ROSTER, ROUND), jobs=2)
    assert [s.entry for s in done] == entries
    ended = [s.entry.name for s in done if s.fate is Fate.UNREADABLE]
    assert ended == ["chet.xlsx"]
    assert sum(s.result is not None for s in done) > 20


def test_workers_that_cannot_start_stop_the_run_instead_of_looping(
        inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_init_worker", pool_hooks.init_that_fails)
    with private_workdir() as work:
        entries = [e for e in discover([inbox], work) if e.fate is None]
        with pytest.raises(RuntimeError, match="no file in flight"):
            pool.examine_all(entries, Context(RUBRICS, ROSTER, ROUND), jobs=2)
