"""Recognition: the office's external evaluation ("đánh giá ngoài") applied to the schools' self-assessments.

In: the consolidated `District` (each school's self-assessed result), the `Review` the evaluators
filled (read by `review_read`: evaluated points or Đạt/Không đạt per criterion, a decision, the
reviewer and comments per school) and the run's rubrics.
Out: a `Recognition`: per school the self-assessed and the evaluated result (group scores, levels,
overall level), the decision, the reviewer, and every criterion whose evaluated value differs from
the school's own, with the evaluators' comment. Pure: no I/O.

Recognition must be earned: a self-assessment that still has errors is recognised only when the
evaluators gave a value for every criterion with an error (their value replaces the unusable answer).
An error tied to no criterion (the file's identity, its template version …) is one no evaluated value
cures: only a corrected file from the school does. A school decided "Công nhận" without that is
withheld: no recognised level, listed apart, and a finding (V106, V107) says what to do.

The evaluated points replace the points the school's answers claimed (before conditions and
caps); the groups are then scored again by `scoring.score_claims`, so mandatory conditions, section
caps, level bands and the overall rule are the rubric's own, never restated here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from functools import cached_property
from fractions import Fraction
from typing import Mapping, Sequence, Union

from cds_batch.district.consolidate import District, SchoolRow
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.rubric.model import Kind, Rubric
from cds_batch.checking.score import CriterionScore, SchoolResult, ZeroReason, score_claims

Value = Union[Fraction, bool]   # points of a scored criterion; met (Đạt) of a condition
NO_DECISION = "Chưa có kết luận"
NOT_ELIGIBLE = "Chưa đủ điều kiện công nhận"          # decided "Công nhận", but errors remain uncured
RESOLVED = "Đã xử lý lỗi khi đánh giá ngoài"          # recognised, every error cured by an evaluated value
# The self-assessment's errors an evaluated value cures: an answer missing or unusable (E201–E205), or
# not found in the file (E103, E104); scoring records each as an issue of its criterion. Any other
# error is about the file itself (identity E401, template version E114 …), tied to no criterion.
ANSWER_ERRORS = frozenset({Code.E103, Code.E104, Code.E201, Code.E202, Code.E203, Code.E204, Code.E205})


class Decision(str, Enum):
    """What the office decides for a school's file (the review workbook's dropdown)."""

    RECOGNISED = "recognised"
    MORE_EVIDENCE = "more_evidence"
    NOT_RECOGNISED = "not_recognised"

    @property
    def label(self) -> str:
        return {"recognised": "Công nhận", "more_evidence": "Yêu cầu bổ sung",
                "not_recognised": "Không công nhận"}[self.value]


def decision_label(decision: Decision | None) -> str:
    return decision.label if decision is not None else NO_DECISION


@dataclass(frozen=True)
class CriterionReview:
    """The evaluators' line for one criterion of one school, and the cell it was read from."""

    school_code: str
    code: str
    points: Fraction | None = None   # scored criteria: the evaluated points (None: not given or unusable)
    met: bool | None = None          # conditions: Đạt → True, Không đạt → False
    comment: str = ""
    sheet: str = ""
    cell: str = ""

    @property
    def value(self) -> Value | None:
        return self.met if self.met is not None else self.points


@dataclass(frozen=True)
class SchoolDecision:
    """The evaluators' conclusion for one school, and the cell of its decision."""

    school_code: str
    decision: Decision | None = None
    reviewer: str = ""
    comment: str = ""
    sheet: str = ""
    cell: str = ""
    file: str = ""   # the review workbook (a review may be split in several)


@dataclass(frozen=True)
class Review:
    """A review workbook as read back: its identity, every evaluated line and decision, and findings."""

    file: str
    round_label: str
    office: str
    rubric_hashes: Mapping[str, str]
    criteria: tuple[CriterionReview, ...] = ()
    schools: tuple[SchoolDecision, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Remark:
    """A criterion the evaluators changed or commented on, with who and where: the summary lists the
    changed ones (`changed`), the school's feedback all of them."""

    school_code: str
    school_name: str
    code: str
    name: str
    self_value: Value
    evaluated: Value | None   # None: a comment without a new value
    comment: str
    reviewer: str
    sheet: str = ""
    cell: str = ""

    @property
    def changed(self) -> bool:
        return self.evaluated is not None and self.evaluated != self.self_value


@dataclass(frozen=True)
class SchoolRecognition:
    """One school: its self-assessed result, the result from the evaluated points, and the decision."""

    code: str
    name: str
    self_result: SchoolResult
    result: SchoolResult
    decision: Decision | None
    reviewer: str
    comment: str
    remarks: tuple[Remark, ...]
    resolved: tuple[str, ...] = ()     # criteria with an error in the self-assessment, given an evaluated value
    unresolved: tuple[str, ...] = ()   # criteria with an error and no evaluated value
    file_errors: tuple[str, ...] = ()  # codes of the errors tied to no criterion (E401 …): no evaluation cures them

    @property
    def differences(self) -> tuple[Remark, ...]:
        """The criteria whose evaluated value is not the school's own."""
        return tuple(r for r in self.remarks if r.changed)

    @property
    def eligible(self) -> bool:
        """Whether the result may be recognised: every error of the self-assessment cured by an evaluated value."""
        return not self.unresolved and not self.file_errors

    @property
    def withheld(self) -> bool:
        """Decided 'Công nhận' but not eligible: listed apart, with a finding."""
        return self.decision is Decision.RECOGNISED and not self.eligible

    @property
    def recognised_level(self) -> int | None:
        """The overall level the office recognises: only with the decision 'Công nhận', and only when eligible."""
        return self.result.overall_level if self.decision is Decision.RECOGNISED and self.eligible else None

    @property
    def errors_resolved(self) -> bool:
        """Recognised although the self-assessment still had errors, which the evaluators' values cured."""
        return self.recognised_level is not None and bool(self.resolved)

    @property
    def standing(self) -> str:
        """What the annex, page and summary say beside the decision: why a 'Công nhận' is withheld, or that
        the recognised school's errors were resolved by the evaluation; "" otherwise."""
        if self.withheld:
            return f"{NOT_ELIGIBLE}: {withheld_reason(self)}"
        if self.errors_resolved:
            return f"{RESOLVED} (tiêu chí {', '.join(self.resolved)})"
        return ""


def withheld_reason(school: SchoolRecognition) -> str:
    """Why a school is not eligible, in words: the criteria still lacking an evaluated value, the file's errors."""
    parts = []
    if school.unresolved:
        parts.append(f"phiếu tự đánh giá còn lỗi ở tiêu chí {', '.join(school.unresolved)} nhưng bảng đánh giá "
                     "ngoài chưa có giá trị đánh giá của các tiêu chí này")
    if school.file_errors:
        parts.append(f"tệp còn lỗi không thuộc tiêu chí nào ({', '.join(school.file_errors)}), trường phải sửa và "
                     "gửi lại tệp")
    return "; ".join(parts)


@dataclass(frozen=True)
class Recognition:
    schools: tuple[SchoolRecognition, ...]
    unmatched: tuple[str, ...] = ()   # school codes the review names that have no scored self-assessment
    file: str = ""                    # the review workbook(s) it was read from
    findings: tuple[Finding, ...] = ()   # each school decided "Công nhận" but withheld (V106, V107)

    @property
    def differences(self) -> tuple[Remark, ...]:
        return tuple(d for s in self.schools for d in s.differences)

    @cached_property
    def by_code(self) -> dict[str, SchoolRecognition]:
        return {s.code: s for s in self.schools}

    def school(self, code: str) -> SchoolRecognition:
        return self.by_code[code]


def recognise(district: District, review: Review, rubrics: Sequence[Rubric]) -> Recognition:
    """Apply `review` to every school of `district` that has a scored self-assessment.

    :param rubrics: the run's rubrics; each school is scored again with the one it was scored with.
    """
    by_id = {r.id: r for r in rubrics}
    lines: dict[str, list[CriterionReview]] = {}
    for line in review.criteria:
        lines.setdefault(line.school_code, []).append(line)
    decisions = {d.school_code: d for d in review.schools}
    schools: list[SchoolRecognition] = []
    found: list[Finding] = []
    for row in district.schools:
        if row.used is None or row.used.result is None:
            continue
        rubric = _rubric(row, row.used.result, by_id, review)
        school = _school(row, row.used.result, rubric, lines.get(row.info.code, []), decisions.get(row.info.code))
        schools.append(school)
        if school.withheld:
            found += _withheld(school, lines.get(row.info.code, []), decisions[row.info.code], review.file)
    scored = {s.code for s in schools}
    unmatched = sorted({*lines, *decisions} - scored)
    return Recognition(tuple(schools), tuple(unmatched), review.file, tuple(found))


def _withheld(school: SchoolRecognition, lines: Sequence[CriterionReview], decision: SchoolDecision,
              file: str) -> list[Finding]:
    """The findings of a school decided 'Công nhận' that is not eligible, at the cell of its decision."""
    who = f"{school.code} ({school.name})" if school.name else school.code
    file, sheet, cell = decision.file or file, decision.sheet, decision.cell
    out = []
    if school.unresolved:
        cells = {line.code: line for line in lines}
        codes = ", ".join(f"{c} ({cells[c].sheet}!{cells[c].cell})" if c in cells and cells[c].cell else c
                          for c in school.unresolved)
        out.append(finding(Code.V106, school=who, detail=codes, expected=NOT_ELIGIBLE, file=file,
                           sheet=sheet, cell=cell))
    if school.file_errors:
        out.append(finding(Code.V107, school=who, detail=", ".join(school.file_errors), expected=NOT_ELIGIBLE,
                           file=file, sheet=sheet, cell=cell))
    return out


def _rubric(row: SchoolRow, own: SchoolResult, by_id: Mapping[str, Rubric], review: Review) -> Rubric:
    """The rubric the school was scored with, which must also be the one the review was made for."""
    rubric = by_id.get(own.rubric_id)
    if rubric is None:
        raise CdsBatchError(f"Trường {row.info.code} tự đánh giá theo bộ chỉ số '{own.rubric_id}' nhưng bộ chỉ số "
                            "này không được nạp; hãy chạy lại với --rubric của bộ chỉ số đó.")
    if own.rubric_hash != rubric.content_hash or review.rubric_hashes.get(rubric.id, rubric.content_hash) \
            != rubric.content_hash:
        raise CdsBatchError(f"Trường {row.info.code}: phiếu tự đánh giá, bảng đánh giá ngoài và lần chạy này không "
                            f"cùng một phiên bản bộ chỉ số '{rubric.id}'; hãy chạy lại cả hai bằng cùng bộ chỉ số.")
    return rubric


def _school(row: SchoolRow, own: SchoolResult, rubric: Rubric, lines: Sequence[CriterionReview],
            decision: SchoolDecision | None) -> SchoolRecognition:
    """One school's evaluated result and the lines where the evaluators disagree with it."""
    reviewer = decision.reviewer if decision else ""
    values: dict[str, Value] = {c.code: (bool(c.met) if c.kind is Kind.CONDITION else c.claimed)
                                for c in own.criteria}
    remarks: list[Remark] = []
    given = {line.code for line in lines if line.value is not None and line.code in values}
    for line in lines:
        evaluated, mine = line.value, values.get(line.code)
        if mine is None:
            continue
        criterion = rubric.criterion(line.code)
        if evaluated is not None:
            _check(row.info.code, criterion.kind is Kind.CONDITION, criterion.max_points, line)
            values[line.code] = evaluated
        remark = Remark(row.info.code, row.info.name, line.code, criterion.name, mine, evaluated, line.comment,
                        reviewer, line.sheet, line.cell)
        if line.comment or remark.changed:
            remarks.append(remark)
    erring = [c.code for c in own.criteria if any(i.problem is not None for i in c.issues)]
    assert row.used is not None
    file_errors = sorted({f.code.name for f in row.used.findings
                          if f.severity is Severity.ERROR and f.code not in ANSWER_ERRORS})
    return SchoolRecognition(row.info.code, row.info.name, own, _rescore(own, rubric, values),
                             decision.decision if decision else None, reviewer,
                             decision.comment if decision else "", tuple(remarks),
                             tuple(c for c in erring if c in given), tuple(c for c in erring if c not in given),
                             tuple(file_errors))


def _check(school: str, condition: bool, top: Fraction, line: CriterionReview) -> None:
    """A line `review_read` would not have produced is a bug of the caller, not a value to score as 0."""
    if condition != isinstance(line.value, bool) or (line.points is not None and not 0 <= line.points <= top):
        raise ValueError(f"school {school}, criterion {line.code}: {line.value!r} does not fit the criterion")


def _rescore(own: SchoolResult, rubric: Rubric, values: Mapping[str, Value]) -> SchoolResult:
    """The decided values scored by the engine: claims replaced, conditions, caps and levels applied again."""
    claims: dict[str, CriterionScore] = {}
    for c in own.criteria:
        v = values[c.code]
        if isinstance(v, bool):
            claims[c.code] = c if v == c.met else replace(c, met=v, zero_reason=None, issues=())
        elif v == c.claimed:   # the school's own claim, before its conditions zeroed it
            claims[c.code] = replace(c, points=c.claimed, zero_reason=None if c.zero_reason is
                                     ZeroReason.CONDITION_FAILED else c.zero_reason)
        else:
            claims[c.code] = replace(c, points=v, claimed=v, zero_reason=None, issues=())
    return score_claims(rubric, claims)
