"""What the result page shows, read back from a run's output folder (by the page or by `cds-batch run`).

In: a run's output folder (a commit a killed run left is finished first, `read_results`): results.json
(the Tổng hợp table and the missing schools), findings.json (its rows on the office's fix list are the
summary's 'Cần sửa' sheet: every error and warning, as the office prints it), ledger.json (the files
that could not be used), the names of the files there to download, and the staging folder of a run
killed while writing. No workbook the tool wrote is parsed back.
Out: a `RunView` of plain values for the template. Nothing is recomputed: the page shows exactly
what the run wrote, so a run typed on the command line shows the same way.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cds_batch.core.commit import settle, stale_staging
from cds_batch.district.consolidate import Status
from cds_batch.intake.discover import UNUSABLE
from cds_batch.reports.contract import (
    FEEDBACK, PAGE_FILE, RECOGNITION_FILE, RESULTS, RESULTS_CSV, SUMMARY, SUMMARY_CSV, SchoolRecord, read_findings,
    read_ledger, read_results, unit_of,
)
from cds_batch.reports.findings_file import fix_cells
from cds_batch.reports.labels import FATE_LABELS
from cds_batch.reports.tables import unit_label, unit_order
from cds_batch.pipeline.review_outputs import OUR_NAMES as REVIEW_NAMES

# Besides the review workbooks and the feedback zip; the CSV for Excel, then results.json's for scripts.
DOWNLOADABLE = (SUMMARY, SUMMARY_CSV, RESULTS_CSV, RECOGNITION_FILE, PAGE_FILE)


@dataclass(frozen=True)
class GroupCell:
    score: float | int | None
    max: float | int | None
    level: int | None


@dataclass(frozen=True)
class SchoolLine:
    code: str
    name: str
    level_of_education: str
    commune: str
    rubric_id: str
    status: str                   # valid | needs_fix | missing | unlisted
    status_label: str
    provisional: bool
    groups: dict[int, GroupCell]
    overall_level: int | None
    errors: int
    warnings: int
    source: str
    unit: str = ""                # its management unit, as the summary names it


@dataclass(frozen=True)
class FixLine:
    code: str
    name: str
    file: str
    place: str
    finding: str
    severity: str
    message: str


@dataclass(frozen=True)
class RunView:
    written: datetime
    schools: list[SchoolLine]
    group_ids: list[int]
    counts: dict[str, int]
    fixes: dict[str, list[FixLine]]               # school code → its errors and warnings
    loose: list[FixLine]                          # files placed at no school
    unusable: list[dict[str, str]]                # ledger entries that could not be used
    downloads: list[str] = field(default_factory=list)
    feedback_files: int = 0
    units: list[str] = field(default_factory=list)   # by name; only when the schools span several units

    @property
    def by_unit(self) -> bool:
        return bool(self.units)

    @property
    def missing(self) -> list[SchoolLine]:
        """The schools not submitted; grouped by unit (in `units` order) when there are several, as the summary."""
        missing = [s for s in self.schools if s.status == Status.MISSING.value]
        rank = {u: n for n, u in enumerate(self.units)}
        return sorted(missing, key=lambda s: rank.get(s.unit, 0)) if self.units else missing


def has_results(out: Path) -> bool:
    settle(out)   # a first run killed mid-commit has its results.json still to move
    return (out / RESULTS).is_file()


def killed_run(out: Path) -> datetime | None:
    """When a run into `out` that was killed while writing last wrote (its staging folder is still there:
    the next run removes it); None when there is none."""
    times = []
    for folder in stale_staging(out):
        try:
            times.append(folder.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(max(times)) if times else None


def load_view(out: Path) -> RunView:
    """The view of the run in `out`; OSError or ValueError when its results.json is not readable."""
    data = read_results(out)
    schools = [_line(s) for s in data]
    counts = Counter(s.status for s in schools)
    fixes: dict[str, list[FixLine]] = defaultdict(list)
    loose: list[FixLine] = []
    known = {s.code for s in schools}
    for line in fix_lines(out):
        (fixes[line.code] if line.code in known else loose).append(line)
    written = datetime.fromtimestamp((out / RESULTS).stat().st_mtime)
    feedback = sorted((out / FEEDBACK).glob("*.xlsx")) if (out / FEEDBACK).is_dir() else []
    units = sorted({unit_of(s) for s in data}, key=unit_order)   # the summary's rule (`tables.spans_units`)
    return RunView(written, schools, sorted({gid for s in schools for gid in s.groups}),
                   {status.value: counts[status.value] for status in Status}, dict(fixes), loose,
                   _unusable(out), downloads(out), len(feedback),
                   [unit_label(u) for u in units] if len(units) > 1 else [])


def downloads(out: Path) -> list[str]:
    """The files of `out` the page offers, in a fixed order: the summary, its two CSVs, the review
    workbook(s), the recognition list and page when a run with --review wrote them."""
    names = [n for n in DOWNLOADABLE if (out / n).is_file()]
    names += sorted(p.name for p in out.glob("*.xlsx") if REVIEW_NAMES.fullmatch(p.name))
    return names


def may_download(name: str) -> bool:
    """Whether `name` is one of the output files the page hands out (nothing else of the folder)."""
    return name in DOWNLOADABLE or REVIEW_NAMES.fullmatch(name) is not None


def fix_lines(out: Path) -> list[FixLine]:
    """The rows of the summary's 'Cần sửa' sheet, from the run's findings.json; none when it cannot be read."""
    try:
        rows = read_findings(out)
    except (OSError, ValueError):
        return []
    return [FixLine(*fix_cells(r)) for r in rows if r.get("to_fix")]


def _line(s: SchoolRecord) -> SchoolLine:
    status = str(s.get("status") or "")
    label = Status(status).label if status in Status._value2member_map_ else status
    groups = {}
    for g in s.get("groups") or []:
        if isinstance(g, dict) and isinstance(g.get("id"), int):
            groups[g["id"]] = GroupCell(g.get("score"), g.get("max"), g.get("level"))
    overall = s.get("overall_level")
    return SchoolLine(str(s.get("school_code") or ""), str(s.get("school_name") or ""),
                      str(s.get("level_of_education") or ""), str(s.get("commune") or ""),
                      str(s.get("rubric_id") or ""), status, label, bool(s.get("provisional")), groups,
                      overall if isinstance(overall, int) else None, int(s.get("errors") or 0),
                      int(s.get("warnings") or 0), str(s.get("source") or ""), unit_label(unit_of(s)))


def _unusable(out: Path) -> list[dict[str, str]]:
    """The ledger.json entries marked unusable, with the words the summary's sheet shows. A ledger
    written before the mark and the words existed is read by its fates."""
    try:
        entries = read_ledger(out)
    except (OSError, ValueError):
        return []
    fates = {fate.value: label for fate, label in FATE_LABELS.items()}
    unusable = {fate.value for fate in UNUSABLE}
    return [{"source": str(e.get("source")), "kind": str(e.get("kind_label") or e.get("kind") or ""),
             "fate": str(e.get("fate_label") or fates.get(str(e.get("fate")), str(e.get("fate")))),
             "school_code": str(e.get("school_code") or ""), "reason": str(e.get("reason") or "")}
            for e in entries if e.get("unusable", e.get("fate") in unusable)]
