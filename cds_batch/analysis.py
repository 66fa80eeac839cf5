"""A small Python API for analysts: a run's results as plain records, and as pandas DataFrames.

In: an output folder of `cds-batch run` or `cds-batch province` (its results.json, and a district run's
findings.json), of any record version this cds-batch reads (1 to `contract.RECORD_VERSION`).
Out: `SchoolResult` records (frozen dataclasses; scores as exact `Decimal`s, the very digits of results.json),
`FindingRecord`s, and with the optional extra `analysis` (pandas) the same as DataFrames.

    from cds_batch.analysis import load_results, load_frames
    schools = load_results("ket-qua")                     # list[SchoolResult]
    valid = [s for s in schools if s.status == "valid"]
    frames = load_frames("ket-qua")                       # needs the extra: pip install -e ".[analysis]"
    frames.schools.groupby("level_of_education")["overall_level"].mean()

Reads only through `reports.contract` (the one reader of the outputs), so it reads what the tool writes.
The base install never imports pandas: only `to_dataframe`, `findings_dataframe` and `load_frames` do.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from cds_batch.reports import contract
from cds_batch.reports.data_files import flat_columns, flat_record

if TYPE_CHECKING:   # only for the annotations: pandas is an optional extra
    import pandas

PANDAS_MISSING = ("cds_batch.analysis needs pandas for DataFrames: install the optional extra \"analysis\" "
                  "(`pip install -e \".[analysis]\"` in the cds_batch source folder, or `pip install \"pandas>=2\"`). "
                  "The plain records (load_results, load_findings) work without it.")


# The columns of `to_dataframe` besides the levels that hold whole numbers (or nothing).
WHOLE_NUMBERS = frozenset({"errors", "warnings", "record_version", "recognition_differences"})


@dataclass(frozen=True)
class GroupScore:
    """One group of criteria of a result: points (exact), maximum, level (1–3) and its name."""

    id: int
    score: Decimal
    max: Decimal
    level: int
    level_name: str
    failed_conditions: tuple[str, ...]   # criteria whose condition kept the group below a higher level


@dataclass(frozen=True)
class ReviewResult:
    """The external review of a school (a run with --review)."""

    decision: str | None          # "recognised", "more_evidence", … ; None while undecided
    reviewer: str
    comment: str
    groups: tuple[GroupScore, ...]   # the evaluated result
    overall_level: int
    recognised_level: int | None     # the level the office recognises; None when not (yet) recognised
    differences: int                 # criteria where the evaluators' value differs from the school's
    review_file: str
    resolved_criteria: tuple[str, ...]    # empty in records before version 3
    unresolved_criteria: tuple[str, ...]
    file_errors: tuple[str, ...]


@dataclass(frozen=True)
class SchoolResult:
    """One school of results.json.

    `status` is "valid", "needs_fix", "missing" or "unlisted"; a missing school has no groups, no level
    and no file. `unit` is the school's management unit (for a record before version 3, the office that
    ran its round). `criteria` maps a criterion code to its points under the school's `rubric_id`.
    """

    code: str
    name: str
    level_of_education: str
    commune: str
    district: str
    office: str
    unit: str
    rubric_id: str
    status: str
    provisional: bool                   # levels computed despite errors (status "needs_fix")
    groups: tuple[GroupScore, ...]
    overall_level: int | None
    criteria: dict[str, Decimal]
    source: str | None                  # the file used, as received
    sha256: str | None
    received_at: datetime | None        # aware (with its UTC offset)
    errors: int
    warnings: int
    review: ReviewResult | None
    record_version: int

    @property
    def recognised_level(self) -> int | None:
        """The level recognised by the external review; None without a review or before recognition."""
        return self.review.recognised_level if self.review is not None else None

    def group(self, group_id: int) -> GroupScore | None:
        """The group `group_id` of the result, or None (a missing school, another rubric)."""
        return next((g for g in self.groups if g.id == group_id), None)


@dataclass(frozen=True)
class FindingRecord:
    """One row of findings.json: a finding in a school's workbook (kind "finding"), or an input file that
    was not used (kind "ledger"). `to_fix`: on the summary's "Cần sửa" sheet."""

    kind: str
    school_code: str
    school_name: str
    file: str
    sheet: str | None
    cell: str | None
    code: str | None          # the finding's code (E101, W203 …)
    severity: str | None      # "error" | "warning" | "info"
    message: str | None       # in Vietnamese, as the school reads it
    value: Any                # the value read from the cell, when the finding is about one
    fate: str
    reason: str | None
    to_fix: bool


@dataclass(frozen=True)
class Frames:
    """A folder's results as DataFrames (`load_frames`)."""

    schools: "pandas.DataFrame"    # one row per school: the columns of results.csv
    groups: "pandas.DataFrame"     # one row per school and group: school_code, group_id, score, max, level…
    criteria: "pandas.DataFrame"   # one row per school and criterion: school_code, rubric_id, criterion, points
    findings: "pandas.DataFrame"   # one row per row of findings.json (empty for a province roll-up)


# --- Plain records -------------------------------------------------------------------------------

def load_results(folder: str | Path) -> list[SchoolResult]:
    """The schools of the results.json in `folder` (a run's or the province's output folder), in its order.

    :raises OSError: no results.json there; ValueError: not results this version reads (a newer cds-batch
        wrote them: `contract.RecordVersionError`).
    """
    return [school_result(r) for r in contract.read_results(Path(folder))]


def load_findings(folder: str | Path) -> list[FindingRecord]:
    """The rows of the findings.json in `folder` (a district run's output folder).

    :raises OSError: no findings.json there (a province roll-up writes none); ValueError: not findings rows.
    """
    return [FindingRecord(**_finding_fields(row)) for row in contract.read_findings(Path(folder))]


def school_result(record: Mapping[str, Any]) -> SchoolResult:
    """A `SchoolResult` from one results.json record of any version."""
    received = record.get("received_at")
    return SchoolResult(
        code=record["school_code"], name=record["school_name"], level_of_education=record["level_of_education"],
        commune=record["commune"], district=record["district"], office=record.get("office") or "",
        unit=contract.unit_of(record),  # type: ignore[arg-type]
        rubric_id=record["rubric_id"], status=record["status"], provisional=bool(record["provisional"]),
        groups=_groups(record.get("groups")), overall_level=record.get("overall_level"),
        criteria={code: exact(points) for code, points in (record.get("criteria") or {}).items()},
        source=record.get("source"), sha256=record.get("sha256"),
        received_at=datetime.fromisoformat(received) if received else None,
        errors=int(record.get("errors") or 0), warnings=int(record.get("warnings") or 0),
        review=_review(record.get("recognition")), record_version=int(record.get(contract.VERSION_KEY, 1)))


def exact(number: int | float) -> Decimal:
    """A score of results.json as the Decimal of its digits: 91.5 → Decimal('91.5') (never 91.4999…)."""
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def _groups(groups: Iterable[Mapping[str, Any]] | None) -> tuple[GroupScore, ...]:
    return tuple(GroupScore(int(g["id"]), exact(g["score"]), exact(g["max"]), int(g["level"]), g["level_name"],
                            tuple(g.get("failed_conditions") or ())) for g in groups or ())


def _review(review: Mapping[str, Any] | None) -> ReviewResult | None:
    if not review:
        return None
    return ReviewResult(
        decision=review.get("decision"), reviewer=review.get("reviewer") or "", comment=review.get("comment") or "",
        groups=_groups(review.get("groups")), overall_level=review["overall_level"],
        recognised_level=review.get("recognised_level"), differences=int(review.get("differences") or 0),
        review_file=review.get("review_file") or "",
        resolved_criteria=tuple(review.get("resolved_criteria") or ()),
        unresolved_criteria=tuple(review.get("unresolved_criteria") or ()),
        file_errors=tuple(review.get("file_errors") or ()))


def _finding_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A findings.json row's keys as `FindingRecord` takes them (a key an older file lacks is None)."""
    return {name: row.get(name) for name in FindingRecord.__dataclass_fields__}


# --- DataFrames (the optional extra) -------------------------------------------------------------

def pandas_module() -> Any:
    """pandas, or ImportError saying which extra to install."""
    try:
        return importlib.import_module("pandas")
    except ImportError as missing:
        raise ImportError(PANDAS_MISSING) from missing


def to_dataframe(schools: Sequence[SchoolResult] | Sequence[Mapping[str, Any]]) -> "pandas.DataFrame":
    """One row per school, with the columns of results.csv (`reports.data_files.flat_columns`): scores as
    floats (the 4 decimals of results.json), levels and counts as nullable integers, received_at as a
    timestamp. Takes `SchoolResult`s or results.json records.
    """
    pd = pandas_module()
    records = [_as_record(s) for s in schools]
    columns = flat_columns(records)
    frame = pd.DataFrame([flat_record(r) for r in records], columns=columns)
    for column in columns:
        if column.endswith(("_score", "_max")) or column.startswith("criterion_"):
            frame[column] = pd.to_numeric(frame[column]).astype("Float64")
        elif column.endswith("_level") or column in WHOLE_NUMBERS:
            frame[column] = frame[column].astype("Int64")
        elif column == "provisional":
            frame[column] = frame[column].astype("boolean")
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True, format="ISO8601")
    return frame


def findings_dataframe(findings: Sequence[FindingRecord]) -> "pandas.DataFrame":
    """One row per finding (`load_findings`), with the keys of findings.json as columns."""
    pd = pandas_module()
    names = list(FindingRecord.__dataclass_fields__)
    return pd.DataFrame([[getattr(f, n) for n in names] for f in findings], columns=names)


def load_frames(folder: str | Path) -> Frames:
    """`folder`'s results as DataFrames: schools (`to_dataframe`), groups and criteria in long form (one row
    per school and group / criterion: easy to group by), and findings (none when the folder has no
    findings.json, as a province roll-up's)."""
    pd = pandas_module()
    schools = load_results(folder)
    groups = pd.DataFrame(
        [(s.code, s.rubric_id, g.id, float(g.score), float(g.max), g.level, g.level_name) for s in schools
         for g in s.groups],
        columns=["school_code", "rubric_id", "group_id", "score", "max", "level", "level_name"])
    criteria = pd.DataFrame([(s.code, s.rubric_id, code, float(points)) for s in schools
                             for code, points in s.criteria.items()],
                            columns=["school_code", "rubric_id", "criterion", "points"])
    try:
        findings = load_findings(folder)
    except FileNotFoundError:
        findings = []
    return Frames(to_dataframe(schools), groups, criteria, findings_dataframe(findings))


def _as_record(school: SchoolResult | Mapping[str, Any]) -> Mapping[str, Any]:
    """A `SchoolResult` back as a results.json record (numbers as the file has them), a record as it is."""
    if not isinstance(school, SchoolResult):
        return school

    def groups(gs: tuple[GroupScore, ...]) -> list[dict[str, Any]]:
        return [{"id": g.id, "score": _number(g.score), "max": _number(g.max), "level": g.level,
                 "level_name": g.level_name, "failed_conditions": list(g.failed_conditions)} for g in gs]
    r = school.review
    review = None if r is None else {
        "decision": r.decision, "reviewer": r.reviewer, "comment": r.comment, "groups": groups(r.groups),
        "overall_level": r.overall_level, "recognised_level": r.recognised_level, "differences": r.differences,
        "review_file": r.review_file, "resolved_criteria": list(r.resolved_criteria),
        "unresolved_criteria": list(r.unresolved_criteria), "file_errors": list(r.file_errors)}
    return {"school_code": school.code, "school_name": school.name, "level_of_education": school.level_of_education,
            "commune": school.commune, "district": school.district, "office": school.office, "unit": school.unit,
            "rubric_id": school.rubric_id, "status": school.status, "provisional": school.provisional,
            "groups": groups(school.groups), "overall_level": school.overall_level,
            "criteria": {c: _number(p) for c, p in school.criteria.items()}, "source": school.source,
            "sha256": school.sha256,
            "received_at": school.received_at.isoformat() if school.received_at is not None else None,
            "errors": school.errors, "warnings": school.warnings, "recognition": review,
            contract.VERSION_KEY: school.record_version}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
