"""Province loading: what districts send the province → `DistrictReport`s for the roll-up.

In: paths of what districts sent: their output folders (results.json), their summary workbooks as
they arrive by mail (tong-hop.xlsx carries its results in a hidden payload sheet, so a renamed,
zipped or mailed copy still reads), or school workbooks with a province roster whose 'Quận/Huyện'
column groups them (run here like a district job).
Out: one `DistrictReport` per district found, and findings: a file that is none of these (P103),
results written by a newer cds-batch (P104). Records are read only through `reports.contract`.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from cds_batch.checking.examine import Context
from cds_batch.core.atomic import STAGING_PREFIX
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.district.consolidate import consolidate
from cds_batch.district.pool import examine_all
from cds_batch.intake.discover import Entry, discover, private_workdir
from cds_batch.province.rollup import DistrictReport
from cds_batch.reading.sheet_rows import sheet_rows
from cds_batch.reports.contract import (
    PAYLOAD_SHEET, RECORD_VERSION, RESULTS, RecordVersionError, SchoolRecord, read_results, records_from_payload
)
from cds_batch.reports.data_files import results
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo


def read_payload(path: Path) -> list[SchoolRecord] | None:
    """The records a summary workbook carries, or None when the workbook is not one of ours.

    :raises ValueError: ours, but not records this version reads (`contract.RecordVersionError`).
    """
    rows = sheet_rows(path, PAYLOAD_SHEET)
    return records_from_payload(rows) if rows is not None else None


def district_name(schools: Sequence[SchoolRecord], fallback: str) -> str:
    for key in ("office", "district"):
        names = {str(s.get(key) or "") for s in schools} - {""}
        if len(names) == 1:
            return names.pop()
    return fallback


def _result_folders(path: Path) -> list[Path]:
    if (path / RESULTS).is_file():
        return [path]
    # A staging folder of a district run (`core.commit`) is that run's unfinished outputs, not a result.
    return sorted(p.parent for p in path.rglob(RESULTS) if not _staged(p, path)) if path.is_dir() else []


def _staged(path: Path, under: Path) -> bool:
    return any(part.startswith(STAGING_PREFIX) for part in path.relative_to(under).parts)


def _folder_report(folder: Path) -> DistrictReport:
    schools = read_results(folder)
    received = datetime.fromtimestamp((folder / RESULTS).stat().st_mtime, timezone.utc).isoformat()
    return DistrictReport(district_name(schools, folder.name), str(folder), received, tuple(schools))


def _too_new(source: str, error: RecordVersionError) -> Finding:
    """P104: results a newer cds-batch wrote; that district's report is left out, the others rolled up."""
    return finding(Code.P104, file=source, value=error.version, detail=RECORD_VERSION)


def load_reports(inputs: Sequence[Path], roster: Sequence[SchoolInfo], rubrics: Sequence[Rubric],
                 jobs: int | None = None) -> tuple[list[DistrictReport], list[Finding]]:
    """Every district report in `inputs`; school workbooks among them are run like a district job
    with the province `roster` and grouped by its 'Quận/Huyện' column (P103 without a roster)."""
    reports: list[DistrictReport] = []
    files: list[Path] = []
    findings: list[Finding] = []
    for path in inputs:
        folders = _result_folders(path)
        for folder in folders:
            try:
                reports.append(_folder_report(folder))
            except RecordVersionError as too_new:
                findings.append(_too_new(str(folder), too_new))
        if path.is_dir():   # the other files of a run's output folder are that run's own outputs
            files += [p for p in sorted(path.rglob("*"))
                      if p.is_file() and not _staged(p, path)
                      and not any(f == p.parent or f in p.parents for f in folders)]
        elif not folders:
            files.append(path)
    with private_workdir() as work:
        entries = discover(files, work)
        school_files: list[Entry] = []
        for e in entries:
            try:
                payload = read_payload(e.path) if e.fate is None and e.path is not None else None
            except RecordVersionError as too_new:
                findings.append(_too_new(e.source, too_new))
                continue
            if payload is not None:
                reports.append(DistrictReport(district_name(payload, Path(e.name).stem), e.source,
                                              e.received_at.isoformat(), tuple(payload)))
            elif e.fate is None:
                school_files.append(e)
        if school_files and not roster:
            findings += [finding(Code.P103, file=e.source) for e in school_files]
        elif school_files:
            reports += _inbox_reports(school_files, roster, rubrics, jobs)
    return reports, findings


def _inbox_reports(school_files: Sequence[Entry], roster: Sequence[SchoolInfo], rubrics: Sequence[Rubric],
                   jobs: int | None) -> list[DistrictReport]:
    """School workbooks sent to the province, run as one district job and grouped by the roster's district."""
    submissions = examine_all(school_files, Context(tuple(rubrics), tuple(roster)), jobs)
    district = consolidate(school_files, submissions, roster)
    by_district: dict[str, list[SchoolRecord]] = defaultdict(list)
    for row, school in zip(district.schools, results(district)):
        by_district[row.info.district or "Ngoài danh sách"].append({**school, "district": row.info.district})
    return [DistrictReport(name, "hộp thư của tỉnh", "", tuple(schools))
            for name, schools in sorted(by_district.items())]
