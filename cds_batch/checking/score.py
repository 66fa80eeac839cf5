"""Scoring: a pure function from (rubric, one school's raw answers) to its result, in exact arithmetic.

In: a Rubric and a mapping answer key → raw cell value (keys: the criterion code, and
`item_key(code, n)` for checklist items).
Out: a SchoolResult: points per criterion with the reason for every zero and every problem in
the answers, group totals after section caps and conditions, group levels and the overall level.
Never awards points that were not validly claimed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any, Mapping, Sequence

from cds_batch.form.answers import (
    CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES, Parsed, Problem, RawValue, item_key, parse_choice, parse_flag,
    parse_number
)
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.memo import per_object
from cds_batch.rubric.model import Basis, Criterion, Group, Kind, OnFail, OverallRule, Rubric, Section

# Scores remembered per criterion, by the raw answers they came from (a run's schools give a handful
# of distinct answers per criterion); beyond this many, the memo starts again.
_MEMO_SIZE = 512


class ZeroReason(Enum):
    CONDITION_FAILED = "condition_failed"   # a mandatory condition of the group/section was not met
    MISSING = "missing"                     # nothing was answered
    INVALID = "invalid"                     # an answer that cannot be used (unparseable, out of range…)


@dataclass(frozen=True)
class AnswerIssue:
    """One unusable or reinterpreted answer: where (answer key), what, and the raw value."""

    key: str
    problem: Problem | None
    raw: RawValue
    reinterpreted: bool = False


@dataclass(frozen=True)
class CriterionScore:
    code: str
    kind: Kind
    points: Fraction            # awarded, after conditions (before section caps, which act on sums)
    max: Fraction
    claimed: Fraction           # what the answers alone would give
    met: bool | None = None     # conditions only
    zero_reason: ZeroReason | None = None
    issues: tuple[AnswerIssue, ...] = ()


@dataclass(frozen=True)
class GroupScore:
    id: int
    score: Fraction
    max: Fraction
    level: int
    level_name: str
    failed_conditions: tuple[str, ...] = ()

    @property
    def percent(self) -> Fraction:
        return self.score * 100 / self.max if self.max else Fraction(0)


@dataclass(frozen=True)
class SchoolResult:
    rubric_id: str
    rubric_hash: str
    criteria: tuple[CriterionScore, ...]
    groups: tuple[GroupScore, ...]
    overall_level: int

    def criterion(self, code: str) -> CriterionScore:
        return next(c for c in self.criteria if c.code == code)

    def group(self, group_id: int) -> GroupScore:
        return next(g for g in self.groups if g.id == group_id)


def _issue(key: str, parsed: Parsed[Any], raw: RawValue) -> list[AnswerIssue]:
    if parsed.problem is None and not parsed.reinterpreted:
        return []
    return [AnswerIssue(key, parsed.problem, raw, parsed.reinterpreted)]


def _reason(issues: list[AnswerIssue], code: str) -> ZeroReason | None:
    own = [i for i in issues if i.problem is not None and i.key == code]
    if not own:
        return None
    return ZeroReason.MISSING if own[0].problem is Problem.MISSING else ZeroReason.INVALID


@dataclass(frozen=True)
class _CriterionPlan:
    """What scoring a criterion needs that its definition alone gives, worked out once per criterion."""

    keys: tuple[str, ...]                 # the answer keys it reads: its code, then its items'
    max_points: Fraction
    labels: tuple[str, ...]
    points: tuple[Fraction, ...]
    memo: dict[tuple[object, ...], CriterionScore] = field(default_factory=dict, compare=False)


def _criterion_plan(c: Criterion) -> _CriterionPlan:
    keys = (c.code, *(item_key(c.code, n) for n in range(1, len(c.items) + 1)))
    return _CriterionPlan(keys, c.max_points, tuple(o.label for o in c.options), tuple(o.points for o in c.options))


def _memo_key(values: tuple[RawValue, ...]) -> tuple[object, ...] | None:
    """A key under which equal answers score alike, or None when some value may not be told apart from
    an equal one of another look (0.0 and -0.0, a NaN, a date or Decimal …): those are scored afresh."""
    for v in values:
        t = type(v)
        if not (v is None or t is str or t is int or t is bool or (t is float and v != 0 and v == v)):
            return None
    return tuple(map(type, values)), values


def _score_criterion(c: Criterion, plan: _CriterionPlan, answers: Mapping[str, RawValue]) -> CriterionScore:
    """`_score_answer`, remembered: equal answers to a criterion give one shared (frozen) score."""
    key = _memo_key(tuple(answers.get(k) for k in plan.keys))
    if key is None:
        return _score_answer(c, plan, answers)
    found = plan.memo.get(key)
    if found is None:
        if len(plan.memo) >= _MEMO_SIZE:
            plan.memo.clear()
        found = plan.memo[key] = _score_answer(c, plan, answers)
    return found


def _score_answer(c: Criterion, plan: _CriterionPlan, answers: Mapping[str, RawValue]) -> CriterionScore:
    raw = answers.get(c.code)
    issues: list[AnswerIssue] = []
    claimed = Fraction(0)
    met: bool | None = None
    if c.kind is Kind.CONDITION:
        flag = parse_flag(raw, (CONDITION_YES, CONDITION_NO))
        issues += _issue(c.code, flag, raw)
        met = bool(flag.value)  # blank or invalid counts as not met
    elif c.kind is Kind.POINTS:
        number = parse_number(raw)
        if number.value is not None and not 0 <= number.value <= (c.max or 0):
            number = Parsed(problem=Problem.OUT_OF_RANGE)
        elif number.value is not None and c.step and (number.value / c.step).denominator != 1:
            number = Parsed(problem=Problem.OFF_STEP)
        issues += _issue(c.code, number, raw)
        claimed = number.value or Fraction(0)
    elif c.kind is Kind.CHOICE:
        choice = parse_choice(raw, plan.labels, plan.points)
        issues += _issue(c.code, choice, raw)
        claimed = c.options[choice.value].points if choice.value is not None else Fraction(0)
    elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
        number = parse_number(raw, percent=c.kind is Kind.PERCENTAGE)
        band = None
        if number.value is not None:
            in_scale = number.value >= 0 and (c.kind is Kind.NUMBER or number.value <= 100)
            band = next((b for b in c.bands if in_scale and b.interval.contains(number.value)), None)
            if band is None:
                number = Parsed(problem=Problem.OUT_OF_RANGE)
        issues += _issue(c.code, number, raw)
        claimed = band.points if band is not None else Fraction(0)
    else:
        claimed, checklist_issues = _score_checklist(c, plan, answers)
        issues += checklist_issues
    reason = _reason(issues, c.code)
    if reason is not None:
        claimed = Fraction(0)
    return CriterionScore(c.code, c.kind, claimed, plan.max_points, claimed, met, reason, tuple(issues))


def _score_checklist(c: Criterion, plan: _CriterionPlan,
                     answers: Mapping[str, RawValue]) -> tuple[Fraction, list[AnswerIssue]]:
    issues: list[AnswerIssue] = []
    present: list[bool] = []
    for key in plan.keys[1:]:
        flag = parse_flag(answers.get(key), (ITEM_YES, ITEM_NO))
        issues += _issue(key, flag, answers.get(key))
        present.append(bool(flag.value))  # blank or invalid counts as absent
    if c.deduction is not None:
        base = c.base or Fraction(0)
        if c.options:
            raw = answers.get(c.code)
            choice = parse_choice(raw, plan.labels, plan.points)
            issues += _issue(c.code, choice, raw)
            base = c.options[choice.value].points if choice.value is not None else Fraction(0)
        total = base - c.deduction * present.count(False)
    else:
        total = sum((i.points or Fraction(0) for i, p in zip(c.items, present) if p), Fraction(0))
    total = max(total, c.floor)
    return (min(total, c.cap) if c.cap is not None else total), issues


@dataclass(frozen=True)
class _GroupPlan:
    """A group's sums as the rubric fixes them, worked out once per group."""

    free: tuple[str, ...]                                 # codes of the lines outside any declared section
    sections: tuple[tuple[Section, tuple[str, ...]], ...]   # each section with the codes of its lines
    effective_max: Fraction
    levels: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict, compare=False)   # by score


@per_object
def _group_plan(group: Group) -> _GroupPlan:
    declared = {s.code for s in group.sections}
    return _GroupPlan(tuple(c.code for c in group.criteria if c.section not in declared),
                      tuple((s, tuple(c.code for c in group.section_lines(s.code))) for s in group.sections),
                      group.effective_max)


def _sum(values: Sequence[Fraction]) -> Fraction:
    """Σ values from Fraction(0), exactly as `sum` gives it; whole numbers (most points) are added as ints,
    many times faster than Fraction addition."""
    whole = 0
    for i, v in enumerate(values):
        if type(v) is not Fraction or v.denominator != 1:
            return sum(values[i:], Fraction(whole))
        whole += v.numerator
    return Fraction(whole)


def classify(group: Group, score: Fraction) -> tuple[int, str]:
    """The level band that holds `score` (or its percentage of the group maximum)."""
    plan = _group_plan(group)
    if type(score) is not Fraction:
        return _classify(group, plan.effective_max, score)
    key = (score.numerator, score.denominator)   # a group's schools reach a few dozen totals
    found = plan.levels.get(key)
    if found is None:
        if len(plan.levels) >= _MEMO_SIZE:
            plan.levels.clear()
        found = plan.levels[key] = _classify(group, plan.effective_max, score)
    return found


def _classify(group: Group, top: Fraction, score: Fraction) -> tuple[int, str]:
    measure = score if group.levels.basis is Basis.POINTS else (score * 100 / top if top else Fraction(0))
    for band in group.levels.bands:
        if band.interval.contains(measure):
            return band.level, band.name
    raise CdsBatchError(f"Nhóm {group.id}: không có mức nào chứa {float(measure):g}; "
                        "hãy chạy 'cds-batch rubric check'.")


def _score_group(group: Group, scores: Sequence[CriterionScore]) -> tuple[GroupScore, list[CriterionScore]]:
    plan = _group_plan(group)
    failed = [(c, s) for c, s in zip(group.criteria, scores) if c.kind is Kind.CONDITION and not s.met]
    zero_group = any(c.on_fail is OnFail.ZERO_GROUP for c, _ in failed)
    zero_sections = {c.section for c, _ in failed if c.on_fail is OnFail.ZERO_SECTION}
    final: list[CriterionScore] = []
    for c, s in zip(group.criteria, scores):
        if c.kind is not Kind.CONDITION and s.points and (zero_group or c.section in zero_sections):
            s = CriterionScore(s.code, s.kind, Fraction(0), s.max, s.claimed, s.met,
                               ZeroReason.CONDITION_FAILED, s.issues)
        final.append(s)
    by_code = {s.code: s for s in final}
    total = _sum([by_code[code].points for code in plan.free])
    for section, codes in plan.sections:
        total += min(_sum([by_code[code].points for code in codes]), section.cap)
    level, name = classify(group, total)
    return GroupScore(group.id, total, plan.effective_max, level, name, tuple(c.code for c, _ in failed)), final


@per_object
def _criteria(rubric: Rubric) -> tuple[tuple[Criterion, _CriterionPlan], ...]:
    """Each criterion of `rubric` with its plan (and the memo of its scores), built once per rubric."""
    return tuple((c, _criterion_plan(c)) for g in rubric.groups for c in g.criteria)


def score(rubric: Rubric, answers: Mapping[str, RawValue]) -> SchoolResult:
    """Score one school's raw answers against `rubric`."""
    return score_claims(rubric, {c.code: _score_criterion(c, plan, answers) for c, plan in _criteria(rubric)})


def score_claims(rubric: Rubric, claims: Mapping[str, CriterionScore]) -> SchoolResult:
    """Conditions, section caps, group levels and the overall level from each criterion's claimed points
    (`points` = `claimed`) and met condition: the rules of `score`, for points decided elsewhere (the
    office's external evaluation, `recognition`)."""
    groups: list[GroupScore] = []
    criteria: list[CriterionScore] = []
    for group in rubric.groups:
        group_score, criterion_scores = _score_group(group, [claims[c.code] for c in group.criteria])
        groups.append(group_score)
        criteria += criterion_scores
    levels = [g.level for g in groups]
    overall = min(levels) if rubric.overall is OverallRule.MIN else max(levels)
    return SchoolResult(rubric.id, rubric.content_hash, tuple(criteria), tuple(groups), overall)
