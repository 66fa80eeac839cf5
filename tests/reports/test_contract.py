"""The output contract: a results record goes through write and read unchanged, version 1 still reads,
a newer version is refused in Vietnamese (by --previous and by the province), and the province reads
the summary this version writes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import xlsxwriter

from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code
from cds_batch.pipeline.district_run import _previous
from cds_batch.province.load import load_reports
from cds_batch.reports.contract import (
    PAYLOAD_FORMAT, PAYLOAD_SHEET, RECORD_VERSION, RESULTS, SUMMARY, RecordVersionError, payload_cells, read_results,
    records_from_payload, unit_of
)
from cds_batch.reports.data_files import results, write_json
from cds_batch.reports.summary import write_summary

from tests.district_fixtures import OFFICE, RUBRICS, district

NEWER = f"mới hơn phiên bản cds-batch này đọc được (đến {RECORD_VERSION})"


def _folder(tmp_path: Path, name: str, records: list[dict[str, object]]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / RESULTS).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return folder


def _version_1() -> list[dict[str, object]]:
    """This version's records as a results.json written before the version key (and the review) existed."""
    old = [dict(r) for r in results(district(), OFFICE)]
    for r in old:
        del r["record_version"], r["recognition"], r["unit"]
    return old


def _version_2() -> list[dict[str, object]]:
    """This version's records as a results.json written before the management unit existed."""
    old = [dict(r) for r in results(district(), OFFICE)]
    for r in old:
        del r["unit"]
        r["record_version"] = 2
    return old


def test_a_record_round_trips_through_write_and_read_with_its_version_last(tmp_path):
    records = results(district(), OFFICE)
    write_json(tmp_path / RESULTS, records)
    again = read_results(tmp_path)
    assert again == records and len(again) == len(district().schools)
    assert all(list(r)[-1] == "record_version" and r["record_version"] == RECORD_VERSION == 3 for r in again)
    assert records_from_payload([[c] for c in payload_cells(records, 50)]) == records


def test_a_version_1_record_is_still_read_as_it_was(tmp_path):
    old = _version_1()
    assert read_results(_folder(tmp_path, "q7", old)) == old
    reports, ledger = load_reports([tmp_path / "q7"], (), ())
    assert [r.fate.value for r in ledger] == ["used"] and [list(r.schools) for r in reports] == [old]
    cells = [[PAYLOAD_FORMAT], [json.dumps(old, ensure_ascii=False)]]
    assert records_from_payload(cells) == old


def test_a_version_2_record_is_read_with_its_office_as_the_unit(tmp_path):
    old = _version_2()
    assert read_results(_folder(tmp_path, "q7", old)) == old
    assert {unit_of(r) for r in old} == {OFFICE}
    assert {unit_of(r) for r in results(district(), OFFICE)} == {OFFICE}   # a roster without units: the office


@pytest.mark.parametrize("version, shown", [(4, "4"), (99, "99"), ("2", "'2'"), (True, "True"), (None, "None")])
def test_an_unknown_version_is_refused_in_vietnamese(tmp_path, version, shown):
    records = [dict(r) for r in results(district(), OFFICE)]
    records[-1]["record_version"] = version
    folder = _folder(tmp_path, "moi", records)
    expected = re.escape(f"phiên bản {shown} của định dạng results.json, {NEWER}")
    with pytest.raises(RecordVersionError, match=expected):
        read_results(folder)
    with pytest.raises(CdsBatchError, match=re.escape(f"kết quả đợt trước trong '{folder}'") + ".*" + expected):
        _previous(folder)


def test_the_province_leaves_a_newer_district_out_with_p104_and_rolls_up_the_others(tmp_path):
    newer = [{**r, "record_version": RECORD_VERSION + 1} for r in results(district(), OFFICE)]
    _folder(tmp_path, "q7", _version_1())
    _folder(tmp_path, "q9", newer)
    mailed = tmp_path / "tong-hop-q8.xlsx"   # a summary workbook sent by mail, from a newer cds-batch
    wb = xlsxwriter.Workbook(str(mailed))
    wb.add_worksheet(PAYLOAD_SHEET).write_column(0, 0, list(payload_cells(newer)))
    wb.close()
    reports, ledger = load_reports([tmp_path / "q7", tmp_path / "q9", mailed], (), ())
    assert [r.source for r in reports] == ["q7/results.json"]   # named as the ledger names it
    refused = [r for r in ledger if r.fate.value != "used"]
    assert [(r.reason_code, r.entry.source, r.fate.value) for r in refused] == [
        (Code.P104, "q9/results.json", "unreadable"), (Code.P104, mailed.name, "unreadable")]
    assert NEWER in refused[0].reason and f"phiên bản {RECORD_VERSION + 1}" in refused[0].reason


def test_the_province_reads_the_summary_this_version_writes(tmp_path):
    target = tmp_path / "thu" / SUMMARY
    target.parent.mkdir()
    write_summary(district(), RUBRICS, target, office=OFFICE, round_label="Đợt 1")
    reports, ledger = load_reports([target], (), ())
    assert [r.fate.value for r in ledger] == ["used"] and len(reports) == 1
    assert reports[0].name == OFFICE and list(reports[0].schools) == results(district(), OFFICE)
    assert {r["record_version"] for r in reports[0].schools} == {RECORD_VERSION}
