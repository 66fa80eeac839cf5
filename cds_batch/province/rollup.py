"""Province roll-up: districts' run outputs (or a province-wide inbox of school files) → one picture.

In: what districts send the province: their output folders (results.json), their summary
workbooks as they arrive by mail (tong-hop.xlsx carries its results in a hidden sheet, so a
renamed, zipped or mailed copy still reads), or school workbooks with a province roster whose
'Quận/Huyện' column groups them.
Out: `Province`: every school with its district, per-district counts per level and average
scores, the external review's outcome per district (recognised levels, other decisions, schools
recognised at a level other than their own), a ranking, per-criterion averages per district, and
findings (a school reported by two districts, a district that sent two summaries, a file that is
neither). Loading does I/O; the roll-up itself (`roll_up`) is pure.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Sequence

from python_calamine import CalamineWorkbook

from cds_batch.district.consolidate import consolidate
from cds_batch.intake.discover import Entry, discover, private_workdir
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.checking.examine import Context
from cds_batch.district.pool import examine_all
from cds_batch.reports.contract import RESULTS
from cds_batch.reports.data_files import RESULTS_FORMAT, results
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric
from cds_batch.core.text import fold

PAYLOAD_SHEET = "_cds_ket_qua"   # hidden sheet of tong-hop.xlsx: the format tag, then results.json in chunks
School = dict[str, Any]


@dataclass(frozen=True)
class DistrictReport:
    name: str
    source: str
    received: str                    # ISO time, to prefer the later of two reports of one district
    schools: tuple[School, ...]


@dataclass(frozen=True)
class RecognitionCounts:
    """The external review ("đánh giá ngoài") of one district's scored schools, or of several summed.

    Only scored schools count (submitted, with a self-assessed score), and each falls in exactly one
    count: recognised (by recognised level), more evidence asked, not recognised, reviewed without a
    decision yet, or not reviewed (recognition null or absent: a run without --review, or a
    results.json written before the key existed). A decision this version does not know counts as
    no decision yet.
    """

    # recognised level → schools; 0: recognised without a level among 1..3 (not expected, but kept countable)
    levels: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0, 2: 0, 3: 0})
    more_evidence: int = 0
    not_recognised: int = 0
    undecided: int = 0
    not_reviewed: int = 0
    differing: int = 0   # recognised schools whose recognised level is not their self-assessed overall level

    @property
    def recognised(self) -> int:
        return sum(self.levels.values())

    @property
    def scored(self) -> int:
        return self.recognised + self.more_evidence + self.not_recognised + self.undecided + self.not_reviewed

    @property
    def share(self) -> Fraction | None:
        """differing / recognised: the share of recognised schools (decision 'recognised') whose
        recognised level differs from the level they gave themselves; None when none is recognised."""
        return Fraction(self.differing, self.recognised) if self.recognised else None


def combined(counts: Iterable[RecognitionCounts]) -> RecognitionCounts:
    """The counts summed (the province total); its share is again differing / recognised."""
    items = list(counts)
    return RecognitionCounts({n: sum(c.levels[n] for c in items) for n in (0, 1, 2, 3)},
                             *(sum(getattr(c, k) for c in items)
                               for k in ("more_evidence", "not_recognised", "undecided", "not_reviewed", "differing")))


@dataclass(frozen=True)
class DistrictStats:
    name: str
    schools: int
    submitted: int
    valid: int
    needs_fix: int
    missing: int
    levels: dict[str, dict[int, int]]   # 'g1', 'g2', 'overall' → level → schools (levels 1..3; 0 = none)
    average_percent: Fraction | None    # mean over scored schools of their mean group percentage
    rank: int = 0
    recognition: RecognitionCounts = field(default_factory=RecognitionCounts)


@dataclass(frozen=True)
class Province:
    districts: tuple[DistrictStats, ...]     # in ranking order
    schools: tuple[School, ...]              # every school, with 'district'
    criteria: dict[tuple[str, str], dict[str, Fraction]]   # (rubric id, code) → district → average points
    findings: tuple[Finding, ...]

    @property
    def has_recognition(self) -> bool:
        """Whether any school carries an external review (the province workbook then shows it)."""
        return any(isinstance(s.get("recognition"), dict) for s in self.schools)


def payload_rows(schools: Sequence[School], chunk: int = 30_000) -> list[str]:
    """The hidden-sheet column written into tong-hop.xlsx: format tag, then the JSON in cell-sized chunks."""
    text = json.dumps(list(schools), ensure_ascii=False, separators=(",", ":"))
    return [RESULTS_FORMAT] + [text[i:i + chunk] for i in range(0, len(text), chunk)]


def read_payload(path: Path) -> list[School] | None:
    """The results a summary workbook carries, or None when the workbook is not one of ours."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if PAYLOAD_SHEET not in wb.sheet_names:
            return None
        rows = wb.get_sheet_by_name(PAYLOAD_SHEET).to_python()
    except Exception:   # calamine raises several error types for files that are not workbooks
        return None
    column = [str(r[0]) for r in rows if r and r[0] not in ("", None)]
    if not column or column[0] != RESULTS_FORMAT:
        return None
    data = json.loads("".join(column[1:]))
    return data if isinstance(data, list) else None


def district_name(schools: Sequence[School], fallback: str) -> str:
    for key in ("office", "district"):
        names = {str(s.get(key) or "") for s in schools} - {""}
        if len(names) == 1:
            return names.pop()
    return fallback


def _result_folders(path: Path) -> list[Path]:
    if (path / RESULTS).is_file():
        return [path]
    return sorted(p.parent for p in path.rglob(RESULTS)) if path.is_dir() else []


def _folder_report(folder: Path) -> DistrictReport:
    results = folder / RESULTS
    schools = json.loads(results.read_text(encoding="utf-8"))
    return DistrictReport(district_name(schools, folder.name), str(folder),
                          datetime.fromtimestamp(results.stat().st_mtime, timezone.utc).isoformat(), tuple(schools))


def load_reports(inputs: Sequence[Path], roster: Sequence[SchoolInfo], rubrics: Sequence[Rubric],
                 jobs: int | None = None) -> tuple[list[DistrictReport], list[Finding]]:
    """Every district report in `inputs`; school workbooks among them are run like a district job
    with the province `roster` and grouped by its 'Quận/Huyện' column (P103 without a roster)."""
    reports: list[DistrictReport] = []
    files: list[Path] = []
    for path in inputs:
        folders = _result_folders(path)
        reports += [_folder_report(f) for f in folders]
        if path.is_dir():   # the other files of a run's output folder are that run's own outputs
            files += [p for p in sorted(path.rglob("*"))
                      if p.is_file() and not any(f == p.parent or f in p.parents for f in folders)]
        elif not folders:
            files.append(path)
    findings: list[Finding] = []
    with private_workdir() as work:
        entries = discover(files, work)
        school_files: list[Entry] = []
        for e in entries:
            payload = read_payload(e.path) if e.fate is None and e.path is not None else None
            if payload is not None:
                reports.append(DistrictReport(district_name(payload, Path(e.name).stem), e.source,
                                              e.received_at.isoformat(), tuple(payload)))
            elif e.fate is None:
                school_files.append(e)
        if school_files and not roster:
            findings += [finding(Code.P103, file=e.source) for e in school_files]
        elif school_files:
            submissions = examine_all(school_files, Context(tuple(rubrics), tuple(roster)), jobs)
            district = consolidate(school_files, submissions, roster)
            by_district: dict[str, list[School]] = defaultdict(list)
            for row, school in zip(district.schools, results(district)):
                by_district[row.info.district or "Ngoài danh sách"].append({**school, "district": row.info.district})
            reports += [DistrictReport(name, "hộp thư của tỉnh", "", tuple(schools))
                        for name, schools in sorted(by_district.items())]
    return reports, findings


def roll_up(reports: Sequence[DistrictReport], extra: Sequence[Finding] = ()) -> Province:
    """Per-district statistics, ranking, criterion averages, and the findings of the roll-up."""
    findings = list(extra)
    latest: dict[str, DistrictReport] = {}
    for r in sorted(reports, key=lambda r: (fold(r.name), r.received, r.source)):
        if fold(r.name) in latest:
            findings.append(finding(Code.P102, file=r.source, value=r.name, detail=latest[fold(r.name)].source))
        latest[fold(r.name)] = r
    seen: dict[str, str] = {}
    schools: list[School] = []
    for r in sorted(latest.values(), key=lambda r: fold(r.name)):
        for s in r.schools:
            code = str(s.get("school_code"))
            if code in seen and s.get("status") != "missing":
                findings.append(finding(Code.P101, file=r.source, value=code, detail=f"{seen[code]}, {r.name}"))
            if s.get("status") != "missing":
                seen.setdefault(code, r.name)
            schools.append({**s, "district": r.name})
    stats = [_stats(r.name, [s for s in schools if s["district"] == r.name]) for r in latest.values()]
    ranked = sorted(stats, key=lambda d: (-(d.average_percent or Fraction(-1)), fold(d.name)))
    ranked = [DistrictStats(**{**d.__dict__, "rank": i}) for i, d in enumerate(ranked, start=1)]
    return Province(tuple(ranked), tuple(schools), _criteria(schools), tuple(findings))


def _scored(s: School) -> bool:
    return s.get("status") in ("valid", "needs_fix", "unlisted") and bool(s.get("groups"))


def _stats(name: str, schools: list[School]) -> DistrictStats:
    levels: dict[str, dict[int, int]] = {k: {0: 0, 1: 0, 2: 0, 3: 0} for k in ("g1", "g2", "overall")}
    percents: list[Fraction] = []
    for s in schools:
        if s.get("status") == "missing":
            continue
        if not _scored(s):
            levels["overall"][0] += 1
            continue
        for g in s["groups"]:
            if f"g{g['id']}" in levels:
                levels[f"g{g['id']}"][int(g["level"])] += 1
        levels["overall"][int(s.get("overall_level") or 0)] += 1
        parts = [Fraction(str(g["score"])) * 100 / Fraction(str(g["max"])) for g in s["groups"] if g["max"]]
        if parts:
            percents.append(sum(parts, Fraction(0)) / len(parts))
    status = [s.get("status") for s in schools]
    return DistrictStats(name, len(schools), len(schools) - status.count("missing"), status.count("valid"),
                         status.count("needs_fix"), status.count("missing"), levels,
                         sum(percents, Fraction(0)) / len(percents) if percents else None,
                         recognition=_recognition(schools))


def _recognition(schools: Sequence[School]) -> RecognitionCounts:
    scored = [s for s in schools if _scored(s)]   # a school without a score has nothing to review
    outcomes: Counter[str | int] = Counter(_outcome(s) for s in scored)
    return RecognitionCounts({n: outcomes[n] for n in (0, 1, 2, 3)}, outcomes["more_evidence"],
                             outcomes["not_recognised"], outcomes["undecided"], outcomes["not_reviewed"],
                             sum(1 for s in scored if _differs(s)))


def _outcome(s: School) -> str | int:
    """The school's recognised level, or the name of the count it falls in."""
    review = s.get("recognition")
    if not isinstance(review, dict):   # null, or absent in a results.json older than the key
        return "not_reviewed"
    decision = review.get("decision")
    if decision == "recognised":
        level = review.get("recognised_level")
        return level if level in (1, 2, 3) else 0
    return decision if decision in ("more_evidence", "not_recognised") else "undecided"


def _differs(s: School) -> bool:
    review = s.get("recognition")
    return (isinstance(review, dict) and review.get("decision") == "recognised"
            and review.get("recognised_level") != s.get("overall_level"))


def _criteria(schools: Sequence[School]) -> dict[tuple[str, str], dict[str, Fraction]]:
    sums: dict[tuple[str, str], dict[str, list[Fraction]]] = defaultdict(lambda: defaultdict(list))
    for s in schools:
        if not _scored(s):
            continue
        for code, points in (s.get("criteria") or {}).items():
            sums[(str(s.get("rubric_id")), code)][s["district"]].append(Fraction(str(points)))
    return {key: {d: sum(v, Fraction(0)) / len(v) for d, v in by.items()} for key, by in sorted(sums.items())}
