"""The rubric model: frozen dataclasses for an indicator set ("Bộ chỉ số"), numbers as Fractions.

In: nothing (built by `rubric.loading` from a checked dict).
Out: `Rubric` with its groups, sections, criteria and level bands; `Rubric.content_hash` changes
whenever anything that affects scoring changes, and only then; the rubric's `Standing` and the one
line every output printing its levels carries when it is not the official text (`standing_line`).
"""
from __future__ import annotations

from cds_batch.core.numbers import decimal_text
import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any, Collection, Iterable


class Kind(Enum):
    CONDITION = "condition"    # Đạt / Không đạt, no points
    POINTS = "points"          # the school enters 0..max (optionally in steps)
    CHOICE = "choice"          # one option, each with its points
    CHECKLIST = "checklist"    # items present or not; per-item points or a deduction per missing item
    NUMBER = "number"          # a count mapped to points by bands
    PERCENTAGE = "percentage"  # a share 0..100 mapped to points by bands


class OnFail(Enum):
    """What failing a condition does."""

    ZERO_GROUP = "zero_group"
    ZERO_SECTION = "zero_section"
    NONE = "none"


class Basis(Enum):
    """What level bands are measured on."""

    POINTS = "points"
    PERCENT = "percent"   # of the group's effective maximum


class OverallRule(Enum):
    """How the institution's overall level follows from its group levels."""

    MIN = "min"
    MAX = "max"


class Standing(Enum):
    """How far a rubric is the official text: said wherever a level computed with it is printed."""

    OFFICIAL = "official"            # the decision's own annex, checked against it
    ADAPTED = "adapted"              # a local office's version (the default for a file an office loads)
    RECONSTRUCTED = "reconstructed"  # rebuilt from public sources, not checked against the official text

    @property
    def label(self) -> str:
        return STANDING_LABELS[self]


STANDING_LABELS = {
    Standing.OFFICIAL: "văn bản chính thức",
    Standing.ADAPTED: "điều chỉnh của địa phương",
    Standing.RECONSTRUCTED: "tái dựng từ nguồn công khai, chưa đối chiếu văn bản chính thức",
}
# What the reader of a non-official rubric's levels should do: the office can load the official set; a
# school (the template's guide, its feedback) can only know that the level is not final.
STANDING_ADVICE = ("Mức in ra chỉ để tham khảo; để có kết quả chính thức, hãy nạp bộ chỉ số chính thức bằng "
                   "--rubric TỆP (xem README).")
STANDING_ADVICE_SCHOOL = "Mức tính ra chỉ để tham khảo, chưa phải kết quả chính thức."


@dataclass(frozen=True)
class Interval:
    """A closed, open or half-open interval [lo, hi] of points or percent."""

    lo: Fraction
    hi: Fraction
    lo_inclusive: bool = True
    hi_inclusive: bool = True

    def contains(self, x: Fraction) -> bool:
        above = x > self.lo or (self.lo_inclusive and x == self.lo)
        below = x < self.hi or (self.hi_inclusive and x == self.hi)
        return above and below

    def describe(self) -> str:
        left = "[" if self.lo_inclusive else "("
        right = "]" if self.hi_inclusive else ")"
        return f"{left}{decimal_text(self.lo)}; {decimal_text(self.hi)}{right}"


@dataclass(frozen=True)
class LevelBand:
    level: int
    name: str
    interval: Interval


@dataclass(frozen=True)
class Levels:
    basis: Basis
    bands: tuple[LevelBand, ...]


@dataclass(frozen=True)
class Option:
    label: str
    points: Fraction


@dataclass(frozen=True)
class Item:
    label: str
    points: Fraction | None = None


@dataclass(frozen=True)
class PointBand:
    interval: Interval
    points: Fraction


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    kind: Kind
    max: Fraction | None = None        # points: the ceiling the school may enter
    step: Fraction | None = None       # points: answers must be multiples of this
    options: tuple[Option, ...] = ()   # choice; checklist: the base chosen before deductions
    items: tuple[Item, ...] = ()       # checklist
    base: Fraction | None = None       # checklist: fixed base before deductions when no options
    deduction: Fraction | None = None  # checklist: points lost per missing item
    floor: Fraction = Fraction(0)      # checklist: never below
    cap: Fraction | None = None        # checklist: never above
    bands: tuple[PointBand, ...] = ()  # number, percentage
    unit: str = ""
    on_fail: OnFail = OnFail.ZERO_GROUP
    section: str = ""
    evidence: tuple[str, ...] = ()
    confidence: str = ""
    note: str = ""

    @property
    def max_points(self) -> Fraction:
        """The most this criterion can give, before any section cap."""
        if self.kind is Kind.CONDITION:
            return Fraction(0)
        if self.kind is Kind.POINTS:
            return self.max or Fraction(0)
        if self.kind in (Kind.NUMBER, Kind.PERCENTAGE):
            return max((b.points for b in self.bands), default=Fraction(0))
        if self.kind is Kind.CHOICE:
            return max((o.points for o in self.options), default=Fraction(0))
        # checklist
        if self.deduction is not None:
            top = max((o.points for o in self.options), default=self.base or Fraction(0))
        else:
            top = sum((i.points or Fraction(0) for i in self.items), Fraction(0))
        top = max(top, self.floor)
        return min(top, self.cap) if self.cap is not None else top


@dataclass(frozen=True)
class Section:
    """A run of lines whose sum is capped ("Tối đa phần 2.3: 10 điểm")."""

    code: str
    name: str
    cap: Fraction


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    levels: Levels
    criteria: tuple[Criterion, ...]
    sections: tuple[Section, ...] = ()
    declared_max: Fraction | None = None   # what the text prints ("/100"); checked, not used

    def section_lines(self, code: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.section == code)

    @property
    def effective_max(self) -> Fraction:
        """The most the group can score: its lines, with each section held to its cap."""
        declared = {s.code for s in self.sections}
        total = sum((c.max_points for c in self.criteria if c.section not in declared), Fraction(0))
        for section in self.sections:
            lines = sum((c.max_points for c in self.section_lines(section.code)), Fraction(0))
            total += min(lines, section.cap)
        return total


@dataclass(frozen=True)
class Rubric:
    id: str
    name: str
    version: str
    groups: tuple[Group, ...]
    overall: OverallRule = OverallRule.MIN
    decision: str = ""
    provenance: str = ""
    notes: str = ""
    status: Standing = Standing.ADAPTED   # not in the content hash: it changes no score (see `_scoring_view`)
    content_hash: str = field(default="", compare=False)

    def criterion(self, code: str) -> Criterion:
        for group in self.groups:
            for criterion in group.criteria:
                if criterion.code == code:
                    return criterion
        raise KeyError(code)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


def standing_line(rubrics: Iterable[Rubric], *, scored: Collection[str] | None = None,
                  for_school: bool = False) -> str | None:
    """The line an output printing levels of `rubrics` carries: each non-official one named with its
    standing, then what to do; None when every one is official (or there is none).

    :param scored: only the rubrics with these ids (those that gave the levels printed); all when None.
    :param for_school: the reader is a school (template guide, feedback), which cannot load a rubric.
    """
    first: dict[str, Rubric] = {}
    for r in rubrics:   # one rubric per id, the first given: a run's own file before a built-in of its id
        first.setdefault(r.id, r)
    shown = [r for r in first.values() if r.status is not Standing.OFFICIAL and (scored is None or r.id in scored)]
    if not shown:
        return None
    named = "; ".join(f"{r.name} ({r.id}) — {r.status.label}" for r in shown)
    return f"Bộ chỉ số: {named}. {STANDING_ADVICE_SCHOOL if for_school else STANDING_ADVICE}"


def _scoring_view(rubric: Rubric) -> dict[str, Any]:
    """Everything that changes a score, a level or which answer is valid; nothing descriptive.

    The standing (`Rubric.status`) is left out on purpose: it changes no score, and an office that
    confirms a reconstructed set against the official annex and marks it official must still accept
    the templates already sent with it (a different hash makes them "another version", E113).
    """

    def num(x: Fraction | None) -> str | None:
        return None if x is None else str(x)

    def interval(i: Interval) -> list[Any]:
        return [num(i.lo), num(i.hi), i.lo_inclusive, i.hi_inclusive]

    return {
        "overall": rubric.overall.value,
        "groups": [
            {
                "id": g.id,
                "basis": g.levels.basis.value,
                "bands": [[b.level, interval(b.interval)] for b in g.levels.bands],
                "sections": [[s.code, num(s.cap)] for s in g.sections],
                "criteria": [
                    {
                        "code": c.code, "kind": c.kind.value, "max": num(c.max), "step": num(c.step),
                        "options": [[o.label, num(o.points)] for o in c.options],
                        "items": [num(i.points) for i in c.items],
                        "base": num(c.base), "deduction": num(c.deduction), "floor": num(c.floor),
                        "cap": num(c.cap), "bands": [[interval(b.interval), num(b.points)] for b in c.bands],
                        "on_fail": c.on_fail.value, "section": c.section,
                    }
                    for c in g.criteria
                ],
            }
            for g in rubric.groups
        ],
    }


def compute_hash(rubric: Rubric) -> str:
    """SHA-256 of the canonical JSON of the scoring view."""
    canonical = json.dumps(_scoring_view(rubric), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
