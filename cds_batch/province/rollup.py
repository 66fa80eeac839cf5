"""Province roll-up: the offices' results → one picture per management unit. Pure: no I/O (`province.load`
reads the results).

In: `OfficeReport`s, each the results records (`reports.contract.SchoolRecord`) one office sent (a commune
office, a Sở's own direct run, the province's inbox of school files), the ledger of the inputs they came
from (`province.load`), and the province roster when there is one.
Out: `Province`: every school once, in its management unit (`reports.contract.unit_of`; the province
roster's unit when it names one), per-unit counts per level and average scores, the external review's
outcome per unit (recognised levels, other decisions, schools recognised at a level other than their
own), a ranking, per-criterion averages per unit, the ledger with each result of an office that sent
two marked superseded, and findings: a school listed by two units (P101), every input not used with its
reason (the superseded one names the result used and why: P102, P105, P106), a unit of the roster
that sent nothing (P111), and nothing rolled up at all (P110).

Of two results of one office, the one used is decided by what the results carry, never by a file's
time: the later latest received time among its schools' submissions, then more schools that
submitted, then the source that sorts first. Any order of the inputs gives the same choice.

A school in several results is counted once: a unit that lists it (any status but unlisted) before
one that got its file without having it on its roster ("unlisted"), then the record with a
submission, received latest, then the office's name and source sorting first. When the units listing
it only have it as missing, the file another unit received is its submission, counted in the unit
that lists it (valid or to fix as its errors say). The province roster lists the same way: its
schools in no result are missing in their unit, and a unit none of whose schools was reported is
marked as not having sent its results.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from fractions import Fraction
from typing import Iterable, Sequence

from cds_batch.core.findings import Code, Finding, Reason, finding, reason
from cds_batch.core.text import fold
from cds_batch.district.consolidate import LedgerRow, SchoolRow, Status
from cds_batch.intake.containers import local_time
from cds_batch.intake.discover import Fate
from cds_batch.reports.contract import SchoolRecord, unit_of
from cds_batch.reports.data_files import school_object
from cds_batch.reports.units import UnitCounts
from cds_batch.rubric.roster import SchoolInfo


@dataclass(frozen=True)
class OfficeReport:
    """The results one office sent: `name` is that office (its records' `office`, else their district, else
    the file's name); two results of one office are one office's older and newer results."""

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
    """The external review ("đánh giá ngoài") of one unit's scored schools, or of several summed.

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
class UnitStats:
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
    reported: bool = True   # False: a unit of the province roster none of whose schools is in any result


@dataclass(frozen=True)
class Province:
    units: tuple[UnitStats, ...]           # in ranking order
    schools: tuple[SchoolRecord, ...]      # every school once, by unit then code, with its 'unit'
    criteria: dict[tuple[str, str], dict[str, Fraction]]   # (rubric id, code) → unit → average points
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


UNNAMED_UNIT = "Chưa rõ đơn vị"   # a school whose record and roster row name no unit, office or district


def roster_unit(school: SchoolInfo) -> str:
    """A province roster school's unit (`rubric.roster.with_units`); of a roster all in one district or
    commune, that district or commune; "" when the row names none."""
    return school.unit or school.district or school.commune


@dataclass(frozen=True)
class _Candidate:
    """One school record of a result used, with what decides which record of a school is counted."""

    record: SchoolRecord
    report: OfficeReport

    @property
    def listed(self) -> bool:
        return self.record.get("status") != Status.UNLISTED.value

    @property
    def unit(self) -> str:
        """The unit its record carries; of a record naming none (no unit, office or district), the office
        that sent it."""
        return unit_of(self.record) or self.report.name

    @property
    def submitted(self) -> bool:
        return self.record.get("status") != Status.MISSING.value

    def key(self) -> tuple[bool, bool, float, str, str]:
        """Sort key: the record to count first: with a submission, listed, received latest, then the report."""
        when = self.record.get("received_at")
        time = _aware(datetime.fromisoformat(when)) if isinstance(when, str) else _NEVER
        return not self.submitted, not self.listed, -time.timestamp(), fold(self.report.name), self.report.source


def roll_up(reports: Sequence[OfficeReport], ledger: Sequence[LedgerRow] = (),
            roster: Sequence[SchoolInfo] = ()) -> Province:
    """Per-unit statistics, ranking, criterion averages, the ledger's final fates, and the findings.

    :param roster: the province roster: its units name the schools on it, and its schools in no result
        are missing.
    """
    latest: dict[str, OfficeReport] = {}
    lost: dict[str, Reason] = {}   # the source of a result not used → why
    for r in sorted(reports, key=_preference):
        kept = latest.setdefault(fold(r.name), r)
        if kept is not r:
            lost[r.source] = _why(kept, r)
    ledger = [replace(row, fate=Fate.SUPERSEDED, reason=lost[row.entry.source].text,
                      reason_code=lost[row.entry.source].code)
              if row.entry.source in lost and row.fate is Fate.USED else row for row in ledger]
    used = sorted(latest.values(), key=lambda r: (fold(r.name), r.source))
    placed, twice_listed = _placed(used, {s.code: s for s in roster})
    unit_names: dict[str, str] = {}
    for s in placed:   # one unit however its name is spelt: named by the spelling that sorts first
        unit_names[fold(s["unit"])] = min(unit_names.get(fold(s["unit"]), s["unit"]), s["unit"])
    schools: list[SchoolRecord] = [{**s, "unit": unit_names[fold(s["unit"])]} for s in placed]
    schools.sort(key=lambda s: (fold(s["unit"]), str(s.get("school_code"))))
    by_unit: dict[str, list[SchoolRecord]] = defaultdict(list)
    for s in schools:
        by_unit[s["unit"]].append(s)
    listed = {str(s.get("school_code")) for r in used for s in r.schools if s.get("status") != Status.UNLISTED.value}
    quiet = {fold(unit) for unit in _silent_units(roster, listed)}
    stats = [_stats(name, group, reported=fold(name) not in quiet) for name, group in by_unit.items()]
    findings = [*twice_listed, *(finding(Code.P111, value=u.name, count=u.missing) for u in stats if not u.reported)]
    findings += [_unused_finding(row) for row in ledger if row.fate not in (Fate.USED, Fate.CONTAINER)]
    if not latest:
        findings.append(finding(Code.P110))
    ranked = sorted(stats, key=lambda d: (-(d.average_percent or Fraction(-1)), fold(d.name)))
    ranked = [replace(d, rank=i) for i, d in enumerate(ranked, start=1)]
    return Province(tuple(ranked), tuple(schools), _criteria(schools), tuple(findings), tuple(ledger))


def _placed(used: Sequence[OfficeReport], roster: dict[str, SchoolInfo]) -> tuple[list[SchoolRecord], list[Finding]]:
    """Every school once, with its `unit` set, and a P101 for each school two units list."""
    by_code: dict[str, list[_Candidate]] = defaultdict(list)
    for r in used:
        for s in r.schools:
            by_code[str(s.get("school_code"))].append(_Candidate(s, r))
    schools: list[SchoolRecord] = []
    findings: list[Finding] = []
    for code, candidates in by_code.items():
        candidates.sort(key=_Candidate.key)
        counted = candidates[0]
        listing = [c for c in candidates if c.listed]
        units = sorted({fold(c.unit): c.unit for c in listing}.values(), key=fold)
        if len(units) > 1:
            findings.append(finding(Code.P101, file=counted.report.source, value=code, detail=", ".join(units)))
        info = roster.get(code)
        record, unit = counted.record, counted.unit
        if listing and not counted.listed:   # listed elsewhere only as missing
            record, unit = _listed_submission(record, listing[0].record), listing[0].unit
        elif info is not None and not counted.listed:   # listed by the province roster
            record = _listed_submission(record, _missing(info))
        if info is not None and roster_unit(info):
            unit = roster_unit(info)
        schools.append({**record, "unit": unit or UNNAMED_UNIT})
    placed = set(by_code)
    schools += [{**_missing(s), "unit": roster_unit(s) or UNNAMED_UNIT} for code, s in roster.items()
                if code not in placed]
    return schools, findings


def _missing(school: SchoolInfo) -> SchoolRecord:
    """The record of a roster school in no result: missing, as a district run writes it."""
    return school_object(SchoolRow(school, Status.MISSING))


def _listed_submission(submission: SchoolRecord, listed: SchoolRecord) -> SchoolRecord:
    """The submission a unit received without having the school on its roster, counted as the unit that
    lists the school (or the province roster) would have: its identity, and valid or to fix as the
    submission's errors say."""
    status = Status.NEEDS_FIX if submission.get("provisional") else Status.VALID
    return {**submission, "school_name": listed["school_name"], "level_of_education": listed["level_of_education"],
            "commune": listed["commune"], "district": listed["district"], "status": status.value}


def _silent_units(roster: Sequence[SchoolInfo], listed: set[str]) -> set[str]:
    """The units of the roster none of whose schools any result used lists (a school's file another unit
    received, outside its roster, is no report of the school's own unit)."""
    by_unit: dict[str, list[str]] = defaultdict(list)
    for s in roster:
        by_unit[roster_unit(s) or UNNAMED_UNIT].append(s.code)
    return {unit for unit, codes in by_unit.items() if not listed.intersection(codes)}


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _preference(r: OfficeReport) -> tuple[str, float, int, str]:
    """Sort key putting the result to use first within a unit: latest submission, most submitted, source."""
    return fold(r.name), -(r.latest or _NEVER).timestamp(), -r.submitted, r.source


def _when(r: OfficeReport) -> str | None:
    return local_time(r.latest).strftime("%d/%m/%Y %H:%M") if r.latest is not None else None


def _why(won: OfficeReport, lost: OfficeReport) -> Reason:
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


def _stats(name: str, schools: list[SchoolRecord], reported: bool = True) -> UnitStats:
    """A unit's figures, counted by the district summary's rule (`reports.units.UnitCounts`) from its records."""
    c = UnitCounts()
    for s in schools:
        status = s.get("status")
        groups = [(int(g["id"]), int(g["level"]), Fraction(str(g["score"])), Fraction(str(g["max"])))
                  for g in s.get("groups") or []]
        c.count(Status(status) if status in Status._value2member_map_ else None, groups, s.get("overall_level"))
    submitted = c.schools - c.by_status[Status.MISSING]
    levels = {f"g{gid}": {0: 0, **{n: c.levels[gid, n] for n in (1, 2, 3)}} for gid in (1, 2)}
    at_level = {n: c.levels[None, n] for n in (1, 2, 3)}
    levels["overall"] = {0: submitted - sum(at_level.values()), **at_level}   # 0: submitted, not at a level
    return UnitStats(name, c.schools, submitted, c.by_status[Status.VALID],
                     c.by_status[Status.NEEDS_FIX], c.by_status[Status.MISSING], levels, c.average,
                     recognition=_recognition(schools), reported=reported)


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
            sums[(str(s.get("rubric_id")), code)][s["unit"]].append(Fraction(str(points)))
    return {key: {d: sum(v, Fraction(0)) / len(v) for d, v in by.items()} for key, by in sorted(sums.items())}
