"""cds_batch.analysis: a run's (or the province's) output folder as plain records and, with pandas, as
DataFrames; results of every record version; the plain API without pandas, and a clear ImportError."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cds_batch import analysis
from cds_batch.analysis import (
    PANDAS_MISSING, SchoolResult, load_findings, load_frames, load_results, to_dataframe
)
from cds_batch.reports.contract import RECORD_VERSION, RESULTS, RESULTS_CSV, VERSION_KEY, RecordVersionError
from cds_batch.reports.data_files import results, write_json
from cds_batch.reports.findings_file import write_findings

from tests.district_fixtures import OFFICE, district

ROOT = Path(__file__).resolve().parents[1]


def _cds(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=600)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    """The sample district run by the command line, and the province roll-up of it."""
    base = tmp_path_factory.mktemp("analysis")
    run = _cds("run", "samples/inbox", "--roster", "samples/danh-sach-truong.csv", "--round", "Đợt 1 năm 2025",
               "--office", "Phòng GDĐT Quận 7", "--out", str(base / "ket-qua"))
    assert run.returncode == 1, run.stderr   # schools to fix, as the samples plan
    province = _cds("province", str(base / "ket-qua"), "--out", str(base / "so"))
    assert province.returncode == 0, province.stderr
    return base / "ket-qua", base / "so"


@pytest.fixture()
def fixture_folder(tmp_path) -> Path:
    """results.json and findings.json of the fixture district (79801 has 91.5 points in group 1)."""
    d = district()
    write_json(tmp_path / RESULTS, results(d, OFFICE))
    write_findings(tmp_path, d)
    return tmp_path


# --- Plain records -------------------------------------------------------------------------------

def test_load_results_gives_plain_records_with_exact_scores(fixture_folder):
    schools = load_results(fixture_folder)
    raw = json.loads((fixture_folder / RESULTS).read_text(encoding="utf-8"))
    assert [s.code for s in schools] == [r["school_code"] for r in raw] and all(
        isinstance(s, SchoolResult) for s in schools)
    lam = next(s for s in schools if s.code == "79801")
    assert lam.group(1).score == Decimal("91.5") and lam.group(2).score == Decimal("56")
    assert lam.name == "Trường Tiểu học Lê Văn Tám" and lam.status == "valid" and lam.unit == OFFICE
    assert lam.overall_level == 2 and lam.received_at.utcoffset() is not None and lam.review is None
    assert lam.recognised_level is None and lam.record_version == RECORD_VERSION
    assert all(isinstance(p, Decimal) for p in lam.criteria.values()) and lam.criteria
    missing = next(s for s in schools if s.status == "missing")
    assert missing.groups == () and missing.overall_level is None and missing.source is None
    assert missing.group(1) is None


@pytest.mark.parametrize("version", [1, 2])
def test_results_of_an_older_record_version_load_with_the_unit_of_their_office(tmp_path, version):
    old = []
    for r in results(district(), OFFICE):
        r = {k: v for k, v in r.items() if k != "unit"}
        if version == 1:
            r = {k: v for k, v in r.items() if k not in (VERSION_KEY, "recognition")}
        else:
            r[VERSION_KEY] = 2
        old.append(r)
    write_json(tmp_path / RESULTS, old)
    schools = load_results(tmp_path)
    assert {s.unit for s in schools} == {OFFICE} and {s.record_version for s in schools} == {version}
    assert next(s for s in schools if s.code == "79801").group(1).score == Decimal("91.5")


def test_results_of_a_newer_version_are_refused_in_vietnamese(tmp_path):
    write_json(tmp_path / RESULTS, [{**results(district(), OFFICE)[0], VERSION_KEY: RECORD_VERSION + 1}])
    with pytest.raises(RecordVersionError, match="mới hơn phiên bản cds-batch"):
        load_results(tmp_path)


def test_load_findings_gives_every_row_of_findings_json(fixture_folder):
    findings = load_findings(fixture_folder)
    raw = json.loads((fixture_folder / "findings.json").read_text(encoding="utf-8"))
    assert len(findings) == len(raw) > 0
    assert [(f.school_code, f.code, f.cell, f.to_fix) for f in findings] == [
        (r["school_code"], r["code"], r["cell"], r["to_fix"]) for r in raw]
    assert any(f.kind == "ledger" for f in findings) and any(f.severity == "error" for f in findings)


def test_the_plain_api_works_without_pandas_and_the_frames_say_which_extra_to_install(fixture_folder, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)   # `import pandas` now raises ImportError
    assert len(load_results(fixture_folder)) == len(district().schools)
    assert load_findings(fixture_folder)
    for call in (lambda: to_dataframe(load_results(fixture_folder)), lambda: load_frames(fixture_folder)):
        with pytest.raises(ImportError, match=r'pip install -e "\.\[analysis\]"') as refused:
            call()
        assert str(refused.value) == PANDAS_MISSING


def test_importing_the_api_does_not_import_pandas():
    done = subprocess.run([sys.executable, "-c", "import sys, cds_batch.analysis; print('pandas' in sys.modules)"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


# --- DataFrames ----------------------------------------------------------------------------------

def test_the_schools_frame_is_results_csv_with_typed_columns(folders):
    out, _ = folders
    frames = load_frames(out)
    schools = frames.schools
    on_disk = pd.read_csv(out / RESULTS_CSV, dtype=str, keep_default_na=False)
    assert list(schools.columns) == list(on_disk.columns) and len(schools) == len(on_disk) == 30
    assert schools["group_1_score"].dtype == "Float64" and schools["overall_level"].dtype == "Int64"
    assert schools["provisional"].dtype == "boolean" and str(schools["received_at"].dt.tz) == "UTC"
    for column in ("group_1_score", "group_2_score", "overall_level", "errors"):
        expected = [Decimal(v) if v else None for v in on_disk[column]]
        got = [None if pd.isna(v) else Decimal(repr(float(v))) for v in schools[column]]
        assert got == expected, column
    assert list(schools["school_code"]) == list(on_disk["school_code"])
    # Missing schools have no level: an empty (NA) cell, not 0.
    missing = schools[schools["status"] == "missing"]
    assert len(missing) > 0 and missing["overall_level"].isna().all()


def test_the_long_frames_hold_every_group_criterion_and_finding(folders):
    out, _ = folders
    frames = load_frames(out)
    schools = load_results(out)
    assert len(frames.groups) == sum(len(s.groups) for s in schools)
    assert len(frames.criteria) == sum(len(s.criteria) for s in schools)
    assert len(frames.findings) == len(load_findings(out)) > 0
    # What an analyst does first: the mean of group 1 by level of education, the same as from the records.
    by_level = frames.groups[frames.groups["group_id"] == 1].merge(
        frames.schools[["school_code", "level_of_education"]], on="school_code").groupby("level_of_education")["score"]
    for level, mean in by_level.mean().items():
        scores = [s.group(1).score for s in schools if s.level_of_education == level and s.group(1)]
        assert mean == pytest.approx(float(sum(scores) / len(scores)))


def test_the_province_folder_loads_with_no_findings(folders):
    _, province = folders
    frames = load_frames(province)
    assert len(frames.schools) == 30 and frames.findings.empty
    assert list(frames.findings.columns) == list(analysis.FindingRecord.__dataclass_fields__)
    with (province / RESULTS_CSV).open(encoding="utf-8", newline="") as f:
        assert [r["school_code"] for r in csv.DictReader(f)] == list(frames.schools["school_code"])


def test_to_dataframe_takes_records_or_school_results_alike(fixture_folder):
    records = json.loads((fixture_folder / RESULTS).read_text(encoding="utf-8"))
    from_records, from_schools = to_dataframe(records), to_dataframe(load_results(fixture_folder))
    pd.testing.assert_frame_equal(from_records, from_schools)
    assert from_records.loc[from_records["school_code"] == "79801", "group_1_score"].item() == 91.5


def test_a_reviewed_school_carries_its_review_and_recognised_level(tmp_path):
    records = results(district(), OFFICE)
    lam = next(r for r in records if r["school_code"] == "79801")
    lam["recognition"] = {"decision": "recognised", "reviewer": "Nguyễn Thị Hoa", "comment": "",
                          "groups": lam["groups"], "overall_level": 2, "recognised_level": 2, "differences": 1,
                          "review_file": "danh-gia-ngoai.xlsx", "resolved_criteria": ["1.2"],
                          "unresolved_criteria": [], "file_errors": []}
    write_json(tmp_path / RESULTS, records)
    school = next(s for s in load_results(tmp_path) if s.code == "79801")
    assert school.recognised_level == 2 and school.review.decision == "recognised"
    assert school.review.groups[0].score == Decimal("91.5") and school.review.resolved_criteria == ("1.2",)
    frame = to_dataframe([school])
    assert frame["recognition_recognised_level"].item() == 2 and frame["recognition_differences"].dtype == "Int64"
    assert frame["recognition_resolved_criteria"].item() == "1.2" and frame["recognition_file_errors"].item() == ""
