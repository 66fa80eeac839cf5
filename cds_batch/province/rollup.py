"""Province roll-up: the districts' reports → one picture. Pure: no I/O (`province.load` reads the reports).

In: `DistrictReport`s, each a unit's results records (`reports.contract.SchoolRecord`), and the ledger
of the inputs they came from (`province.load`).
Out: `Province`: every school with its district, per-district counts per level and average
scores, the external review's outcome per district (recognised levels, other decisions, schools
recognised at a level other than their own), a ranking, per-criterion averages per district, the
ledger with each result of a unit that sent two marked superseded, and findings: a school reported
by two districts (P101), every input not used with its reason (the superseded one names the result
used and why: P102, P105, P106), and nothing rolled up at all (P110).

Of two results of one unit, the one used is decided by what the results carry, never by a file's
time: the later latest received time among its schools' submissions, then more schools that
submitted, then the source that sorts first. Any order of the inputs gives the same choice.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from fractions import Fraction
from typing import Iterable, Sequence

from cds_batch.core.findings import Code, Finding, Reason, finding, reason
from cds_batch.core.text import fold
from cds_batch.district.consolidate import LedgerRow
from cds_batch.intake.containers import local_time
from cds_batch.intake.discover import Fate
from cds_batch.reports.contract import SchoolRecord


@dataclass(frozen=True)
class DistrictReport:
    name: str
    source: str                      # the ledger's name of the file it was read from
    schools: tuple[SchoolRecord, ...]

    @property
    def latest(self) -> datetime | None:
        """The latest time a submission among its schools was received; None when none was."""
        times = [datetime.fromisoformat(t) for s in self.schools if isinstance(t := s.get("received_at"), str)]
        aware = [t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc) for t in times]
        return max(aware, default=None)

    @property
    def submitted(self) -> int:
        """How many of its schools sent a submission."""
        return sum(1 for s in self.schools if s.get("status") != "missing")


@dataclass(frozen=True)
class RecognitionCounts:
    """The external review ("đánh giá ngoài") of one district's scored schools, or of several summed.

    Only scored schools count (submitted, with a self-assessed score), and each falls in exactly one
    count: recognised (by recognised level), more evidence asked, not recognised, reviewed without a
    decision yet, or not reviewed (recognition null or absent: a run without --review, or a
    results.json written before the key existed). A decision this version does not know counts as
    no decision yet, and so does a 'recognised' one without a recognised level: the district withheld
    it because the self-assessment's errors were not all evaluated (`SchoolRecognition.withheld`).
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
    schools: tuple[SchoolRecord, ...]              # every school, with 'district'
    criteria: dict[tuple[str, str], dict[str, Fraction]]   # (rubric id, code) → district → average points
    findings: tuple[Finding, ...]
    ledger: tuple[LedgerRow, ...] = ()      # every input and what became of it

    @property
    def unused(self) -> tuple[LedgerRow, ...]:
        """The inputs neither used nor opened as a container: each is a finding, and the run needs a look."""
        return tuple(r for r in self.ledger if r.fate not in (Fate.USED, Fate.CONTAINER))

    @property
    def has_recognition(self) -> bool:
        """Whether any school carries an external review (the province workbook then shows it)."""
        return any(isinstance(s.get("recognition"), dict) for s in self.schools)


def roll_up(reports: Sequence[DistrictReport], ledger: Sequence[LedgerRow] = ()) -> Province:
    """Per-district statistics, ranking, criterion averages, the ledger's final fates, and the findings."""
    latest: dict[str, DistrictReport] = {}
    lost: dict[str, Reason] = {}   # the source of a result not used → why
    for r in sorted(reports, key=_preference):
        kept = latest.setdefault(fold(r.name), r)
        if kept is not r:
            lost[r.source] = _why(kept, r)
    ledger = [replace(row, fate=Fate.SUPERSEDED, reason=lost[row.entry.source].text,
                      reason_code=lost[row.entry.source].code)
              if row.entry.source in lost and row.fate is Fate.USED else row for row in ledger]
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    schools: list[SchoolRecord] = []
    for r in sorted(latest.values(), key=lambda r: fold(r.name)):
        for s in r.schools:
            code = str(s.get("school_code"))
            if code in seen and s.get("status") != "missing":
                findings.append(finding(Code.P101, file=r.source, value=code, detail=f"{seen[code]}, {r.name}"))
            if s.get("status") != "missing":
                seen.setdefault(code, r.name)
            schools.append({**s, "district": r.name})
    unused = [row for row in ledger if row.fate not in (Fate.USED, Fate.CONTAINER)]
    findings += [_unused_finding(row) for row in unused]
    if not latest:
        findings.append(finding(Code.P110))
    stats = [_stats(r.name, [s for s in schools if s["district"] == r.name]) for r in latest.values()]
    ranked = sorted(stats, key=lambda d: (-(d.average_percent or Fraction(-1)), fold(d.name)))
    ranked = [DistrictStats(**{**d.__dict__, "rank": i}) for i, d in enumerate(ranked, start=1)]
    return Province(tuple(ranked), tuple(schools), _criteria(schools), tuple(findings), tuple(ledger))


_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _preference(r: DistrictReport) -> tuple[str, float, int, str]:
    """Sort key putting the result to use first within a unit: latest submission, most submitted, source."""
    return fold(r.name), -(r.latest or _NEVER).timestamp(), -r.submitted, r.source


def _when(r: DistrictReport) -> str | None:
    return local_time(r.latest).strftime("%d/%m/%Y %H:%M") if r.latest is not None else None


def _why(won: DistrictReport, lost: DistrictReport) -> Reason:
    """Why `won` is used rather than `lost` (two results of one unit): the finding and the ledger reason."""
    both = {"value": won.name, "won": won.source, "lost": lost.source}
    if won.latest != lost.latest:
        return reason(Code.P102, **both, when=_when(won), other=_when(lost) or "chưa có bài nộp")
    if won.submitted != lost.submitted:
        return reason(Code.P105, **both, when=_when(won) or "chưa có bài nộp", count=won.submitted,
                      other=lost.submitted)
    return reason(Code.P106, **both, when=_when(won) or "chưa có bài nộp")


def _unused_finding(row: LedgerRow) -> Finding:
    """An input not used, as a finding on its file: the ledger's reason, under its own code."""
    code = row.reason_code or Code.P108
    return Finding(code, row.reason or code.template, file=row.entry.source)


def _scored(s: SchoolRecord) -> bool:
    return s.get("status") in ("valid", "needs_fix", "unlisted") and bool(s.get("groups"))


def _stats(name: str, schools: list[SchoolRecord]) -> DistrictStats:
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


def _recognition(schools: Sequence[SchoolRecord]) -> RecognitionCounts:
    scored = [s for s in schools if _scored(s)]   # a school without a score has nothing to review
    outcomes: Counter[str | int] = Counter(_outcome(s) for s in scored)
    return RecognitionCounts({n: outcomes[n] for n in (0, 1, 2, 3)}, outcomes["more_evidence"],
                             outcomes["not_recognised"], outcomes["undecided"], outcomes["not_reviewed"],
                             sum(1 for s in scored if _differs(s)))


def _outcome(s: SchoolRecord) -> str | int:
    """The school's recognised level, or the name of the count it falls in."""
    review = s.get("recognition")
    if not isinstance(review, dict):   # null, or absent in a results.json older than the key
        return "not_reviewed"
    decision = review.get("decision")
    if decision == "recognised":
        level = review.get("recognised_level")
        return level if level in (1, 2, 3) else 0 if level is not None else "undecided"
    return decision if decision in ("more_evidence", "not_recognised") else "undecided"


def _differs(s: SchoolRecord) -> bool:
    review = s.get("recognition")
    level = review.get("recognised_level") if isinstance(review, dict) else None
    return (isinstance(review, dict) and review.get("decision") == "recognised" and level is not None
            and level != s.get("overall_level"))


def _criteria(schools: Sequence[SchoolRecord]) -> dict[tuple[str, str], dict[str, Fraction]]:
    sums: dict[tuple[str, str], dict[str, list[Fraction]]] = defaultdict(lambda: defaultdict(list))
    for s in schools:
        if not _scored(s):
            continue
        for code, points in (s.get("criteria") or {}).items():
            sums[(str(s.get("rubric_id")), code)][s["district"]].append(Fraction(str(points)))
    return {key: {d: sum(v, Fraction(0)) / len(v) for d, v in by.items()} for key, by in sorted(sums.items())}
