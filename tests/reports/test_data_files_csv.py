"""The two CSVs of a run: results.csv for scripts reads back to results.json's records, digit for digit;
tong-hop.csv for Excel on a Vietnamese Windows has the bytes that format expects and opens in LibreOffice
set to Vietnamese (vi-VN, language 1066) with numbers as numbers, codes as text and times as dates."""
from __future__ import annotations

import csv
import json
import subprocess
import tempfile
import unicodedata
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from cds_batch.reports.contract import RESULTS, RESULTS_CSV, SUMMARY_CSV, VERSION_KEY, unit_of
from cds_batch.reports.data_files import (
    FLAT_KEYS, GROUP_KEYS, LIST_SEPARATOR, RECOGNITION_KEYS, results, write_excel_csv, write_json, write_results_csv
)
from cds_batch.reports.tables import overview

from tests.district_fixtures import OFFICE, RUBRICS, district

LEADING_ZERO = "0179801"   # a Hà Nội school code (province 01): Excel would make it 179801


def _district_with_a_leading_zero():
    """The fixture district with 79801 (91.5 points in group 1) renamed to a code starting with 0."""
    d = district()
    schools = tuple(replace(row, info=replace(row.info, code=LEADING_ZERO)) if row.info.code == "79801" else row
                    for row in d.schools)
    return replace(d, schools=schools)


def _text(value) -> str:
    """A value of results.json (read with parse_float=Decimal) as results.csv should hold it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, (bool, int)):
        return json.dumps(value)   # true / false, 56
    return str(value)              # a text, or a Decimal's very digits


# --- results.csv ---------------------------------------------------------------------------------

def _versions() -> list[dict]:
    """This version's records, and the same as version 1 (no key, no review, no unit) and version 2 (no unit)."""
    now = [dict(r) for r in results(district(), OFFICE)]
    lam = next(r for r in now if r["school_code"] == "79801")   # as a run with --review writes it
    lam["recognition"] = {"decision": "recognised", "reviewer": "Nguyễn Thị Hoa", "comment": "Đủ minh chứng; \"tốt\"",
                          "groups": lam["groups"], "overall_level": 2, "recognised_level": 2, "differences": 1,
                          "review_file": "danh-gia-ngoai.xlsx", "resolved_criteria": ["1.2", "2.3.1"],
                          "unresolved_criteria": [], "file_errors": []}
    one = [{k: v for k, v in r.items() if k not in (VERSION_KEY, "recognition", "unit")} for r in now]
    two = [{**{k: v for k, v in r.items() if k != "unit"}, VERSION_KEY: 2} for r in now]
    return [*now, *one, *two]


def test_results_csv_reads_back_to_the_records_of_results_json_digit_for_digit(tmp_path):
    records = _versions()
    write_json(tmp_path / RESULTS, records)
    write_results_csv(tmp_path / RESULTS_CSV, records)
    exact = json.loads((tmp_path / RESULTS).read_text(encoding="utf-8"), parse_float=Decimal)
    with (tmp_path / RESULTS_CSV).open(encoding="utf-8", newline="") as f:   # as the csv module asks
        rows = list(csv.DictReader(f))
    assert len(rows) == len(exact) == 3 * len(district().schools)
    assert any(isinstance(g["score"], Decimal) for r in exact for g in r["groups"])   # 91.5: a real decimal
    for record, row in zip(exact, rows):
        for key in FLAT_KEYS:
            if key == "unit":
                assert row[key] == unit_of(record)   # a version 1 or 2 record: its office
            elif key == VERSION_KEY:
                assert int(row[key]) == record.get(VERSION_KEY, 1)
            else:
                assert row[key] == _text(record[key]), key
        for g in record["groups"]:
            assert Decimal(row[f"group_{g['id']}_score"]) == g["score"]   # the same digits, no float noise
            assert row[f"group_{g['id']}_score"] == str(g["score"])
            for key in GROUP_KEYS[1:]:
                assert row[f"group_{g['id']}_{key}"] == _text(g[key])
        for code, points in record["criteria"].items():
            assert Decimal(row[f"criterion_{code}"]) == points and row[f"criterion_{code}"] == str(points)
        review = record.get("recognition") or {}
        assert all(row[f"recognition_{k}"] == _text(review.get(k)) for k in RECOGNITION_KEYS)
    reviewed = next(row for row in rows if row["recognition_decision"])
    assert reviewed["recognition_resolved_criteria"] == "1.2 2.3.1" and reviewed["recognition_recognised_level"] == "2"
    assert reviewed["recognition_comment"] == 'Đủ minh chứng; "tốt"' and reviewed["recognition_file_errors"] == ""
    # A missing school: empty cells for every group, level and file, "false" for provisional.
    missing = next(row for row in rows if row["status"] == "missing")
    assert missing["overall_level"] == missing["group_1_score"] == missing["source"] == ""
    assert missing["provisional"] == "false"


def test_results_csv_is_rfc_4180_utf8_without_bom_and_changes_no_text(tmp_path):
    records = [dict(r) for r in results(district(), OFFICE)]
    records[0]["school_name"] = '=HYPERLINK("http://x", "Trường \u201cA\u201d, cơ sở 2")'   # kept as it is
    write_results_csv(tmp_path / RESULTS_CSV, records)
    raw = (tmp_path / RESULTS_CSV).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == len(records) + 1
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.splitlines()[0].decode("ascii").startswith("school_code,school_name,level_of_education,")
    row = next(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert row["school_name"] == records[0]["school_name"] and row["received_at"] == records[0]["received_at"]
    datetime.fromisoformat(row["received_at"])   # ISO 8601


def test_both_csvs_are_the_same_bytes_every_time(tmp_path):
    d = district()
    for n in (1, 2):
        write_results_csv(tmp_path / f"{n}.csv", results(d, OFFICE))
        write_excel_csv(tmp_path / f"{n}-excel.csv", overview(d, RUBRICS, OFFICE))
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()
    assert (tmp_path / "1-excel.csv").read_bytes() == (tmp_path / "2-excel.csv").read_bytes()


# --- tong-hop.csv --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def excel_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("excel") / SUMMARY_CSV
    write_excel_csv(path, overview(_district_with_a_leading_zero(), RUBRICS, OFFICE))
    return path


def test_the_excel_csv_has_the_bytes_vietnamese_excel_expects(excel_csv):
    raw = excel_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfSTT;M\xc3\xa3 tr\xc6\xb0\xe1\xbb\x9dng;")   # BOM, then ';' ("Mã trường")
    assert not raw[3:].startswith(b"sep=")   # a sep= line would make Excel drop the BOM (and the accents)
    text = raw.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text) and "Trường Tiểu học Lê Văn Tám" in text
    assert text.count("\r\n") == text.count("\n") == len(district().schools) + 1
    rows = list(csv.reader(text[1:].splitlines(), delimiter=";"))
    header, lam = rows[0], next(r for r in rows if LEADING_ZERO in r[1])
    cell = dict(zip(header, lam))
    assert cell["Mã trường"] == f'="{LEADING_ZERO}"'        # text in Excel: the leading 0 stays
    assert cell["Điểm nhóm 1"] == "91,5" and cell["Điểm nhóm 2"] == "56"   # decimal comma, no thousands mark
    assert datetime.strptime(cell["Ngày nhận"], "%d/%m/%Y %H:%M")
    assert all(len(r) == len(header) for r in rows)


def _libreoffice_opens(csv_path: Path, language: int) -> openpyxl.worksheet.worksheet.Worksheet:
    """The first sheet of `csv_path` as LibreOffice opens it: ';' between cells, '"' around texts, UTF-8
    (76), from line 1, with the number and date conventions of `language` (1066 vi-VN, 1033 en-US),
    saved as .xlsx and read back with its computed values."""
    out = csv_path.parent / f"lo-{language}"
    with tempfile.TemporaryDirectory(prefix="cds_lo_profile_") as profile:
        done = subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                               "--norestore", f"--infilter=CSV:59,34,76,1,,{language}",
                               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(csv_path)],
                              capture_output=True, text=True, timeout=240)
    saved = out / f"{csv_path.stem}.xlsx"
    assert saved.is_file(), done.stdout + done.stderr
    return openpyxl.load_workbook(saved, data_only=True).worksheets[0]


def test_libreoffice_in_vietnamese_reads_numbers_as_numbers_codes_as_text_and_times_as_dates(excel_csv):
    ws = _libreoffice_opens(excel_csv, 1066)
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("STT", "Mã trường", "Tên trường") and len(header) == len(rows[1])   # split at ';'
    cell = dict(zip(header, next(r for r in rows if r[1] == LEADING_ZERO)))   # the code, as text, its 0 kept
    assert cell["Điểm nhóm 1"] == 91.5 and cell["Điểm nhóm 2"] == 56 and cell["Mức nhóm 1"] == 3
    assert isinstance(cell["Ngày nhận"], datetime)
    assert cell["Tên trường"] == "Trường Tiểu học Lê Văn Tám"
    codes = [r[1] for r in rows[1:]]
    assert all(isinstance(c, str) for c in codes) and "79701" in codes


def test_under_english_number_conventions_the_decimal_comma_is_text(excel_csv):
    """Why the workbook, not this CSV, is the file to open on a PC set to English (United States): the
    same file read with en-US conventions keeps 91,5 as text."""
    ws = _libreoffice_opens(excel_csv, 1033)
    rows = list(ws.iter_rows(values_only=True))
    cell = dict(zip(rows[0], next(r for r in rows if r[1] == LEADING_ZERO)))
    assert cell["Điểm nhóm 1"] == "91,5" and cell["Điểm nhóm 2"] == 56
