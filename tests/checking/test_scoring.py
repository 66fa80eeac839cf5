"""The scoring engine: exact arithmetic, the answer convention, conditions, caps and levels.

Rules covered (rubrics.md; seed 002 and seed 004): S1 levels below 50 / 50–75 / above 75, on raw
points or on the percentage of the group maximum; S2 a failed (or blank, or invalid) mandatory
condition zeroes its group; S3 the 2.3 checklist: 4 or 6 minus 1 per missing module, never below
0, and the 2.3 section cap of 10; S4 blank, invalid and out-of-range answers score 0 and are
reported; S5 no float drift.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from cds_batch.form.answers import PercentCell, Problem
from cds_batch.rubric import load_rubric
from cds_batch.checking.score import ZeroReason, score

from tests.answer_tables import answers

SEED_004 = answers("""
| code  | answer | (Cao Minh primary school, 2022-2023: group 1 = 50, group 2 = 74)
|-------|--------|
| 1.1   | Đạt    |
| 1.2   | Đạt    |
| 1.3.1 | 6      |
| 1.3.2 | 6      |
| 1.3.3 | 6      |
| 1.3.4 | 0      |
| 1.3.5 | 0      |
| 1.4   | 10     |
| 1.5.1 | 0      |
| 1.5.2 | 0      |
| 1.6.1 | 7      |
| 1.6.2 | 7      |
| 1.6.3 | 0      |
| 1.7.1 | 8      |
| 1.7.2 | 0      |
| 1.7.3 | 0      |
| 2.1   | Đạt    |
| 2.2   | Đạt    |
| 2.3.1 | 6      |
| 2.3.2 | 6      |
| 2.3.3 | 10     |
| 2.3.4 | 6      |
| 2.3.5 | 4      |
| 2.3.6 | 0      |
| 2.3.7 | 6      |
| 2.3.8 | 6      |
| 2.4.1 | 8      |
| 2.4.2 | 12     |
| 2.4.3 | 10     |
""")


def test_seed_004_real_result(national):
    result = score(national, SEED_004)
    assert [(g.id, g.score, g.level, g.level_name) for g in result.groups] == [
        (1, 50, 2, "Mức đáp ứng cơ bản"), (2, 74, 2, "Mức đáp ứng cơ bản")]
    assert result.group(2).max == 90  # never printed as /100
    assert result.overall_level == 2
    assert all(not c.issues for c in result.criteria)


def one_line_rubric(write_rubric, basis: str, line_max: int):
    return load_rubric(write_rubric(f"""\
        levels:
          basis: {basis}
          bands:
            - {{level: 1, min: 0, max: 50, max_inclusive: false}}
            - {{level: 2, min: 50, max: 75}}
            - {{level: 3, min: 75, min_inclusive: false, max: 100}}
        groups:
          - id: 1
            name: Nhóm
            criteria:
              - {{code: "1.1", name: Dòng, kind: points, max: {line_max}, evidence: [x]}}
        """))


@pytest.mark.parametrize("answer, level", [("49,5", 1), (50, 2), (75, 2), ("75.5", 3), (0, 1), (100, 3)])
def test_boundaries_on_raw_points(write_rubric, answer, level):
    rubric = one_line_rubric(write_rubric, "points", 100)
    assert score(rubric, {"1.1": answer}).group(1).level == level


@pytest.mark.parametrize("answer, level", [("19,8", 1), (20, 2), (30, 2), ("30,2", 3)])
def test_boundaries_on_percentage(write_rubric, answer, level):
    # out of 40: 19.8 is 49.5 %, 20 is 50 %, 30 is 75 %, 30.2 is 75.5 %
    rubric = one_line_rubric(write_rubric, "percent", 40)
    assert score(rubric, {"1.1": answer}).group(1).level == level


def test_no_float_drift_at_a_boundary(write_rubric):
    assert 0.2 + 74.4 + 0.4 > 75  # what float arithmetic would classify as Mức 3
    rubric = load_rubric(write_rubric("""\
        groups:
          - id: 1
            name: Nhóm
            criteria:
              - {code: "1.1", name: A, kind: points, max: 1, evidence: [x]}
              - {code: "1.2", name: B, kind: points, max: 98, evidence: [x]}
              - {code: "1.3", name: C, kind: points, max: 1, evidence: [x]}
        """))
    group = score(rubric, {"1.1": 0.2, "1.2": 74.4, "1.3": 0.4}).group(1)
    assert group.score == 75 and group.level == 2


QUAN7_FULL = answers("""
| code   | answer |
|--------|--------|
| 1.1    | Đạt    |
| 1.2a   | 15     |
| 1.2b   | 10     |
| 1.2c   | 15     |
| 1.3    | 15     |
| 2.1    | Đạt    |
| 2.2    | Đạt    |
| 2.3a   | Phần mềm có kết nối và trao đổi đầy đủ dữ liệu giữa các phân hệ (6 điểm) |
| 2.3a_1 | Có     |
| 2.3a_2 | Có     |
| 2.3a_3 | Có     |
| 2.3a_4 | Có     |
| 2.3a_5 | Có     |
| 2.3a_6 | Có     |
| 2.3b   | 5      |
| 2.4.1  | 8      |
| 2.4.2  | 12     |
| 2.4.3  | 10     |
""")


def test_quan7_full_marks_hit_the_caps(quan7):
    result = score(quan7, QUAN7_FULL)
    assert [(g.score, g.max, g.percent, g.level) for g in result.groups] == [(55, 55, 100, 3), (40, 40, 100, 3)]
    assert result.criterion("2.3a").points == 6 and result.criterion("2.3b").points == 5  # 11, capped to 10


@pytest.mark.parametrize("code", ["1.1"])
@pytest.mark.parametrize("answer", ["Không đạt", None, "chưa rõ"])
def test_failing_1_1_zeroes_group_1(quan7, code, answer):
    result = score(quan7, {**QUAN7_FULL, code: answer})
    assert result.group(1).score == 0 and result.group(1).level == 1
    assert result.group(1).failed_conditions == ("1.1",)
    assert result.criterion("1.2a").zero_reason is ZeroReason.CONDITION_FAILED
    assert result.criterion("1.2a").claimed == 15
    assert result.group(2).score == 40  # the other group is untouched


@pytest.mark.parametrize("code", ["2.1", "2.2"])
def test_failing_2_1_or_2_2_zeroes_group_2(quan7, code):
    result = score(quan7, {**QUAN7_FULL, code: "Không"})
    assert result.group(2).score == 0 and result.group(2).failed_conditions == (code,)
    assert result.group(1).score == 55
    assert result.overall_level == 1


SEPARATE = "Phần mềm sử dụng các phân hệ riêng lẻ, không kết nối với nhau (4 điểm)"


@pytest.mark.parametrize("choice, missing, expected", [
    ("connected", 0, 6), ("connected", 1, 5), ("connected", 6, 0),
    (SEPARATE, 0, 4), (SEPARATE, 2, 2), (SEPARATE, 5, 0), (SEPARATE, 6, 0),  # never below 0
    ("4", 1, 3), ("6 điểm", 3, 3),  # the option's points written as the label shows them
])
def test_2_3_modules_rule(quan7, choice, missing, expected):
    chosen = QUAN7_FULL["2.3a"] if choice == "connected" else choice
    items = {f"2.3a_{n}": ("Không" if n <= missing else "Có") for n in range(1, 7)}
    result = score(quan7, {**QUAN7_FULL, "2.3a": chosen, **items, "2.3b": 0})
    assert result.criterion("2.3a").points == expected
    assert result.group(2).score == expected + 30


def test_blank_checklist_item_counts_as_absent_and_is_reported(quan7):
    result = score(quan7, {**QUAN7_FULL, "2.3a_2": None, "2.3a_5": "có lẽ"})
    line = result.criterion("2.3a")
    assert line.points == 4
    assert [(i.key, i.problem) for i in line.issues] == [("2.3a_2", Problem.MISSING), ("2.3a_5", Problem.UNPARSEABLE)]


def test_quan7_classifies_on_the_percentage(quan7):
    # group 2: 7 (2.3 capped) + 8 + 12 = 27 of 40 → 67.5 % → Mức 2; on raw points it would be Mức 1
    result = score(quan7, {**QUAN7_FULL, "2.3a_1": "Không", "2.3a_2": "Không", "2.3a_3": "Không",
                           "2.3a_4": "Không", "2.4.3": 0})
    group = result.group(2)
    assert (group.score, group.percent, group.level) == (27, Fraction(135, 2), 2)


@pytest.mark.parametrize("answer, points, problem, reinterpreted", [
    (6, 6, None, False),
    ("7,5", Fraction(15, 2), None, True),
    ("6 điểm", 6, None, True),
    ("6.0", 6, None, True),
    ("85%", 0, Problem.UNPARSEABLE, False),       # a percentage in a points cell is an error, not 0.85
    (PercentCell(0.85), 0, Problem.UNPARSEABLE, False),
    (11, 0, Problem.OUT_OF_RANGE, False),
    (-1, 0, Problem.OUT_OF_RANGE, False),
    ("1.234,5", 0, Problem.UNPARSEABLE, False),
    ("tám", 0, Problem.UNPARSEABLE, False),
    (None, 0, Problem.MISSING, False),
    ("   ", 0, Problem.MISSING, False),
    (True, 0, Problem.UNPARSEABLE, False),
])
def test_points_answers(national, answer, points, problem, reinterpreted):
    line = score(national, {**SEED_004, "1.4": answer}).criterion("1.4")
    assert line.points == points
    assert [(i.problem, i.reinterpreted) for i in line.issues] == (
        [] if problem is None and not reinterpreted else [(problem, reinterpreted)])
    if problem is not None:
        assert line.zero_reason is (ZeroReason.MISSING if problem is Problem.MISSING else ZeroReason.INVALID)


@pytest.mark.parametrize("answer, met", [
    ("Đạt", True), ("đạt", True), ("ĐẠT", True), ("Có", True), ("x", True), ("✓", True), (1, True), (True, True),
    ("TRUE", True), ("Yes", True), ("Không đạt", False), ("Không", False), (0, False), ("FALSE", False),
    ("No", False), (False, False), (None, False), ("có thể", False),
])
def test_condition_synonyms(national, answer, met):
    result = score(national, {**SEED_004, "1.1": answer})
    assert result.criterion("1.1").met is met
    assert result.group(1).score == (50 if met else 0)


def test_choice_and_percentage_kinds(write_rubric):
    rubric = load_rubric(write_rubric("""\
        levels:
          basis: percent
          bands:
            - {level: 1, min: 0, max: 50, max_inclusive: false}
            - {level: 2, min: 50, max: 100}
        groups:
          - id: 1
            name: Nhóm
            criteria:
              - code: "1.1"
                name: Hình thức
                kind: choice
                evidence: [x]
                options: [{label: Thuê, points: 2}, {label: Tự xây dựng, points: 5}]
              - code: "1.2"
                name: Tỷ lệ giáo viên
                kind: percentage
                evidence: [x]
                bands:
                  - {min: 0, max: 50, max_inclusive: false, points: 0}
                  - {min: 50, max: 80, max_inclusive: false, points: 3}
                  - {min: 80, max: 100, points: 5}
        """))
    cases = [({"1.1": "tự xây dựng", "1.2": 85}, 10), ({"1.1": "Thuê", "1.2": "80%"}, 7),
             ({"1.1": 5, "1.2": PercentCell(0.5)}, 8), ({"1.1": "Mua", "1.2": 101}, 0),
             ({"1.1": "Thuê", "1.2": "85,5 %"}, 7)]
    assert [score(rubric, a).group(1).score for a, _ in cases] == [want for _, want in cases]
    bad = score(rubric, {"1.1": "Mua", "1.2": 101})
    assert [i.problem for c in bad.criteria for i in c.issues] == [Problem.NOT_AN_OPTION, Problem.OUT_OF_RANGE]
