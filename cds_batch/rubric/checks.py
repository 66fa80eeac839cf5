"""Rubric consistency checks: what `cds-batch rubric check` exists to point out.

In: a Rubric built from a file that passed the schema.
Out: (place key, code, fields) triples; the loader turns them into findings at the right line or
cell. Errors make a rubric unusable; warnings (a group maximum that is not 100, a section cap that
differs from its lines) describe real local adaptations that still score predictably.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any, Iterator

from cds_batch.core.numbers import decimal_text
from cds_batch.core.findings import Code
from cds_batch.rubric.model import Basis, Criterion, Group, Interval, Kind, Levels, OnFail, Rubric

Check = tuple[str, Code, dict[str, Any]]

# Which optional fields each kind uses; any other one that is set is reported as ignored.
_USES: dict[Kind, set[str]] = {
    Kind.CONDITION: {"on_fail"},
    Kind.POINTS: {"max", "step"},
    Kind.CHOICE: {"options"},
    Kind.CHECKLIST: {"items", "options", "base", "deduction", "floor", "cap"},
    Kind.NUMBER: {"bands", "unit"},
    Kind.PERCENTAGE: {"bands", "unit"},
}
_FIELD_NAMES = {"max": "điểm tối đa (max)", "step": "bước điểm (step)", "options": "các lựa chọn (options)",
                "items": "các mục kiểm (items)", "base": "điểm gốc (base)", "deduction": "điểm trừ (deduction)",
                "floor": "điểm sàn (floor)", "cap": "điểm trần (cap)", "bands": "các khoảng điểm (bands)",
                "unit": "đơn vị (unit)", "on_fail": "hậu quả khi không đạt (on_fail)"}


def _is_set(c: Criterion, name: str) -> bool:
    value = getattr(c, name)
    if name == "floor":
        return bool(value)
    if name == "on_fail":
        return value is not OnFail.ZERO_GROUP
    return value not in (None, (), "")


def _criterion_checks(c: Criterion, sections: set[str]) -> Iterator[Check]:
    kind = c.kind.value
    for name in sorted(set(_FIELD_NAMES) - _USES[c.kind]):
        if _is_set(c, name):
            yield c.code, Code.R204, {"value": c.code, "expected": kind, "detail": _FIELD_NAMES[name]}
    if c.kind is Kind.POINTS and c.max is None:
        yield c.code, Code.R203, {"value": c.code, "expected": kind, "detail": _FIELD_NAMES["max"]}
    if c.kind is Kind.POINTS and c.max is not None and c.step is not None and (c.max / c.step).denominator != 1:
        yield c.code, Code.R216, {"value": c.code, "expected": decimal_text(c.step), "detail": decimal_text(c.max)}
    if c.kind is Kind.CHOICE and not c.options:
        yield c.code, Code.R203, {"value": c.code, "expected": kind, "detail": _FIELD_NAMES["options"]}
    if c.kind is Kind.CHECKLIST:
        if not c.items:
            yield c.code, Code.R203, {"value": c.code, "expected": kind, "detail": _FIELD_NAMES["items"]}
        if c.deduction is None and any(i.points is None for i in c.items):
            yield c.code, Code.R203, {"value": c.code, "expected": kind,
                                      "detail": "điểm cho từng mục kiểm (items[].points) hoặc điểm trừ (deduction)"}
        if c.deduction is not None and not c.options and c.base is None:
            yield c.code, Code.R203, {"value": c.code, "expected": kind,
                                      "detail": "điểm gốc (base) hoặc các lựa chọn (options) để trừ dần"}
    for label, n in Counter(o.label for o in c.options).items():
        if n > 1:
            yield c.code, Code.R214, {"value": c.code, "detail": label}
    if c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
        if not c.bands:
            yield c.code, Code.R203, {"value": c.code, "expected": kind, "detail": _FIELD_NAMES["bands"]}
        ordered = sorted(c.bands, key=lambda b: (b.interval.lo, not b.interval.lo_inclusive))
        for a, b in zip(ordered, ordered[1:]):
            if _overlap(a.interval, b.interval):
                both = f"{a.interval.describe()} và {b.interval.describe()}"
                yield c.code, Code.R217, {"value": c.code, "detail": f"chồng lên nhau: {both}"}
    if c.section and c.section not in sections:
        yield c.code, Code.R205, {"value": c.code, "detail": c.section}
    if c.kind is Kind.CONDITION and c.on_fail is OnFail.ZERO_SECTION and not c.section:
        yield c.code, Code.R213, {"value": c.code, "expected": OnFail.ZERO_SECTION.value}
    if not c.evidence:
        yield c.code, Code.R212, {"value": c.code}


def _overlap(a: Interval, b: Interval) -> bool:
    """Whether two intervals, a starting no later than b, share a point."""
    if a.hi > b.lo:
        return True
    return a.hi == b.lo and a.hi_inclusive and b.lo_inclusive


def _level_checks(group: Group, levels: Levels) -> Iterator[Check]:
    key = f"nhóm {group.id}"
    label = f"nhóm {group.id}"
    top = Fraction(100) if levels.basis is Basis.PERCENT else group.effective_max
    bands = sorted(levels.bands, key=lambda b: (b.interval.lo, not b.interval.lo_inclusive))
    first, last = bands[0].interval, bands[-1].interval
    if first.lo > 0 or (first.lo == 0 and not first.lo_inclusive):
        yield key, Code.R208, {"detail": label,
                               "value": f"không có mức cho điểm 0 (khoảng đầu bắt đầu {first.describe()})"}
    for a, b in zip(bands, bands[1:]):
        ia, ib = a.interval, b.interval
        if _overlap(ia, ib):
            yield key, Code.R207, {"detail": label, "value": f"{ia.describe()} và {ib.describe()}"}
        elif ia.hi < ib.lo or (ia.hi == ib.lo and not ia.hi_inclusive and not ib.lo_inclusive):
            yield key, Code.R206, {"detail": label, "value": decimal_text(ia.hi), "expected": decimal_text(ib.lo)}
    if last.hi < top or (last.hi == top and not last.hi_inclusive):
        yield key, Code.R208, {"detail": label, "value": f"khoảng cuối {last.describe()} không tới {decimal_text(top)}"}


def _group_checks(group: Group) -> Iterator[Check]:
    key = f"nhóm {group.id}"
    if not group.criteria:
        yield key, Code.R215, {"value": group.id}
    for section in group.sections:
        lines = sum((c.max_points for c in group.section_lines(section.code)), Fraction(0))
        if lines != section.cap:
            yield f"mục {section.code}", Code.R209, {"value": section.code, "expected": decimal_text(section.cap),
                                                     "detail": decimal_text(lines)}
    raw = sum((c.max_points for c in group.criteria), Fraction(0))
    effective = group.effective_max
    if group.declared_max is not None and group.declared_max != effective:
        yield key, Code.R211, {"value": group.id, "expected": decimal_text(group.declared_max),
                               "detail": decimal_text(effective)}
    if effective != 100:
        capped = f" ({decimal_text(raw)} trước điểm trần của mục)" if raw != effective else ""
        detail = decimal_text(effective) + capped
        if group.levels.basis is Basis.PERCENT:
            basis = f"; nhóm được xếp mức theo tỷ lệ phần trăm của {decimal_text(effective)} điểm"
        else:
            basis = "; nhóm vẫn được xếp mức theo điểm thô trên các khoảng đã khai báo"
        yield key, Code.R210, {"value": group.id, "detail": detail, "expected": basis}
    yield from _level_checks(group, group.levels)


def check_rubric(rubric: Rubric) -> Iterator[Check]:
    """Every inconsistency of `rubric`, in the order of the file."""
    for gid, n in Counter(g.id for g in rubric.groups).items():
        if n > 1:
            yield f"nhóm {gid}", Code.R202, {"value": gid}
    for code, n in Counter(c.code for g in rubric.groups for c in g.criteria).items():
        if n > 1:
            yield code, Code.R201, {"value": code}
    for group in rubric.groups:
        yield from _group_checks(group)
        sections = {s.code for s in group.sections}
        for criterion in group.criteria:
            yield from _criterion_checks(criterion, sections)
