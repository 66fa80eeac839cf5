"""Property-based tests (hypothesis) of the rubric formats and the scoring engine.

P1 a YAML export and an Excel export of any rubric load back to an equal rubric with the same hash;
P2 a group total never exceeds its maximum nor falls below 0, whatever the answers;
P3 raising one answer never lowers a group total;
P4 a score remembered from an earlier school is the score computed afresh, to the type of each value;
P5 `clean` is the NFC form with odd spaces and quotes folded and white space collapsed.
"""
from __future__ import annotations

import copy
import re
import tempfile
import unicodedata
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_batch.form.answers import item_key
from cds_batch.rubric import check_file, export_rubric
from cds_batch.rubric.model import (Basis, Criterion, Group, Interval, Item, Kind, LevelBand, Levels, OnFail,
                                    Option, OverallRule, PointBand, Rubric, Section, Standing, compute_hash)
from cds_batch.checking.score import score
from cds_batch.core.text import clean, paragraph

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệóòỏõọốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ"
TEXT = st.text(alphabet=LETTERS + " 0123456789,.:;-()/%'\"#=&", min_size=1, max_size=30).map(clean).filter(bool)
PARA = st.text(alphabet=LETTERS + " \n,.:-", max_size=60).map(paragraph)
# Terminating decimals only: what a person types in a YAML or Excel rubric.
POINTS = st.integers(min_value=1, max_value=60).map(lambda n: Fraction(n, 4))
NATIONAL = (LevelBand(1, "Mức chưa đáp ứng", Interval(Fraction(0), Fraction(50), True, False)),
            LevelBand(2, "Mức đáp ứng cơ bản", Interval(Fraction(50), Fraction(75))),
            LevelBand(3, "Mức đáp ứng tốt", Interval(Fraction(75), Fraction(100), False, True)))


@st.composite
def criteria(draw, code: str, section: str):
    kind = draw(st.sampled_from(list(Kind)))
    common = dict(code=code, name=draw(TEXT), kind=kind, section=section,
                  evidence=tuple(draw(st.lists(TEXT, max_size=2))), note=draw(PARA))
    labels = draw(st.lists(TEXT, min_size=1, max_size=3, unique_by=lambda t: t))
    if kind is Kind.CONDITION:
        choices = [OnFail.ZERO_GROUP, OnFail.NONE] + ([OnFail.ZERO_SECTION] if section else [])
        return Criterion(**common, on_fail=draw(st.sampled_from(choices)))
    if kind is Kind.POINTS:
        return Criterion(**common, max=draw(POINTS), step=draw(st.sampled_from([None, Fraction(1, 4)])))
    if kind is Kind.CHOICE:
        return Criterion(**common, options=tuple(Option(lb, draw(POINTS)) for lb in labels))
    if kind is Kind.CHECKLIST:
        items = tuple(Item(draw(TEXT)) for _ in range(draw(st.integers(1, 4))))
        if draw(st.booleans()):  # per-item points
            return Criterion(**common, items=tuple(Item(i.label, draw(POINTS)) for i in items),
                             cap=draw(st.none() | POINTS))
        options = tuple(Option(lb, draw(POINTS)) for lb in labels) if draw(st.booleans()) else ()
        return Criterion(**common, items=items, options=options, base=None if options else draw(POINTS),
                         deduction=draw(POINTS), floor=draw(st.sampled_from([Fraction(0), Fraction(1)])))
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
    edges = [0] + cuts + [100]
    bands = tuple(PointBand(Interval(Fraction(a), Fraction(b), True, b == 100), draw(POINTS))
                  for a, b in zip(edges, edges[1:]))
    return Criterion(**common, bands=bands, unit=draw(st.sampled_from(["", "phòng"])))


@st.composite
def rubrics(draw):
    groups = []
    for gid in range(1, draw(st.integers(1, 3)) + 1):
        has_section = draw(st.booleans())
        sections = (Section(f"{gid}.9", draw(TEXT), draw(POINTS)),) if has_section else ()
        lines = tuple(draw(criteria(f"{gid}.{n}", f"{gid}.9" if has_section and n % 2 else ""))
                      for n in range(1, draw(st.integers(1, 4)) + 1))
        basis = Basis.PERCENT  # percent bands always cover the scale, whatever the maxima drawn
        groups.append(Group(gid, draw(TEXT), Levels(basis, NATIONAL), lines, sections,
                            draw(st.none() | st.just(Fraction(100)))))
    rubric = Rubric(id="thu-nghiem", name=draw(TEXT), version=draw(st.sampled_from(["1", "2024.2"])),
                    groups=tuple(groups), overall=draw(st.sampled_from(list(OverallRule))),
                    decision=draw(st.sampled_from(["", "4725/QĐ-BGDĐT"])), provenance=draw(PARA), notes=draw(PARA),
                    status=draw(st.sampled_from(list(Standing))))
    return Rubric(**{**rubric.__dict__, "content_hash": compute_hash(rubric)})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rubrics())
def test_exports_load_back_equal_with_the_same_hash(rubric):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("r.yaml", "r.xlsx"):
            path = Path(tmp) / name
            export_rubric(rubric, path)
            loaded, findings = check_file(path)
            assert loaded is not None, [f.message for f in findings]
            assert loaded == rubric
            assert loaded.content_hash == rubric.content_hash


def answer_values(rubric: Rubric):
    """Any answer for every input of the rubric, garbage included."""
    keys = []
    for g in rubric.groups:
        for c in g.criteria:
            keys.append(c.code)
            keys += [item_key(c.code, n) for n in range(1, len(c.items) + 1)]
    raw = st.one_of(st.none(), st.integers(-5, 120), st.floats(allow_nan=True), st.booleans(),
                    st.sampled_from(["Đạt", "Không đạt", "Có", "Không", "x", "7,5", "85%", "abc", ""]),
                    st.sampled_from([o.label for g in rubric.groups for c in g.criteria for o in c.options] or ["-"]))
    return st.fixed_dictionaries({k: raw for k in keys})


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_group_totals_stay_within_bounds(data):
    rubric = data.draw(rubrics())
    result = score(rubric, data.draw(answer_values(rubric)))
    for group, total in zip(rubric.groups, result.groups):
        assert 0 <= total.score <= group.effective_max


def _raise_one(rubric: Rubric, answers: dict, data):
    """A copy of `answers` in which one input is raised (never lowered)."""
    c = data.draw(st.sampled_from([c for g in rubric.groups for c in g.criteria]))
    if c.kind is Kind.CONDITION:
        return {**answers, c.code: "Đạt"}
    if c.kind is Kind.POINTS:
        current = answers.get(c.code)
        # Only a number already in range (an int or a float such as 0.25) can be kept or raised halfway;
        # anything else (a text such as "6 điểm") may score more than 0, so only the maximum is sure.
        if isinstance(current, (int, float)) and not isinstance(current, bool) and 0 <= current <= c.max:
            low = Fraction(current)
            higher = [low, c.max] + ([(low + c.max) / 2] if c.step is None else [])  # stay on the step grid
        else:
            higher = [c.max]
        return {**answers, c.code: float(data.draw(st.sampled_from(higher)))}
    if c.kind in (Kind.CHOICE, Kind.CHECKLIST) and c.options and data.draw(st.booleans()):
        best = max(c.options, key=lambda o: o.points)
        return {**answers, c.code: best.label}
    if c.kind is Kind.CHECKLIST:
        n = data.draw(st.integers(1, len(c.items)))
        return {**answers, item_key(c.code, n): "Có"}
    return answers


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_raising_one_answer_never_lowers_a_total(data):
    rubric = data.draw(rubrics())
    before = data.draw(answer_values(rubric))
    after = _raise_one(rubric, before, data)
    for a, b in zip(score(rubric, before).groups, score(rubric, after).groups):
        assert b.score >= a.score


def _lookalike(value):
    """An equal value of another type or sign: True ↔ 1, 1 → 1.0, 0.0 ↔ -0.0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return float(value) if value not in (0, 1) else bool(value)
    if isinstance(value, float) and value == 0:
        return -value
    return value


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_remembered_scores_are_the_scores(data):
    rubric = data.draw(rubrics())
    answers = data.draw(answer_values(rubric))
    score(rubric, {k: _lookalike(v) for k, v in answers.items()})   # equal answers of another look first
    score(rubric, answers)
    fresh = copy.deepcopy(rubric)   # another object: nothing remembered for it
    assert repr(score(rubric, answers)) == repr(score(fresh, answers))


_ODD = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                      "\u201d": '"'})


SPACES_AND_MARKS = " \t\n\r\x0b\x0c\x1c\x85\u00a0\u2007\u2028\u202f\u3000\u2018\u2019\u201c\u201d\u0301a"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.text(alphabet=LETTERS + SPACES_AND_MARKS))
def test_clean_is_nfc_with_spaces_and_quotes_folded(text):
    assert clean(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).translate(_ODD)).strip()
