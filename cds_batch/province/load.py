"""Province loading: what offices send the province → `OfficeReport`s and a ledger of every input.

In: paths of what offices sent (commune offices, the Sở's own direct run, Phòng GDĐT of older rounds):
their output folders (results.json), their summary workbooks as they arrive by mail (tong-hop.xlsx
carries its results in a hidden payload sheet, so a renamed, zipped or mailed copy still reads), or
school workbooks with a province roster (run here like a district job, each school in the roster's
unit).
Out: one `OfficeReport` per result read, and a ledger row (`district.consolidate.LedgerRow`, as a
district run's) for every input: each results.json, and each file and archive or mail member that
`intake.discover` finds, with its fate and Vietnamese reason: used (P107), a file of a zipped result
folder whose summary was used (P109), not a result (P103), damaged (L206, P108), written by a newer
cds-batch (P104), or what discover said. Which of two results of one office wins is `rollup`'s choice.
Inputs are taken in the order of their paths, so the order they are given in changes nothing.
Records are read only through `reports.contract`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Sequence

from cds_batch.checking.examine import Context
from cds_batch.core.atomic import STAGING_PREFIX
from cds_batch.core.findings import Code, Reason, reason
from cds_batch.district.cache import CACHE_FILE
from cds_batch.district.consolidate import LedgerRow, Status, consolidate
from cds_batch.district.pool import examine_all
from cds_batch.intake.containers import FileKind, nfc
from cds_batch.intake.discover import Entry, Fate, TimeSource, discover, private_workdir
from cds_batch.province.rollup import UNNAMED_UNIT, OfficeReport, roster_unit
from cds_batch.reading.sheet_rows import UnreadableWorkbook, sheet_rows
from cds_batch.reports.contract import (
    FEEDBACK, FINDINGS, LEDGER, PAGE_FILE, PAYLOAD_SHEET, RECOGNITION_FILE, RECORD_VERSION, RESULTS, RESULTS_CSV,
    REVIEW_FILE, SUMMARY, SUMMARY_CSV, RecordVersionError, SchoolRecord, read_results, records_from_payload
)
from cds_batch.reports.data_files import results
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo

INBOX_SOURCE = "hộp thư của tỉnh"   # the office and source of the results of school workbooks sent to the province
# What a district run writes beside its summary: in a zipped result folder these are part of the result used.
_RUN_OUTPUTS = frozenset({RESULTS, RESULTS_CSV, LEDGER, FINDINGS, SUMMARY_CSV, FEEDBACK, RECOGNITION_FILE, PAGE_FILE,
                          CACHE_FILE})


def read_payload(path: Path) -> list[SchoolRecord] | None:
    """The records a summary workbook carries, or None when the workbook is not one of ours.

    :raises UnreadableWorkbook: the file does not open as a workbook.
    :raises ValueError: ours, but not records this version reads (`contract.RecordVersionError` for a newer one).
    """
    rows = sheet_rows(path, PAYLOAD_SHEET)
    return records_from_payload(rows) if rows is not None else None


def office_name(schools: Sequence[SchoolRecord], fallback: str) -> str:
    """The office that sent these results: their `office`, else (an older round's) their district."""
    for key in ("office", "district"):
        names = {str(s.get(key) or "") for s in schools} - {""}
        if len(names) == 1:
            return names.pop()
    return fallback


def shown(top: Path, file: Path) -> str:
    """How a file under the input `top` is named in the ledger: as `intake.discover` names it (from the
    input as given when relative, from the input's own name when absolute)."""
    root = top.as_posix() if not top.is_absolute() else (top.name or top.as_posix())
    return nfc(str(PurePosixPath(root, *file.relative_to(top).parts)))


def _result_files(path: Path) -> list[Path]:
    """The results.json files of the run output folders at or under `path` (or `path` itself)."""
    if path.is_file():
        return [path] if path.name == RESULTS else []
    if (path / RESULTS).is_file():
        return [path / RESULTS]
    # A staging folder of a district run (`core.commit`) is that run's unfinished outputs, not a result.
    return sorted(p for p in path.rglob(RESULTS) if not _staged(p, path)) if path.is_dir() else []


def _staged(path: Path, under: Path) -> bool:
    return any(part.startswith(STAGING_PREFIX) for part in path.relative_to(under).parts)


def _used(name: str, schools: Sequence[SchoolRecord]) -> Reason:
    return reason(Code.P107, value=name, count=len(schools))


def _too_new(error: RecordVersionError) -> Reason:
    """P104: results a newer cds-batch wrote; that report is left out, the others rolled up."""
    return reason(Code.P104, value=error.version, detail=RECORD_VERSION)


def _row(entry: Entry, fate: Fate, said: Reason) -> LedgerRow:
    return LedgerRow(entry, fate, said.text, "", said.code)


def _folder_result(file: Path, source: str) -> tuple[LedgerRow, OfficeReport | None]:
    """The ledger row of a run folder's results.json, and its report when it reads."""
    try:
        data = file.read_bytes()
        stat = file.stat()
    except OSError:
        data, stat = b"", None
    entry = Entry(source, RESULTS, hashlib.sha256(data).hexdigest() if stat else "", len(data),
                  datetime.fromtimestamp(stat.st_mtime, timezone.utc) if stat else datetime.now(timezone.utc),
                  TimeSource.FILE_MTIME, "", FileKind.OTHER, "", None, "", file)
    try:
        schools = read_results(file.parent)
    except RecordVersionError as too_new:
        return _row(entry, Fate.UNREADABLE, _too_new(too_new)), None
    except (OSError, ValueError):   # not JSON, cut short, not a list of schools: the reason is ours, not json's
        return _row(entry, Fate.UNREADABLE, reason(Code.P108)), None
    name = office_name(schools, file.parent.name)
    return _row(entry, Fate.USED, _used(name, schools)), OfficeReport(name, source, tuple(schools))


def _workbook_result(entry: Entry) -> tuple[LedgerRow | None, OfficeReport | None]:
    """A discovered workbook read as a mailed summary: (its row, its report); (None, None) when it is no
    summary (a school's workbook, perhaps)."""
    try:
        payload = read_payload(entry.path) if entry.path is not None else None
    except RecordVersionError as too_new:
        return _row(entry, Fate.UNREADABLE, _too_new(too_new)), None
    except UnreadableWorkbook:
        return _row(entry, Fate.UNREADABLE, reason(Code.L206, ext=f".{entry.kind.value}")), None
    except ValueError:   # our payload sheet, but its text is cut or altered
        return _row(entry, Fate.UNREADABLE, reason(Code.P108)), None
    if payload is None:
        return None, None
    name = office_name(payload, PurePosixPath(entry.name).stem)
    return _row(entry, Fate.USED, _used(name, payload)), OfficeReport(name, entry.source, tuple(payload))


def load_reports(inputs: Sequence[Path], roster: Sequence[SchoolInfo], rubrics: Sequence[Rubric],
                 jobs: int | None = None) -> tuple[list[OfficeReport], list[LedgerRow]]:
    """Every report in `inputs`, and the ledger of every input (ordered by its name in the ledger).

    School workbooks among the inputs are run like a district job with the province `roster`, each
    school in the roster's unit; without a roster they are not a result (P103)."""
    reports: list[OfficeReport] = []
    ledger: list[LedgerRow] = []
    walked: list[Path] = []
    inside: list[str] = []   # the ledger names of the result folders: their other files are that run's outputs
    for path in sorted(inputs, key=lambda p: (shown(p, p), str(p))):   # the same ledger in any order given
        files = _result_files(path)
        for file in files:
            source = shown(path, file)
            inside.append(source[:-len(RESULTS)])
            row, report = _folder_result(file, source)
            ledger.append(row)
            reports += [report] if report is not None else []
        if files != [path] and files != [path / RESULTS]:   # a result folder is read through its results.json alone
            walked.append(path)
    with private_workdir() as work:
        entries = [e for e in discover(walked, work) if not any(e.source.startswith(f) for f in inside)
                   and not any(part.startswith(STAGING_PREFIX) for part in PurePosixPath(e.source).parts)]
        rows: dict[int, LedgerRow] = {}
        for n, e in enumerate(entries):
            if e.fate is not None:
                rows[n] = LedgerRow(e, e.fate, e.reason, "", e.reason_code)
                continue
            read, report = _workbook_result(e)
            if read is not None:
                rows[n] = read
                reports += [report] if report is not None else []
        _part_of_used_folders(entries, rows, {r.source: r.name for r in reports})
        school_files = [e for n, e in enumerate(entries) if n not in rows]
        if school_files and not roster:
            rows.update({n: _row(e, Fate.NOT_OUR_TEMPLATE, reason(Code.P103))
                         for n, e in enumerate(entries) if n not in rows})
        elif school_files:
            inbox, inbox_ledger = _inbox_reports(school_files, roster, rubrics, jobs)
            reports += inbox
            by_source = {r.entry.source: r for r in inbox_ledger}
            rows.update({n: by_source[e.source] for n, e in enumerate(entries) if n not in rows})
        ledger += [rows[n] for n in range(len(entries))]
    return reports, sorted(ledger, key=lambda r: r.entry.source)


def _part_of_used_folders(entries: Sequence[Entry], rows: dict[int, LedgerRow], offices: dict[str, str]) -> None:
    """A zipped or mailed result folder: the files a district run writes beside the summary that was
    read (results.json, the feedback files, …) are part of that result, not inputs left unused.

    :param offices: the office of each report, by its source.
    """
    summaries = {rows[n].entry.source[:-len(SUMMARY)]: rows[n].entry.source for n in rows
                 if rows[n].fate is Fate.USED and rows[n].entry.name == SUMMARY}
    for n, e in enumerate(entries):
        if n in rows and rows[n].fate is not Fate.NOT_A_WORKBOOK:
            continue
        for folder, summary in summaries.items():
            part = e.source[len(folder):].split("/", 1)[0] if e.source.startswith(folder) else ""
            if part in _RUN_OUTPUTS or part.startswith(Path(REVIEW_FILE).stem):
                rows[n] = _row(e, Fate.USED, reason(Code.P109, value=offices[summary], source=summary))
                break


def _inbox_reports(school_files: Sequence[Entry], roster: Sequence[SchoolInfo], rubrics: Sequence[Rubric],
                   jobs: int | None) -> tuple[list[OfficeReport], tuple[LedgerRow, ...]]:
    """School workbooks sent to the province, run as one district job: the province's own result, each
    school in its roster unit (a school not on the roster: 'Ngoài danh sách')."""
    submissions = examine_all(school_files, Context(tuple(rubrics), tuple(roster)), jobs)
    district = consolidate(school_files, submissions, roster)
    schools: list[SchoolRecord] = [
        {**school, "unit": roster_unit(row.info) or (Status.UNLISTED.label if row.status is Status.UNLISTED
                                                     else UNNAMED_UNIT)}
        for row, school in zip(district.schools, results(district))]
    return [OfficeReport(INBOX_SOURCE, INBOX_SOURCE, tuple(schools))], district.ledger
