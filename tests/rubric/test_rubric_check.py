"""The rubric checker: every inconsistency that `cds-batch rubric check` must point out.

Rules covered: R201 duplicate criterion code, R202 duplicate group, R203 a kind missing what it
needs (a choice with no options, …), R204 a field the kind ignores, R205 unknown section,
R206/R207/R208 level bands with a gap, an overlap or short coverage, R209 section cap differing
from its lines, R210 group maximum not 100, R211 declared maximum differing from the lines,
R212 criterion without evidence, R216 step that does not divide the maximum, R217 overlapping
point bands.
"""
from __future__ import annotations

import pytest

from cds_batch.core.findings import Code, render
from cds_batch.rubric.model import Basis


def group(criteria: str, extra: str = "") -> str:
    """One group out of 100 (two 50-point lines unless `criteria` says otherwise)."""
    return f"""\
groups:
  - id: 1
    name: Nhóm một
{extra}    criteria:
{criteria}"""


POINTS_50 = """\
      - {{code: "{code}", name: Dòng {code}, kind: points, max: 50, evidence: [Văn bản]}}
"""
TWO_LINES = POINTS_50.format(code="1.1") + POINTS_50.format(code="1.2")


def codes_of(findings):
    return [f.code.name for f in findings]


@pytest.mark.parametrize("body, expected, usable", [
    (group(TWO_LINES), [], True),
    (group(POINTS_50.format(code="1.1") * 2), ["R201"], False),
    (group(TWO_LINES) + group(TWO_LINES.replace('"1.', '"2.')).replace("groups:\n", ""), ["R202"], False),
    (group(TWO_LINES + "      - {code: '1.3', name: Chọn, kind: choice, evidence: [x]}\n"), ["R203"], False),
    (group(TWO_LINES.replace("max: 50,", "max: 50, options: [{label: A, points: 1}],", 1)), ["R204"], True),
    (group(TWO_LINES.replace("evidence", "section: '9', evidence", 1)), ["R205"], False),
    (group(TWO_LINES.replace("max: 50", "max: 45", 1)), ["R210"], True),
    (group(TWO_LINES, extra="    max: 100\n").replace("max: 50,", "max: 40,", 1), ["R211", "R210"], True),
    (group(TWO_LINES.replace(", evidence: [Văn bản]", "", 1)), ["R212"], True),
    (group(TWO_LINES.replace("max: 50,", "max: 50, step: 3,", 1)), ["R216"], True),
    (group(TWO_LINES + "      - {code: '1.3', name: Tỷ lệ, kind: percentage, evidence: [x], bands: "
           "[{min: 0, max: 50, points: 0}, {min: 50, max: 100, points: 0}]}\n"), ["R217"], False),
])
def test_each_inconsistency_is_reported(checked, body, expected, usable):
    rubric, _, findings = checked(body)
    assert codes_of(findings) == expected
    assert (rubric is not None) is usable


LEVELS = """\
levels:
  bands:
    - {{level: 1, min: 0, max: 50, max_inclusive: {a}}}
    - {{level: 2, min: {b}, max: 100}}
"""


@pytest.mark.parametrize("a, b, expected", [
    ("false", 50, []),            # [0; 50) then [50; 100]: contiguous
    ("true", 50, ["R207"]),       # 50 in both bands
    ("false", 60, ["R206"]),      # nothing holds 55
    ("true", 50.5, ["R206"]),     # nothing holds 50.2
])
def test_level_bands_gaps_and_overlaps(checked, a, b, expected):
    _, _, findings = checked(LEVELS.format(a=a, b=b) + group(TWO_LINES))
    assert codes_of(findings) == expected


def test_bands_that_do_not_reach_the_top(checked):
    body = "levels:\n  bands:\n    - {level: 1, min: 0, max: 80}\n" + group(TWO_LINES)
    rubric, _, findings = checked(body)
    assert codes_of(findings) == ["R208"] and rubric is None


def test_national_rubric_warns_only_that_group_2_sums_to_90(national):
    from cds_batch.rubric import check_file

    _, findings = check_file("qd4725-phothong")
    assert [(f.code, f.message) for f in findings] == [
        (Code.R210, render(Code.R210, {
            "value": 2, "detail": "90",
            "expected": "; nhóm vẫn được xếp mức theo điểm thô trên các khoảng đã khai báo"}))]
    assert [g.effective_max for g in national.groups] == [100, 90]
    assert all(g.levels.basis is Basis.POINTS for g in national.groups)


def test_quan7_reports_its_cap_and_its_maxima(quan7):
    from cds_batch.rubric import check_file

    _, findings = check_file("quan7-mamnon-2023")
    messages = {(f.code, f.value): f.message for f in findings}
    assert messages[(Code.R209, "2.3")] == render(Code.R209, {"value": "2.3", "expected": "10", "detail": "11"})
    assert "55, không phải 100" in messages[(Code.R210, "1")]
    assert "40 (41 trước điểm trần của mục), không phải 100" in messages[(Code.R210, "2")]
    assert "tỷ lệ phần trăm" in messages[(Code.R210, "2")]
    assert [g.effective_max for g in quan7.groups] == [55, 40]
    assert all(g.levels.basis is Basis.PERCENT for g in quan7.groups)
