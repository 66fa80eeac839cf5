"""Validate: everything one submission should be told, as findings with a place and what to do.

In: what the reader returned (`SchoolResponse`), the rubric it was read with, the score the
rubric gives its answers, how the school was identified, and the round the office is running.
Out: findings in the order a person fixes them (reading, identity, answers, evidence), never
stopping at the first one. Pure: no I/O.

Severity follows issue 5: an error is what the school must fix and resend; a warning is what the
office should look at; information is a legitimate answer with a consequence (a condition not
met) or a value the reader had to reinterpret.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Iterable

from cds_batch.core.numbers import decimal_text, value_text
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES, Problem
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.checking.identify import Identification
from cds_batch.core.memo import per_object
from cds_batch.reading.workbook import Cell, SchoolResponse
from cds_batch.rubric.model import Criterion, Kind, OnFail, Rubric
from cds_batch.checking.score import SchoolResult
from cds_batch.core.text import fold

_PROBLEM_CODES: dict[Problem, Code] = {
    Problem.MISSING: Code.E201,
    Problem.UNPARSEABLE: Code.E202,
    Problem.OUT_OF_RANGE: Code.E203,
    Problem.NOT_AN_OPTION: Code.E204,
    Problem.OFF_STEP: Code.E205,
}


def reading_findings(response: SchoolResponse, file: str) -> list[Finding]:
    """E1xx: what the reader had to do or saw, one finding per note; identity fields taken from the
    file properties are one finding, and a missing group sheet is not repeated for each answer."""
    out: list[Finding] = []
    missing_sheets = {n.sheet for n in response.notes if n.code is Code.E103}
    from_properties = [n.detail for n in response.notes if n.code is Code.E109]
    if from_properties:
        out.append(finding(Code.E109, file=file, detail=", ".join(from_properties)))
    for note in response.notes:
        if note.code is Code.E109 or (note.code is Code.E104 and note.sheet in missing_sheets):
            continue
        code = note.code
        value = value_text(note.raw) if note.raw is not None else note.sheet
        out.append(finding(code, file=file, sheet=note.sheet, cell=note.ref, value=value, detail=note.detail))
    return out


def trust_findings(identity: dict[str, str | None], rubric: Rubric | None, known: Iterable[str],
                   template_version: str, round_label: str, file: str) -> list[Finding]:
    """E112–E116: whether the workbook is one of ours, for a rubric we have, of this round.

    :param rubric: the rubric the workbook names, when it is loaded; None otherwise.
    :param known: the ids of the rubrics loaded for this run, for the message.
    """
    out: list[Finding] = []
    rid, digest = identity.get("CDS_RUBRIC_ID"), identity.get("CDS_RUBRIC_HASH")
    if rid and rubric is None:
        out.append(finding(Code.E112, file=file, value=rid, expected=", ".join(sorted(known))))
    elif rubric is not None and digest and not rubric.content_hash.startswith(digest) \
            and not digest.startswith(rubric.short_hash):
        out.append(finding(Code.E113, file=file, value=digest[:12], expected=rubric.short_hash, detail=rubric.id))
    version = identity.get("CDS_TEMPLATE_VERSION")
    if version and version != template_version:
        out.append(finding(Code.E114, file=file, value=version, expected=template_version))
    sent_round = identity.get("CDS_ROUND")
    if round_label and sent_round and fold(sent_round) != fold(round_label):
        out.append(finding(Code.E115, file=file, value=sent_round, expected=round_label))
    return out


def identity_findings(ident: Identification, response: SchoolResponse, file: str) -> list[Finding]:
    """E4xx, placed on the school code cell where the workbook has one."""
    place = response.school.get("CDS_SCHOOL_CODE") or response.school.get("CDS_SCHOOL_NAME")
    sheet, ref = (place.sheet, place.ref) if place else ("", "")
    return [finding(code, file=file, sheet=sheet, cell=ref, **fields) for code, fields in ident.problems]


def expected_answer(c: Criterion, key: str) -> str:
    """What the cell should hold, said the way the template's dropdown and note say it."""
    if key != c.code:
        return f"'{ITEM_YES}' hoặc '{ITEM_NO}'"
    if c.kind is Kind.CONDITION:
        return f"'{CONDITION_YES}' hoặc '{CONDITION_NO}'"
    if c.options:
        return "một trong các lựa chọn: " + "; ".join(f"'{o.label}'" for o in c.options)
    if c.kind is Kind.POINTS:
        step = f", theo bước {decimal_text(c.step)}" if c.step else ""
        return f"một số điểm từ 0 đến {decimal_text(c.max)}{step}"
    if c.kind is Kind.PERCENTAGE:
        return "một tỉ lệ phần trăm từ 0 đến 100"
    return "một số không âm"


def answer_findings(rubric: Rubric, result: SchoolResult, response: SchoolResponse, file: str) -> list[Finding]:
    """E201–E207: unusable answers, reinterpreted ones, and conditions not met with their consequence."""
    out: list[Finding] = []
    located = response.answers
    scores = {c.code: c for c in result.criteria}
    for group in rubric.groups:
        for c in group.criteria:
            scored = scores[c.code]
            for issue in scored.issues:
                cell = located.get(issue.key)
                if cell is None:   # not found in the file: E104 already says so
                    continue
                common: dict[str, Any] = {"file": file, "sheet": cell.sheet, "cell": cell.ref,
                                          "value": value_text(cell.value), "detail": f"{issue.key} ({c.name})",
                                          "expected": expected_answer(c, issue.key)}
                if issue.problem is not None:
                    out.append(finding(_PROBLEM_CODES[issue.problem], **common))
                elif issue.reinterpreted:
                    out.append(finding(Code.E206, **common))
            if c.kind is Kind.CONDITION and scored.met is False and scored.zero_reason is None:
                cell = located.get(c.code)
                what = {OnFail.ZERO_GROUP: f"nhóm {group.id} được 0 điểm",
                        OnFail.ZERO_SECTION: f"các tiêu chí của mục {c.section} được 0 điểm",
                        OnFail.NONE: "không ảnh hưởng đến điểm"}[c.on_fail]
                out.append(finding(Code.E207, file=file, sheet=cell.sheet if cell else "",
                                   cell=cell.ref if cell else "", value=c.code, detail=c.name, expected=what))
    return out


def total_findings(result: SchoolResult, response: SchoolResponse, file: str) -> list[Finding]:
    """E208: the group total the workbook's own formula shows differs from the recomputed one."""
    out: list[Finding] = []
    for gid, cell in sorted(response.totals.items()):
        shown = cell.value
        if not isinstance(shown, (int, float)) or isinstance(shown, bool) or not math.isfinite(shown):
            continue   # text, or a total no formula shows (inf, nan): nothing to compare
        recomputed = result.group(gid).score
        if abs(Fraction(str(shown)) - recomputed) > Fraction(1, 100):
            out.append(finding(Code.E208, file=file, sheet=cell.sheet, cell=cell.ref, value=value_text(shown),
                               expected=decimal_text(recomputed), detail=str(gid)))
    return out


def evidence_findings(rubric: Rubric, result: SchoolResult, response: SchoolResponse, file: str) -> list[Finding]:
    """E301–E303: points claimed without an evidence row, rows for unknown criteria, rows without a name."""
    out: list[Finding] = []
    codes = _folded_codes(rubric)
    listed: set[str] = set()
    for row in response.evidence_rows:
        crit = row[1] if len(row) > 1 else None
        name = row[2] if len(row) > 2 else None
        given = value_text(crit.value) if crit is not None and crit.value is not None else ""
        code = codes.get(fold(given)) if given else None
        if code is not None:
            listed.add(code)
        elif given:
            out.append(_at(Code.E302, crit, file, value=given))
        if name is None or name.value is None:
            place = name or row[0]
            out.append(_at(Code.E303, place, file, value=given or value_text(row[0].value)))
    scores = {c.code: c for c in result.criteria}
    for group in rubric.groups:
        for c in group.criteria:
            scored = scores[c.code]
            if c.kind is Kind.CONDITION or scored.claimed <= 0 or c.code in listed:
                continue
            note = response.evidence_notes.get(c.code)
            cell = note or response.answers.get(c.code)
            out.append(_at(Code.E301, cell, file, value=c.code, expected=decimal_text(scored.claimed), detail=c.name))
    return out


@per_object
def _folded_codes(rubric: Rubric) -> dict[str, str]:
    """Folded criterion code → the code, for the criterion column of the evidence index."""
    return {fold(c.code): c.code for g in rubric.groups for c in g.criteria}


def _at(code: Code, cell: Cell | None, file: str, **fields: Any) -> Finding:
    return finding(code, file=file, sheet=cell.sheet if cell else "", cell=cell.ref if cell else "", **fields)


def validate(response: SchoolResponse, rubric: Rubric, result: SchoolResult, ident: Identification,
             trust: list[Finding], file: str) -> tuple[Finding, ...]:
    """All findings of one scored submission, in the order a school fixes them."""
    return tuple([*reading_findings(response, file), *trust, *identity_findings(ident, response, file),
                  *answer_findings(rubric, result, response, file), *total_findings(result, response, file),
                  *evidence_findings(rubric, result, response, file)])
