"""Review and recognition: the office's external evaluation ("đánh giá ngoài") of the samples district.

The review workbook is written for the bundled samples district (`cds-batch run` on samples/inbox).
LibreOffice Calc then does what an evaluator does — types points, Đạt/Không đạt, comments, decisions
and reviewer names, re-sorts the rows, filters them, saves as .xlsx — and the workbook is read back by
the keys its rows carry. The recognised levels are checked against what the scoring engine gives each
school's own answers with the typed values put in their place (answers, not points: an independent
path), in exact Fractions.
"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from cds_batch.reports.labels import CONDITION_MAX
from cds_batch.review import layout as B
from cds_batch.review.spool import Spool
from cds_batch.review.write import reviewed_rows, write_review
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, render
from cds_batch.core.cells import a1
from cds_batch.reading.defined_names import read_names
from cds_batch.district.recognition import CriterionReview, Decision, Review, SchoolDecision, recognise
from cds_batch.review.read import read_review
from cds_batch.rubric.model import Kind, compute_hash
from cds_batch.checking.score import score
from cds_batch.core.text import fold

from tests.review_helpers import (
    OFFICE, ROUND, Evaluation, find_row, libreoffice_evaluate, one_school, samples, table_rows, typed
)
from tests.rubric.test_properties import answer_values, rubrics

# What the evaluators type. Valid values: a condition not met, points lowered, raised and confirmed,
# a decimal comma, a level band crossed (79906: 88 - 14 + 1 = 75, which is Mức 2, not 3).
POINTS = """
| Mã trường | Mã tiêu chí | Điểm đánh giá ngoài | Nhận xét của người đánh giá                      |
| 79901     | 1.1         | Không đạt           | Kế hoạch dạy học trực tuyến chưa được phê duyệt   |
| 79906     | 1.5.1       | 0                   | Chưa có phòng máy để kiểm tra trên máy tính       |
| 79906     | 1.4         | 9                   | Kho học liệu số đầy đủ hơn trường tự đánh giá      |
| 79906     | 1.3.1       | 6                   | Đúng như trường tự đánh giá                       |
| 79702     | 1.2a        | 7,5                 | Chỉ một nửa số phòng học có thiết bị thông minh    |
| 79708     | 2.4.2       | 2                   | Chưa tuyển sinh trực tuyến toàn bộ                 |
"""
# Values that cannot be used: each is a finding and is ignored.
UNUSABLE = """
| Mã trường | Mã tiêu chí | Điểm đánh giá ngoài | finding        |
| 79801     | 1.3.1       | 7                   | V102           |
| 79801     | 1.4         | nhiều               | V101           |
| 79803     | 1.5.1       | -1                  | V102           |
| 79801     | 1.1         | Có lẽ               | V101           |
"""
DECISIONS = """
| Mã trường | Quyết định      | Người đánh giá | Nhận xét                             |
| 79901     | Yêu cầu bổ sung | Nguyễn Văn An  | Bổ sung kế hoạch dạy học trực tuyến  |
| 79906     | Công nhận       | Trần Thị Bình  |                                      |
| 79708     | Công nhận       | Lê Minh Châu   |                                      |
| 79702     | Không công nhận | Phạm Thu Dung  | Minh chứng không khớp với điểm        |
| 79801     | Đồng ý          | Nguyễn Văn An  |                                      |
"""
KEYS = (B.H_SCHOOL, B.H_CODE)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return samples(tmp_path_factory.mktemp("review-run"))


@pytest.fixture(scope="module")
def review_file(district, tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / B.REVIEW_FILE
    write_review(reviewed_rows(district.district), district.rubrics, path, office=OFFICE, round_label=ROUND)
    return path


def read(path, district, *, rubrics=None, round_label=ROUND):
    return read_review(path, rubrics or district.rubrics, round_label=round_label, roster=district.roster)


def scored(district):
    return {row.info.code: row for row in reviewed_rows(district.district)}


def expected_result(district, code, typed_values):
    """The engine on the school's own answers with the typed values in place of its answers."""
    row = scored(district)[code]
    rubric = next(r for r in district.rubrics if r.id == row.used.rubric_id)
    return score(rubric, {**row.used.answers, **typed_values})


def typed_by_school(text):
    out: dict[str, dict[str, object]] = {}
    for school, code, value, _ in table_rows(text):
        out.setdefault(school, {})[code] = typed(value)
    return out


# ---- the workbook as written --------------------------------------------------------------------

def test_one_row_per_criterion_of_every_scored_school_with_its_own_points_and_evidence(district, review_file):
    rows = CalamineWorkbook.from_path(str(review_file)).get_sheet_by_name(B.SHEET_CRITERIA).to_python()
    head = next(r for r, row in enumerate(rows) if B.H_SCHOOL in row and B.H_CODE in row)
    cols = {h: rows[head].index(h) for h in (B.H_SCHOOL, B.H_CODE, B.H_SELF, B.H_MAX, B.H_EVIDENCE)}
    got = {(str(r[cols[B.H_SCHOOL]]), r[cols[B.H_CODE]]): r for r in rows[head + 1:]}
    expected = {(code, c.code): c for code, row in scored(district).items() for c in row.used.result.criteria}
    assert set(got) == set(expected)
    assert len(rows) - head - 1 == len(expected)
    for key, c in expected.items():   # a condition shows Đạt / Không đạt, a scored criterion its claimed points
        own = got[key][cols[B.H_SELF]]
        claimed = ("Đạt" if c.met else "Không đạt") if c.kind is Kind.CONDITION else c.claimed
        assert (own if isinstance(own, str) else Fraction(str(own))) == claimed, key
    assert got[("79909", "1.3.1")][cols[B.H_EVIDENCE]].startswith("MC-1.3.1-01: Tên phần mềm, đường link (")
    assert got[("79909", "1.1")][cols[B.H_MAX]] == CONDITION_MAX


def test_sorting_is_allowed_because_every_body_cell_is_unlocked_and_only_titles_and_headers_are_locked(review_file):
    wb = openpyxl.load_workbook(review_file)
    for name, keys in ((B.SHEET_CRITERIA, KEYS), (B.SHEET_SCHOOLS, (B.H_SCHOOL, B.H_DECISION))):
        ws = wb[name]
        head = next(r for r in range(1, 30) if all(k in [c.value for c in ws[r]] for k in keys))
        assert ws.protection.sheet and ws.protection.sort is False and ws.protection.autoFilter is False
        assert ws.auto_filter.ref is not None
        assert all(c.protection.locked for c in ws[head])
        assert not any(locked(ws, c) for row in ws.iter_rows(min_row=head + 1) for c in row)
    assert wb[B.SHEET_META].sheet_state == "hidden"


def locked(ws, cell) -> bool:
    """Whether Excel treats the cell as locked: an unwritten cell takes its column's format."""
    if cell.has_style:
        return cell.protection.locked
    column = next((d for d in ws.column_dimensions.values() if d.min <= cell.column <= d.max), None)
    return column.protection.locked if column is not None and column.has_style else True


def test_the_yellow_columns_are_yellow_in_the_table_only(review_file):
    """Their empty cells are not written: a conditional format over the table's rows colours them."""
    ws = openpyxl.load_workbook(review_file)[B.SHEET_CRITERIA]
    head = next(r for r in range(1, 30) if all(k in [c.value for c in ws[r]] for k in KEYS))
    headers = [c.value for c in ws[head]]
    cols = [get_column_letter(headers.index(h) + 1) for h in (B.H_POINTS, B.H_COMMENT)]
    yellow = [(str(cf.sqref), r.formula) for cf in ws.conditional_formatting for r in cf.rules
              if r.dxf is not None and r.dxf.fill is not None and r.dxf.fill.bgColor.rgb.endswith("FFF2CC")]
    assert sorted(yellow) == sorted((f"{c}{head + 1}:{c}{ws.max_row}", ["TRUE"]) for c in cols)


def test_the_same_district_gives_the_same_bytes(district, review_file, tmp_path):
    again = tmp_path / B.REVIEW_FILE
    write_review(reviewed_rows(district.district), district.rubrics, again, office=OFFICE, round_label=ROUND)
    assert again.read_bytes() == review_file.read_bytes()


def test_a_spool_of_the_schools_gives_the_same_bytes(district, review_file, tmp_path):
    """A province's workbook process reads its schools back from a spool, one at a time."""
    rows = reviewed_rows(district.district)
    spool = Spool.write(rows, {r.id: r for r in district.rubrics}, tmp_path / "schools.pickle")
    assert spool.schools == len(rows) and list(spool) == rows
    again = tmp_path / B.REVIEW_FILE
    write_review(spool, district.rubrics, again, office=OFFICE, round_label=ROUND)
    assert again.read_bytes() == review_file.read_bytes()


def test_the_identity_is_stored_as_named_cells_and_as_properties(district, review_file):
    names = read_names(review_file)
    scalars = (B.K_KIND, B.K_VERSION, B.K_ROUND, B.K_OFFICE, B.K_TOOL)
    assert {k: names[k][0] for k in scalars} == {k: B.SHEET_META for k in scalars}
    props = {p.name: p.value for p in openpyxl.load_workbook(review_file).custom_doc_props.props}
    assert props[B.K_KIND] == "review" and props[B.K_ROUND] == ROUND and props[B.K_OFFICE] == OFFICE
    assert {k: v for k, v in props.items() if k.startswith(B.RUBRIC_PROPERTY)} == {
        B.RUBRIC_PROPERTY + r.id: r.content_hash for r in district.rubrics}


def test_an_untouched_review_recognises_the_self_assessment_as_it_is(district, review_file):
    review = read(review_file, district)
    assert review.findings == () and review.office == OFFICE
    assert all(c.value is None for c in review.criteria) and all(d.decision is None for d in review.schools)
    recognition = recognise(district.district, review, district.rubrics)
    assert recognition.differences == () and recognition.unmatched == ()
    assert [(s.code, s.result.groups, s.result.overall_level) for s in recognition.schools] == [
        (s.code, s.self_result.groups, s.self_result.overall_level) for s in recognition.schools]


def test_a_file_that_is_not_a_review_workbook_is_refused(district):
    with pytest.raises(CdsBatchError, match=f"^Tệp 'tong-hop.xlsx', thuộc tính tệp {B.K_KIND}: tệp không phải bảng "
                                            f"đánh giá ngoài .*{B.REVIEW_FILE}"):
        read(district.out / "tong-hop.xlsx", district)


def edited(review_file, tmp_path, change):
    """A copy of the review workbook changed by `change(workbook, {(school, code): row}, {header: column})`."""
    wb = openpyxl.load_workbook(review_file)
    ws = wb[B.SHEET_CRITERIA]
    head = next(r for r in range(1, 30) if all(k in [c.value for c in ws[r]] for k in KEYS))
    cols = {c.value: c.column for c in ws[head] if c.value}
    rows = {(ws.cell(r, cols[B.H_SCHOOL]).value, ws.cell(r, cols[B.H_CODE]).value): r
            for r in range(head + 1, ws.max_row + 1)}
    change(wb, rows, cols)
    wb.save(tmp_path / "sua.xlsx")
    return tmp_path / "sua.xlsx"


def test_a_key_that_is_no_criterion_of_the_school_or_repeats_a_row_is_a_finding(district, review_file, tmp_path):
    marks = {}

    def change(wb, rows, cols):
        ws = wb[B.SHEET_CRITERIA]
        marks["unknown"], marks["first"], marks["again"] = rows["79901", "1.3.1"], rows["79901", "1.3.2"], \
            rows["79901", "1.3.3"]
        ws.cell(marks["unknown"], cols[B.H_CODE]).value = "9.9"
        ws.cell(marks["first"], cols[B.H_CODE]).value = "1.3.3"   # typed over: two rows for 1.3.3 now
        ws.cell(marks["first"], cols[B.H_POINTS]).value = 1
        ws.cell(marks["again"], cols[B.H_POINTS]).value = 2
        marks["col"] = get_column_letter(cols[B.H_CODE])

    review = read(edited(review_file, tmp_path, change), district)
    col = marks["col"]
    assert [(f.sheet, f.cell, f.code, f.message) for f in review.findings] == [
        (B.SHEET_CRITERIA, f"{col}{marks['unknown']}", Code.V104,
         render(Code.V104, {"value": "9.9", "detail": "bộ chỉ số qd4725-phothong của trường "
                                     "79901 không có tiêu chí này"})),
        (B.SHEET_CRITERIA, f"{col}{marks['again']}", Code.V105,
         render(Code.V105, {"detail": f"Trường 79901, tiêu chí 1.3.3 đã có ở dòng {marks['first']}"}))]
    assert {(c.code, c.points) for c in review.criteria if c.school_code == "79901" and c.value is not None} == {
        ("1.3.3", Fraction(1))}


def test_without_its_hidden_sheet_a_review_is_read_from_properties_and_columns(district, review_file, tmp_path):
    def change(wb, rows, cols):
        del wb[B.SHEET_META]
        wb[B.SHEET_CRITERIA].cell(rows["79702", "1.2a"], cols[B.H_POINTS]).value = "7,5"

    review = read(edited(review_file, tmp_path, change), district)
    assert review.findings == () and review.rubric_hashes == {r.id: r.content_hash for r in district.rubrics}
    assert [(c.school_code, c.code, c.points) for c in review.criteria if c.value is not None] == [
        ("79702", "1.2a", Fraction(15, 2))]
    with pytest.raises(CdsBatchError, match=f"^Tệp 'sua.xlsx', thuộc tính tệp {B.K_ROUND}: .*đợt '{ROUND}'"):
        read(tmp_path / "sua.xlsx", district, round_label="Đợt 2 năm 2025")


# ---- recognition, pure ----------------------------------------------------------------------------

def test_section_caps_and_levels_follow_the_rubric_on_evaluated_points(district):
    """Quận 7 preschool 79708: 2.3a + 2.3b raised to 6 + 5 = 11, held to the 2.3 cap of 10; group 2 is
    34 - (4 + 4) + 10 = 36 of 40 = 90 % → Mức 3. Group 1 with 1.1 Không đạt: 0 → Mức 1."""
    review = Review("x.xlsx", ROUND, OFFICE, {}, criteria=(
        CriterionReview("79708", "2.3a", points=Fraction(6)), CriterionReview("79708", "2.3b", points=Fraction(5)),
        CriterionReview("79708", "1.1", met=False, comment="Không có kế hoạch")),
        schools=(SchoolDecision("79708", Decision.RECOGNISED, "Lê Minh Châu"),))
    school = recognise(district.district, review, district.rubrics).school("79708")
    g1, g2 = school.result.groups
    assert (g1.score, g1.level, g1.failed_conditions) == (0, 1, ("1.1",))
    assert (g2.score, g2.percent, g2.level) == (Fraction(36), Fraction(90), 3)
    assert school.recognised_level == school.result.overall_level == 1
    assert [(d.code, d.self_value, d.evaluated, d.reviewer) for d in school.differences] == [
        ("2.3a", Fraction(4), Fraction(6), "Lê Minh Châu"), ("2.3b", Fraction(4), Fraction(5), "Lê Minh Châu"),
        ("1.1", True, False, "Lê Minh Châu")]


def test_only_the_decision_recognised_gives_a_recognised_level(district):
    review = Review("x.xlsx", ROUND, OFFICE, {}, schools=(
        SchoolDecision("79906", Decision.MORE_EVIDENCE), SchoolDecision("79909", Decision.RECOGNISED),
        SchoolDecision("79803", None), SchoolDecision("79703", Decision.RECOGNISED)))
    recognition = recognise(district.district, review, district.rubrics)
    assert recognition.school("79906").recognised_level is None
    assert recognition.school("79909").recognised_level == recognition.school("79909").self_result.overall_level
    assert recognition.school("79803").decision is None
    assert recognition.unmatched == ()
    missing = Review("x.xlsx", ROUND, OFFICE, {}, schools=(SchoolDecision("79706", Decision.RECOGNISED),))
    assert recognise(district.district, missing, district.rubrics).unmatched == ("79706",)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_evaluation_that_types_the_schools_own_values_back_changes_nothing(data):
    """Any rubric (every kind, capped sections, conditions that zero a group or a section), any answers."""
    rubric = data.draw(rubrics())
    district = one_school(rubric, data.draw(answer_values(rubric)))
    own = district.schools[0].used.result
    review = Review("x.xlsx", ROUND, OFFICE, {}, criteria=tuple(
        CriterionReview("79001", c.code, met=bool(c.met)) if c.kind is Kind.CONDITION else
        CriterionReview("79001", c.code, points=c.claimed) for c in own.criteria))
    school = recognise(district, review, [rubric]).school("79001")
    assert school.differences == ()
    assert (school.result.groups, school.result.overall_level) == (own.groups, own.overall_level)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_evaluated_points_and_conditions_score_as_the_same_answers_would(data):
    """The independent path: the engine on the school's answers with the evaluated values typed in."""
    rubric = data.draw(rubrics())
    answers = data.draw(answer_values(rubric))
    typed_in: dict[str, object] = {}
    lines = []
    for c in (c for g in rubric.groups for c in g.criteria if c.kind in (Kind.POINTS, Kind.CONDITION)):
        if not data.draw(st.booleans()):
            continue
        if c.kind is Kind.CONDITION:
            met = data.draw(st.booleans())
            typed_in[c.code], line = ("Đạt" if met else "Không đạt"), CriterionReview("79001", c.code, met=met)
        else:
            points = Fraction(data.draw(st.integers(0, int(c.max * 4))), 4)   # on the rubrics' quarter grid
            typed_in[c.code], line = points, CriterionReview("79001", c.code, points=points)
        lines.append(line)
    school = recognise(one_school(rubric, answers), Review("x.xlsx", ROUND, OFFICE, {}, criteria=tuple(lines)),
                       [rubric]).school("79001")
    expected = score(rubric, {**answers, **typed_in})
    assert (school.result.groups, school.result.overall_level) == (expected.groups, expected.overall_level)


# ---- through LibreOffice: typed, sorted, filtered, saved ---------------------------------------

def rows_of(text, value_header, comment_header):
    """A pipe table of typed values as the LibreOffice job's rows: (key cells, {header: typed value})."""
    return [({B.H_SCHOOL: school, B.H_CODE: code}, {value_header: typed(value), **(
        {comment_header: comment} if comment_header else {})}) for school, code, value, comment in table_rows(text)]


@pytest.fixture(scope="module")
def evaluated(review_file, tmp_path_factory):
    """The review as saved by LibreOffice after the evaluators' work, and a copy with a key cell typed over."""
    out = tmp_path_factory.mktemp("lo-review")
    decisions = [({B.H_SCHOOL: school}, {B.H_DECISION: decision, B.H_REVIEWER: reviewer, B.H_NOTE: note})
                 for school, decision, reviewer, note in table_rows(DECISIONS)]
    main = Evaluation(out / B.REVIEW_FILE,
                      criteria_rows=rows_of(POINTS, B.H_POINTS, B.H_COMMENT) + rows_of(UNUSABLE, B.H_POINTS, ""),
                      school_rows=decisions, criteria_sort=(B.H_CODE, B.H_SCHOOL), school_sort=(B.H_SCHOOL,),
                      only=(B.H_SCHOOL, "79906"))
    key_typed_over = Evaluation(out / "ma-truong-go-de.xlsx", criteria_rows=[
        ({B.H_SCHOOL: "79901", B.H_CODE: "1.1"}, {B.H_SCHOOL: "99999"})])
    libreoffice_evaluate(review_file, [main, key_typed_over], criteria=B.SHEET_CRITERIA, schools=B.SHEET_SCHOOLS,
                         criteria_keys=KEYS, school_keys=(B.H_SCHOOL, B.H_DECISION))
    return main.target, key_typed_over.target


@pytest.mark.slow
def test_libreoffice_sorted_and_filtered_the_protected_sheets(evaluated):
    path, _ = evaluated
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(B.SHEET_CRITERIA).to_python()
    head = next(r for r, row in enumerate(rows) if B.H_SCHOOL in row and B.H_CODE in row)
    school, code = rows[head].index(B.H_SCHOOL), rows[head].index(B.H_CODE)
    assert (rows[head + 1][code], rows[head + 1][school]) == ("2.4.3", "79909")   # was 79701 / 1.1
    ws = openpyxl.load_workbook(path)[B.SHEET_CRITERIA]
    shown = {str(ws.cell(r + 1, school + 1).value) for r in range(head + 1, len(rows))
             if not ws.row_dimensions[r + 1].hidden}
    assert shown == {"79906"} and ws.protection.sheet
    rule = next(dv for dv in ws.data_validations.dataValidation if dv.type == "custom")   # still one rule a column
    assert str(rule.sqref) == f"J{head + 2}:J{len(rows)}" and f"$H{head + 2}" in rule.formula1
    schools = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(B.SHEET_SCHOOLS).to_python()
    top = next(r for r, row in enumerate(schools) if B.H_DECISION in row)
    assert str(schools[top + 1][0]) == "79909"


@pytest.mark.slow
def test_recognised_levels_are_the_engines_levels_of_the_typed_values(district, evaluated):
    recognition = recognise(district.district, read(evaluated[0], district), district.rubrics)
    typed_values = typed_by_school(POINTS)
    for school in recognition.schools:
        expected = expected_result(district, school.code, typed_values.get(school.code, {}))
        assert (school.result.groups, school.result.overall_level) == (expected.groups, expected.overall_level), \
            school.code
    levels = {s.code: (s.self_result.overall_level, s.result.overall_level, s.recognised_level)
              for s in recognition.schools if s.code in typed_values}
    assert levels == {"79901": (2, 1, None), "79906": (3, 2, 2), "79702": (2, 2, None), "79708": (3, 2, 2)}
    assert recognition.school("79906").result.group(1).score == 75
    assert recognition.school("79702").result.group(1).score == Fraction(81, 2)   # 43 - 10 + 7,5


@pytest.mark.slow
def test_every_override_is_listed_with_its_comment_and_reviewer(district, evaluated):
    recognition = recognise(district.district, read(evaluated[0], district), district.rubrics)
    reviewers = {school: reviewer for school, _, reviewer, _ in table_rows(DECISIONS)}
    own = {(code, c.code): (c.met if c.met is not None else c.claimed)
           for code, row in scored(district).items() for c in row.used.result.criteria}
    expected = set()
    for school, code, value, comment in table_rows(POINTS):
        evaluated_value = value == "Đạt" if value in ("Đạt", "Không đạt") else Fraction(value.replace(",", "."))
        if evaluated_value != own[school, code]:
            expected.add((school, code, own[school, code], evaluated_value, comment, reviewers[school]))
    got = {(d.school_code, d.code, d.self_value, d.evaluated, d.comment, d.reviewer) for d in recognition.differences}
    assert got == expected and len(got) == 5   # 79906 1.3.1 confirmed the school's 6: no difference
    for d in recognition.differences:   # each says where the evaluators typed it, after the sort
        _, cols, r = find_row(evaluated[0], B.SHEET_CRITERIA, {B.H_SCHOOL: d.school_code, B.H_CODE: d.code})
        assert (d.sheet, d.cell) == (B.SHEET_CRITERIA, a1(r, cols[fold(B.H_POINTS)]))


@pytest.mark.slow
def test_unusable_values_are_findings_at_their_cells_and_are_ignored(district, evaluated):
    path = evaluated[0]
    review = read(path, district)
    expected = []   # (sheet, cell, code, value), the cells where the values are after the sort
    for school, code, value, found in table_rows(UNUSABLE):
        _, cols, r = find_row(path, B.SHEET_CRITERIA, {B.H_SCHOOL: school, B.H_CODE: code})
        expected.append((B.SHEET_CRITERIA, a1(r, cols[fold(B.H_POINTS)]), Code[found], value))
    _, cols, r = find_row(path, B.SHEET_SCHOOLS, {B.H_SCHOOL: "79801"})
    expected.append((B.SHEET_SCHOOLS, a1(r, cols[fold(B.H_DECISION)]), Code.V103, "Đồng ý"))
    got = [(f.sheet, f.cell, f.code, f.value) for f in review.findings]
    assert sorted(got, key=str) == sorted(expected, key=str)
    out_of_range = next(f for f in review.findings if f.value == "7")
    assert out_of_range.message == render(Code.V102, {
        "value": "7", "detail": "1.3.1 (trường 79801)", "expected": "một số điểm từ 0 đến 6"})
    school = recognise(district.district, review, district.rubrics).school("79801")
    assert school.differences == () and school.result.groups == school.self_result.groups
    assert school.decision is None and school.reviewer == "Nguyễn Văn An"


@pytest.mark.slow
def test_decisions_reviewers_and_comments_are_read_by_school_code(district, evaluated):
    review = read(evaluated[0], district)
    got = {d.school_code: (d.decision.label if d.decision else "", d.reviewer, d.comment) for d in review.schools
           if d.reviewer}
    assert got == {school: (decision if decision != "Đồng ý" else "", reviewer, note)
                   for school, decision, reviewer, note in table_rows(DECISIONS)}


@pytest.mark.slow
def test_a_review_of_another_round_is_refused_naming_the_cell(district, evaluated):
    sheet, cell = read_names(evaluated[0])[B.K_ROUND]
    with pytest.raises(CdsBatchError) as caught:
        read(evaluated[0], district, round_label="Đợt 2 năm 2025")
    assert str(caught.value).startswith(f"Tệp '{B.REVIEW_FILE}', trang '{sheet}', ô {cell}: bảng đánh giá ngoài "
                                        f"thuộc đợt '{ROUND}', không phải đợt đang xử lý 'Đợt 2 năm 2025'.")


@pytest.mark.slow
def test_a_review_made_with_another_version_of_a_rubric_is_refused(district, evaluated):
    national = district.rubrics[0]
    group = national.groups[0]
    criteria = tuple(replace(c, max=Fraction(8)) if c.code == "1.3.1" else c for c in group.criteria)
    changed = replace(national, groups=(replace(group, criteria=criteria), *national.groups[1:]))
    changed = replace(changed, content_hash=compute_hash(changed))
    assert changed.content_hash != national.content_hash
    with pytest.raises(CdsBatchError, match=f"trang '{B.SHEET_META}', ô C\\d+: .*phiên bản khác của bộ chỉ số "
                                            f"'{national.id}' \\(mã băm {national.short_hash}, bản đang dùng "
                                            f"{changed.short_hash}\\)"):
        read(evaluated[0], district, rubrics=(changed, *district.rubrics[1:]))


@pytest.mark.slow
def test_an_unknown_school_code_typed_into_a_key_cell_is_refused_naming_the_cell(district, evaluated):
    _, _, r = find_row(evaluated[1], B.SHEET_CRITERIA, {B.H_SCHOOL: "99999", B.H_CODE: "1.1"})
    with pytest.raises(CdsBatchError) as caught:
        read(evaluated[1], district)
    assert str(caught.value).startswith(f"Tệp 'ma-truong-go-de.xlsx', trang '{B.SHEET_CRITERIA}', ô A{r + 1}: "
                                        "mã trường '99999' không có trong danh sách trường")
