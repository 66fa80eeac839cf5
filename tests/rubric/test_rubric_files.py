"""Rubric files: every shape error named with its line (YAML) or cell (Excel), never a traceback.

Rules covered: R101 unreadable file, R102 shape error, R103 unknown key (warning, with a
suggestion), R104 duplicate key, R105 Excel row pointing at an unknown group or criterion.
"""
from __future__ import annotations

import pytest

from cds_batch.core.findings import Code, render
from cds_batch.rubric import check_file, export_rubric, load_rubric
from cds_batch.core.errors import RubricError

from tests.conftest import MINIMAL_HEAD


def line_of(body: str, needle: str) -> int:
    """The 1-based line of `needle` in the file the fixture writes (header + body)."""
    return (MINIMAL_HEAD + body).splitlines().index(needle) + 1


GOOD_GROUP = """\
groups:
  - id: 1
    name: Nhóm một
    criteria:
      - code: "1.1"
        name: Kế hoạch
        kind: condition
        evidence: [Văn bản]
      - code: "1.2"
        name: Phần mềm
        kind: points
        max: 100
        evidence: [Tên phần mềm]
"""


def test_minimal_rubric_loads_without_findings(checked):
    rubric, codes, _ = checked(GOOD_GROUP)
    assert rubric is not None and codes == []
    assert rubric.groups[0].effective_max == 100


@pytest.mark.parametrize("old, new, bad_lines", [
    # a points line with a text maximum: named at the value
    ("max: 100", "max: mười", ["        max: mười"]),
    # an unknown kind
    ("kind: points", "kind: diem", ["        kind: diem"]),
    # a missing required key is reported at the object that lacks it
    ("        name: Phần mềm\n", "", ['      - code: "1.2"']),
    # two shape errors in one file: both reported, not just the first
    ("id: 1", "id: một", ["  - id: một"]),
])
def test_shape_errors_name_the_line(checked, old, new, bad_lines):
    body = GOOD_GROUP.replace(old, new)
    rubric, codes, _ = checked(body)
    assert rubric is None
    assert codes == [("R102", line_of(body, line)) for line in bad_lines]


def test_every_shape_error_is_reported(checked):
    body = GOOD_GROUP.replace("max: 100", "max: -5").replace("id: 1", "id: một")
    rubric, codes, _ = checked(body)
    assert rubric is None
    assert sorted(codes, key=lambda c: c[1]) == [
        ("R102", line_of(body, "  - id: một")), ("R102", line_of(body, "        max: -5"))]


def test_unknown_key_is_a_warning_with_a_suggestion(checked):
    body = GOOD_GROUP.replace("        evidence: [Tên phần mềm]", "        evidenc: [Tên]")
    rubric, codes, findings = checked(body)
    assert rubric is not None  # usable: only a warning, the key is ignored
    assert ("R103", line_of(body, "        evidenc: [Tên]")) in codes
    message = next(f.message for f in findings if f.code is Code.R103)
    assert "evidence" in message and "Có phải ý bạn là" in message


def test_duplicate_key_is_an_error_at_its_line(checked):
    body = GOOD_GROUP.replace("        max: 100\n", "        max: 100\n        max: 50\n")
    rubric, codes, findings = checked(body)
    assert rubric is None and codes == [("R104", line_of(body, "        max: 50"))]
    assert findings[0].message == render(Code.R104, {"value": "max", "path": "groups.0.criteria.1"})


def test_yaml_syntax_error_names_the_line(checked):
    rubric, codes, _ = checked(GOOD_GROUP + "  - id: [2\n")
    assert rubric is None and codes[0][0] == "R101" and codes[0][1] is not None


def test_missing_file_and_empty_file(tmp_path):
    assert check_file(tmp_path / "khong-co.yaml")[1][0].code is Code.R101
    empty = tmp_path / "rong.yaml"
    empty.write_text("", encoding="utf-8")
    assert check_file(empty)[1][0].code is Code.R101


def test_load_rubric_raises_with_every_finding(write_rubric):
    path = write_rubric(GOOD_GROUP.replace("max: 100", "max: mười").replace("kind: condition", "kind: x"))
    with pytest.raises(RubricError) as raised:
        load_rubric(path)
    assert [f.code for f in raised.value.findings] == [Code.R102, Code.R102]


def test_expressions_in_yaml_are_never_evaluated(checked):
    # A python tag would run code under yaml.load; safe_load refuses it as a syntax error.
    rubric, codes, _ = checked(GOOD_GROUP.replace('name: Nhóm một', 'name: !!python/object/apply:os.system ["echo x"]'))
    assert rubric is None and codes[0][0] == "R101"


def test_excel_errors_name_the_cell(tmp_path, quan7):
    import openpyxl

    path = tmp_path / "bo-chi-so.xlsx"
    export_rubric(quan7, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Tiêu chí"]
    assert sheet["B3"].value == "1.2a" and sheet["E1"].value == "Điểm tối đa"
    sheet["E3"] = "mười lăm"          # a text maximum
    book["Lựa chọn"]["A2"] = "9.9"    # an option of a criterion that does not exist
    book.save(path)
    rubric, findings = check_file(path)
    assert rubric is None
    assert [(f.code.name, f.sheet, f.cell) for f in findings] == [("R105", "Lựa chọn", "A2"),
                                                                  ("R102", "Tiêu chí", "E3")]
