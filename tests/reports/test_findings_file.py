"""findings.json: the summary's "Cần sửa" facts as rows, every other finding and every ledger entry not used."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from cds_batch.district.consolidate import District
from cds_batch.intake.discover import Fate
from cds_batch.pipeline.district_run import RunOptions, default_rubrics, run_district
from cds_batch.reports.contract import LEDGER
from cds_batch.reports.contract import FINDINGS as FINDINGS_FILE
from cds_batch.reports.findings_file import findings_rows, fix_cells, write_findings
from cds_batch.reports.tables import fix_table
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.reading.roster_file import load_roster

from tests.district_fixtures import district
from tests.builders.archives import xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["kind", "school_code", "school_name", "file", "sheet", "cell", "code", "severity", "message", "value", "fate",
        "reason", "to_fix"]


def fix_list(rows: list[dict]) -> list[tuple[str, ...]]:
    return [fix_cells(r) for r in rows if r["to_fix"]]


def sheet_rows(d: District) -> list[tuple[object, ...]]:
    return [tuple(cells) for cells in fix_table(d).rows]


def test_the_fix_rows_are_the_summary_sheet_rows_in_its_order():
    d = district()
    rows = findings_rows(d)
    assert fix_list(rows) == sheet_rows(d)
    assert all(list(r) == KEYS for r in rows)


def test_every_finding_of_every_submission_is_a_row():
    d = district()
    read = [s for row in d.schools if row.used is not None for s in (row.used, *row.superseded)] + list(d.unplaced)
    findings = [r for r in findings_rows(d) if r["kind"] == "finding"]
    assert sorted((r["file"], r["code"], r["message"]) for r in findings) == \
        sorted((f.file or s.entry.source, f.code.name, f.message) for s in read for f in s.findings)
    superseded = [r for r in findings if r["fate"] == Fate.SUPERSEDED.value]
    assert superseded and not any(r["to_fix"] for r in superseded)   # the summary lists only the used file's
    info = [r for r in findings if r["severity"] == "info"]
    assert info and not any(r["to_fix"] for r in info)


def test_every_ledger_entry_not_used_is_a_row_with_its_fate_and_reason():
    d = district()
    ledger = [r for r in findings_rows(d) if r["kind"] == "ledger"]
    assert sorted((r["file"], r["fate"], r["reason"]) for r in ledger) == \
        sorted((r.entry.source, r.fate.value, r.reason) for r in d.ledger if r.fate is not Fate.USED)
    codes = {r.entry.source: r.reason_code for r in d.ledger}
    assert [r["code"] for r in ledger] == [codes[r["file"]].name if codes[r["file"]] else None for r in ledger]
    assert any(r["code"] for r in ledger)   # the catalogue's L codes reach the file
    # The workbook that is not our template has no finding: its ledger reason is its row on the sheet.
    alone = [r for r in ledger if r["to_fix"]]
    assert [r["fate"] for r in alone] == [Fate.NOT_OUR_TEMPLATE.value]
    assert fix_cells(alone[0])[6].startswith("Không phải mẫu phiếu: ")


def test_the_file_is_the_rows_in_the_style_of_the_other_json(tmp_path):
    d = district()
    write_findings(tmp_path, d)
    text = (tmp_path / FINDINGS_FILE).read_text(encoding="utf-8")
    assert json.loads(text) == findings_rows(d)
    assert text == json.dumps(findings_rows(d), ensure_ascii=False, indent=1) + "\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, District]:
    """The sample inbox with a workbook that is not a school's form and one that cannot be read, run twice."""
    tmp = tmp_path_factory.mktemp("findings")
    inbox = tmp / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", inbox)
    (inbox / "Danh sách lớp.xlsx").write_bytes(xlsx_bytes("Danh sách lớp 1A"))
    (inbox / "hỏng.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    opts = RunOptions(inputs=(inbox,), roster=tuple(load_roster(ROOT / "samples" / "danh-sach-truong.csv")),
                      rubrics=default_rubrics([], load_rubric, builtin_ids()), out=tmp / "a",
                      round_label="Đợt 1 năm 2025", office="Phòng GDĐT Quận 7", jobs=1)
    first = run_district(opts)
    run_district(replace(opts, out=tmp / "b"))
    return tmp / "a", tmp / "b", first.district


def test_a_run_writes_the_summary_fix_rows_and_the_unusable_files(runs):
    out, _, d = runs
    rows = json.loads((out / FINDINGS_FILE).read_text(encoding="utf-8"))
    assert fix_list(rows) == sheet_rows(d)
    unusable = {e["source"]: e["fate"] for e in json.loads((out / LEDGER).read_text(encoding="utf-8"))
                if e["fate"] != Fate.USED.value}
    assert {r["file"]: r["fate"] for r in rows if r["kind"] == "ledger"} == unusable
    fates = set(unusable.values())
    assert Fate.NOT_OUR_TEMPLATE.value in fates and Fate.UNREADABLE.value in fates
    assert any(r["to_fix"] and r["kind"] == "ledger" for r in rows)


def test_two_runs_write_the_same_bytes(runs):
    a, b, _ = runs
    assert (a / FINDINGS_FILE).read_bytes() == (b / FINDINGS_FILE).read_bytes()
