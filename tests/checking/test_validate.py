"""Validate (issue 5, step 4) through intake: a real workbook in, every finding with its place out.

Each workbook starts as the template the package writes for `RUBRIC` and the school 79001, with the
clean answers of `validate_fixtures.CLEAN` typed in by openpyxl; the test then does one thing a
school does (leaves a cell blank, types "7,5", deletes a row, renames a sheet, copies the values
into a new file …) and runs `intake.examine` on it.

Rules: V1 every code E101–E116, E201–E208, E301–E303 is triggered by a case of `CASES`, reported at
the sheet!cell where the school fixes it, with the catalogue's message (a new code without a case
fails `test_every_code_has_a_case`); V2 severity follows issue 5: an unusable answer is an error,
an evidence gap a warning, a condition "Không đạt" information that names its consequence; V3
validation never stops at the first problem; V4 a workbook of a rubric the run does not have, or
of another version of it, or of another template version, is reported and never scored; V5 the
identity findings (E4xx) sit on the school code cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl.styles import Font

from cds_batch.form import layout as L
from cds_batch.intake.containers import FileKind
from cds_batch.intake.discover import Entry, Fate, TimeSource
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.checking.examine import Context, Submission, examine
from cds_batch.rubric import load_rubric

from tests.builders.sample_round import ISSUE
from tests.template_helpers import SCHOOL
from tests.validate_fixtures import (
    CLEAN, CONTEXT, EVIDENCE, OTHER_SCHOOL, RUBRIC, RUBRIC_CHANGED, RUBRIC_YAML, Edit, blank_template, cell_of,
    delete_row, drop_identity, entry, rows, rubric_from, set_identity, values_only, workbook
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
SOURCE = "inbox/truong.xlsx"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The template the office sent to school 79001."""
    return blank_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """The blank template (no school written in it)."""
    return blank_template(tmp_path_factory.mktemp("blank"), school=None)


def run(path: Path, ctx: Context = CONTEXT, source: str = SOURCE) -> Submission:
    return examine(entry(path, source), ctx)


def spots(findings: tuple[Finding, ...] | list[Finding]) -> list[tuple[str, str, str]]:
    """Findings as (sheet, cell, code) rows."""
    return [(f.sheet, f.cell, f.code.name) for f in findings]


def shown(f: Finding) -> tuple[Code, str, str, str]:
    return f.code, f.sheet, f.cell, f.message


# --- what the school did to the workbook -----------------------------------------------------------

def lose_name(name: str) -> Edit:
    def edit(wb):
        del wb.defined_names[name]
    return edit


def rename_sheet(old: str, new: str) -> Edit:
    def edit(wb):
        wb[old].title = new   # the names keep pointing at the old sheet
    return edit


def delete_sheet(sheet: str) -> Edit:
    def edit(wb):
        del wb[sheet]
    return edit


def delete_row_of(sheet: str, row: int) -> Edit:
    return lambda wb: delete_row(wb, sheet, row)


def add_sheet(title: str) -> Edit:
    def edit(wb):
        wb.create_sheet(title)
    return edit


def legacy_font(name: str, font: str) -> Edit:
    def edit(wb):
        cell_of(wb, name).font = Font(name=font, size=12)
    return edit


def identity(name: str, value: str, in_properties: bool = True) -> Edit:
    return lambda wb: set_identity(wb, name, value, in_properties=in_properties)


def overwrite_total(group_id: int, value: object) -> Edit:
    def edit(wb):
        cell_of(wb, f"CDS_T_{group_id}").value = value
    return edit


def copied_without_identity(wb):
    """Values copied into a new workbook, the hidden identity sheet left behind."""
    drop_identity(wb)
    return values_only(wb)


def pasted_into_new_workbook(wb):
    """Values pasted into the sheets of a new workbook: no identity, no names, sheets titled Sheet1 …"""
    drop_identity(wb)
    return values_only(wb, titles="Sheet")


# --- V1: one case per code -------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A school's workbook that must give `code` at `where`: 'Nhóm 1!F6', a sheet alone, or '' for the file."""

    code: Code
    severity: Severity
    where: str
    story: str
    fields: dict[str, Any]
    changes: dict[str, object] = field(default_factory=dict)
    evidence: tuple[tuple[object, ...], ...] = EVIDENCE
    edit: Edit | None = None
    name: str = "truong.xlsx"
    totals: bool = True
    ctx: Context = CONTEXT

    def __str__(self) -> str:
        return f"{self.code.name}-{self.story}"

    @property
    def place(self) -> tuple[str, str]:
        sheet, _, cell = self.where.rpartition("!")
        return (sheet, cell) if sheet else (self.where, "")


def case(code: Code, severity: Severity, where: str, story: str, *, changes: dict[str, object] | None = None,
         evidence: tuple[tuple[object, ...], ...] = EVIDENCE, edit: Edit | None = None, name: str = "truong.xlsx",
         totals: bool = True, ctx: Context = CONTEXT, **fields: Any) -> Case:
    return Case(code, severity, where, story, fields, changes or {}, evidence, edit, name, totals, ctx)


POINTS_1_2 = {"detail": "1.2 (Trang thiết bị)", "expected": "một số điểm từ 0 đến 10, theo bước 0,5"}
WITHOUT_1_2 = tuple(r for r in EVIDENCE if r[1] != "1.2")
EXTRA_ROW = 7 + len(EVIDENCE)   # the first free row of the evidence index

CASES = [
    # Reading (E1xx): what the reader had to do, and whether the workbook can be trusted.
    case(Code.E101, WARNING, "Nhóm 1!F6", "answer-name-lost", edit=lose_name("CDS_V_1_2"),
         detail="Ô trả lời của tiêu chí 1.2 mất tên vùng CDS_V_1_2"),
    case(Code.E101, WARNING, "Thông tin chung!B5", "school-field-name-lost", edit=lose_name("CDS_SCHOOL_NAME"),
         detail="Ô 'Tên trường' mất tên vùng CDS_SCHOOL_NAME"),
    case(Code.E102, INFO, "Quản trị", "group-sheet-renamed", edit=rename_sheet("Nhóm 2", "Quản trị"),
         detail="Trang 'Nhóm 2' đã bị đổi tên thành 'Quản trị'"),
    case(Code.E103, ERROR, "Nhóm 2", "group-sheet-deleted", edit=delete_sheet("Nhóm 2"),
         detail="Không có trang 'Nhóm 2'"),
    case(Code.E104, ERROR, "Nhóm 1", "answer-row-deleted", changes={"CDS_V_1_2": None}, evidence=WITHOUT_1_2,
         edit=delete_row_of("Nhóm 1", 6), value="1.2", detail="Không tìm thấy mã 1.2 ở cột 'Mã tiêu chí'"),
    case(Code.E105, INFO, "Ghi chú", "sheet-added", edit=add_sheet("Ghi chú"), value="Ghi chú"),
    case(Code.E106, INFO, "Thông tin chung!B10", "vni-text", edit=legacy_font("CDS_CONTACT_NAME", "VNI-Times"),
         changes={"CDS_CONTACT_NAME": "Tröôøng phoù Nguyeãn Vaên Ba"}, detail="VNI-Times: 'Trường phó Nguyễn Văn Ba'"),
    case(Code.E106, INFO, "Thông tin chung!B5", "tcvn3-text", edit=legacy_font("CDS_SCHOOL_NAME", ".VnTime"),
         changes={"CDS_SCHOOL_NAME": "Tr\u00adêng MÇm non Hoa Sen"}, detail=".VnTime: 'Trường Mầm non Hoa Sen'"),
    case(Code.E107, INFO, "Nhóm 1!G9", "saved-without-formula-results", totals=False,
         detail="Ô có công thức nhưng tệp không lưu kết quả; hãy mở tệp bằng Excel, lưu lại rồi gửi"),
    case(Code.E108, INFO, "Thông tin chung!B13", "date-typed-as-text", changes={"CDS_REPORT_DATE": "15.10.2025"},
         value="15.10.2025", detail="15/10/2025"),
    case(Code.E109, INFO, "", "identity-sheet-deleted", edit=delete_sheet("_cds"),
         detail="Mã bộ chỉ số, Phiên bản bộ chỉ số, Mã băm bộ chỉ số, Phiên bản mẫu, Đợt báo cáo, "
                "Mẫu dành cho trường (mã)"),
    case(Code.E110, WARNING, "_cds!B3", "identity-cell-edited", edit=identity("CDS_RUBRIC_VERSION", "2", False),
         detail="Phiên bản bộ chỉ số: ô ghi '2', thuộc tính tệp ghi '1'"),
    case(Code.E111, INFO, "", "xlsx-named-xls", name="truong.xls", value=".xls", detail="xlsx"),
    case(Code.E112, ERROR, "", "unknown-rubric", edit=identity("CDS_RUBRIC_ID", "bo-chi-so-khac"),
         value="bo-chi-so-khac", expected=RUBRIC.id),
    case(Code.E113, ERROR, "", "rubric-changed-since", ctx=replace(CONTEXT, rubrics=(RUBRIC_CHANGED,)),
         value=RUBRIC.short_hash, expected=RUBRIC_CHANGED.short_hash, detail=RUBRIC.id),
    case(Code.E114, ERROR, "", "old-template", edit=identity("CDS_TEMPLATE_VERSION", "0"), value="0", expected="1"),
    case(Code.E115, WARNING, "", "last-round-file", ctx=replace(CONTEXT, round_label="Đợt 2 năm 2025"),
         value=ISSUE.round_label, expected="Đợt 2 năm 2025"),
    case(Code.E116, WARNING, "", "identity-lost", edit=copied_without_identity,
         value=RUBRIC.id, detail="mặc định của lần chạy"),
    case(Code.E117, WARNING, "", "pasted-into-new-workbook", edit=pasted_into_new_workbook,
         detail="trang 'Sheet3' là 'Nhóm 1', trang 'Sheet4' là 'Nhóm 2', trang 'Sheet2' là 'Thông tin chung', "
                "trang 'Sheet5' là 'Danh mục minh chứng'"),
    # Answers (E2xx).
    case(Code.E201, ERROR, "Nhóm 1!F6", "blank", changes={"CDS_V_1_2": None}, value="(trống)", **POINTS_1_2),
    case(Code.E202, ERROR, "Nhóm 1!F6", "words", changes={"CDS_V_1_2": "nhiều"}, value="nhiều", **POINTS_1_2),
    case(Code.E203, ERROR, "Nhóm 1!F6", "above-max", changes={"CDS_V_1_2": 12}, value="12", **POINTS_1_2),
    case(Code.E203, ERROR, "Nhóm 1!F7", "over-100-percent", changes={"CDS_V_1_3": 120}, value="120",
         detail="1.3 (Tỷ lệ giáo viên dùng học liệu số)", expected="một tỉ lệ phần trăm từ 0 đến 100"),
    case(Code.E204, ERROR, "Nhóm 1!F8", "not-an-option", changes={"CDS_V_1_4": "Mua"}, value="Mua",
         detail="1.4 (Hệ thống quản lý học tập)", expected="một trong các lựa chọn: 'Thuê'; 'Tự xây dựng'"),
    case(Code.E205, ERROR, "Nhóm 1!F6", "off-step", changes={"CDS_V_1_2": 7.3}, value="7,3", **POINTS_1_2),
    case(Code.E206, INFO, "Nhóm 1!F6", "decimal-comma", changes={"CDS_V_1_2": "7,5"}, value="7,5", **POINTS_1_2),
    case(Code.E206, INFO, "Nhóm 2!F8", "checklist-x", changes={"CDS_V_2_2B_1": "x"}, value="x",
         detail="2.2b_1 (Phân hệ phần mềm)", expected="'Có' hoặc 'Không'"),
    case(Code.E207, INFO, "Nhóm 1!F5", "condition-not-met", changes={"CDS_V_1_1": "Không đạt"},
         value="1.1", detail="Kế hoạch chuyển đổi số", expected="nhóm 1 được 0 điểm"),
    case(Code.E208, WARNING, "Nhóm 1!G9", "total-typed-over", edit=overwrite_total(1, 99),
         value="99", expected="14,5", detail="1"),
    # Evidence (E3xx).
    case(Code.E301, WARNING, "Nhóm 1!E6", "points-without-evidence", evidence=WITHOUT_1_2,
         value="1.2", expected="7,5", detail="Trang thiết bị"),
    case(Code.E302, WARNING, f"Danh mục minh chứng!B{EXTRA_ROW}", "unknown-criterion",
         evidence=EVIDENCE + rows("| MC-9.9-01 | 9.9 | Ảnh chụp lớp học | | |"), value="9.9"),
    case(Code.E303, WARNING, f"Danh mục minh chứng!C{EXTRA_ROW}", "evidence-without-name",
         evidence=EVIDENCE + rows("| MC-2.3-02 | 2.3 | | 14/BB-MN | |"), value="2.3"),
]


def test_every_code_has_a_case():
    wanted = {c for c in Code if c.name[0] == "E" and c.name[1] in "123"}
    covered = {c.code for c in CASES}
    assert sorted(c.name for c in wanted - covered) == []
    assert sorted(c.name for c in covered - wanted) == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_code_is_reported_where_the_school_fixes_it(case: Case, template: Path, tmp_path: Path):
    path = workbook(template, tmp_path / case.name, case.changes, case.evidence, case.edit, case.totals)
    source = f"inbox/{case.name}"
    got = run(path, case.ctx, source)
    sheet, cell = case.place
    expected = finding(case.code, file=source, sheet=sheet, cell=cell, **case.fields)
    assert case.code.severity is case.severity
    assert "không rõ" not in expected.message   # every field the template names was given
    assert shown(expected) in [shown(f) for f in got.findings if f.code is case.code], spots(got.findings)
    assert all(f.file == source for f in got.findings)
    assert [f.message for f in got.findings if "không rõ" in f.message] == []   # no field left unfilled


def test_clean_workbook_has_no_finding(template: Path, tmp_path: Path):
    got = run(workbook(template, tmp_path / "truong.xlsx"))
    assert (got.findings, got.valid, got.school_code, got.rubric_id) == ((), True, SCHOOL.code, RUBRIC.id)
    assert [(g.id, g.score, g.level) for g in got.result.groups] == [(1, 14.5, 2), (2, 8, 2)]


# --- V2: severity policy ---------------------------------------------------------------------------

@pytest.mark.parametrize("story, changes, evidence, code, severity, valid", [
    # what the school did            | typed                       | evidence    | → code, severity, still valid
    ("answer left blank", {"CDS_V_1_2": None}, EVIDENCE, Code.E201, ERROR, False),
    ("no evidence for 7.5 points", {}, WITHOUT_1_2, Code.E301, WARNING, True),
    ("condition not met", {"CDS_V_1_1": "Không đạt"}, EVIDENCE, Code.E207, INFO, True),
])
def test_severity_policy(template, tmp_path, story, changes, evidence, code, severity, valid):
    got = run(workbook(template, tmp_path / "truong.xlsx", changes, evidence))
    assert [(f.code, f.severity) for f in got.findings] == [(code, severity)]
    assert got.valid is valid
    assert (got.errors, got.warnings) == (int(severity is ERROR), int(severity is WARNING))


@pytest.mark.parametrize("name, consequence, scores", [
    # condition           | what the school is told                      | group 1, group 2 after it
    ("CDS_V_1_1", "nhóm 1 được 0 điểm", (0, 8)),
    ("CDS_V_2_2A", "các tiêu chí của mục 2.2 được 0 điểm", (14.5, 6)),
    ("CDS_V_2_1", "không ảnh hưởng đến điểm", (14.5, 8)),
])
def test_condition_not_met_names_its_consequence(template, tmp_path, name, consequence, scores):
    got = run(workbook(template, tmp_path / "truong.xlsx", {name: "Không đạt"}))
    (only,) = got.findings
    assert (only.code, only.severity) == (Code.E207, INFO)
    assert only.message.endswith(f"được đánh giá 'Không đạt': {consequence}.")
    assert tuple(g.score for g in got.result.groups) == scores
    assert got.valid


# --- V3: every problem of a workbook, in the order a school fixes them ------------------------------

def test_validation_never_stops_at_the_first_problem(template, tmp_path):
    five = {"CDS_SCHOOL_CODE": OTHER_SCHOOL.code, "CDS_V_1_2": None, "CDS_V_1_4": "Mua"}
    got = run(workbook(template, tmp_path / "truong.xlsx", five,
                       EVIDENCE + rows("| MC-2.3-02 | 2.3 | | 14/BB-MN | |"), add_sheet("Ghi chú")))
    assert spots(got.findings) == [
        ("Ghi chú", "", "E105"),                              # reading
        ("Thông tin chung", "B4", "E401"),                    # identity
        ("Nhóm 1", "F6", "E201"),                             # answers
        ("Nhóm 1", "F8", "E204"),
        ("Danh mục minh chứng", f"C{EXTRA_ROW}", "E303"),     # evidence
    ]
    assert got.result is not None and got.errors == 3


# --- V4: never scored against the wrong rubric or template ----------------------------------------

@pytest.mark.parametrize("story, edit, ctx, codes, rubric_id", [
    ("rubric id edited in _cds", identity("CDS_RUBRIC_ID", "bo-chi-so-khac", in_properties=False), CONTEXT,
     ["E110", "E112"], "bo-chi-so-khac"),
    ("rubric changed since", None, replace(CONTEXT, rubrics=(RUBRIC_CHANGED,)), ["E113"], RUBRIC.id),
    ("hash edited in _cds", identity("CDS_RUBRIC_HASH", "0123456789abcdef"), CONTEXT, ["E113"], RUBRIC.id),
    ("old template", identity("CDS_TEMPLATE_VERSION", "0"), CONTEXT, ["E114"], RUBRIC.id),
])
def test_untrusted_workbook_is_reported_and_not_scored(template, tmp_path, story, edit, ctx, codes, rubric_id):
    got = run(workbook(template, tmp_path / "truong.xlsx", edit=edit), ctx)
    assert [f.code.name for f in got.findings] == codes
    assert (got.result, got.valid, got.fate) == (None, False, None)
    assert (got.school_code, got.rubric_id) == (SCHOOL.code, rubric_id)


def test_a_short_hash_of_the_same_rubric_is_trusted(template, tmp_path):
    got = run(workbook(template, tmp_path / "truong.xlsx", edit=identity("CDS_RUBRIC_HASH", RUBRIC.short_hash)))
    assert (got.findings, got.valid) == ((), True)


def test_another_round_is_a_warning_and_still_scored(template, tmp_path):
    got = run(workbook(template, tmp_path / "truong.xlsx"), replace(CONTEXT, round_label="Đợt 2 năm 2025"))
    assert spots(got.findings) == [("", "", "E115")]
    assert got.valid and got.result is not None


# A default rubric whose criteria share the first codes ('1.1' …) with RUBRIC, and one that shares none.
DISJOINT = rubric_from(RUBRIC_YAML.replace("id: thu-nghiem", "id: bo-khac").replace('"1.', '"9.')
                       .replace('"2.', '"8.'))


@pytest.mark.parametrize("default", [load_rubric("quan7-mamnon-2023"), DISJOINT], ids=["shares-codes", "no-code"])
def test_workbook_without_identity_is_scored_by_the_roster_rubric(template, tmp_path, default):
    """The roster names RUBRIC for school 79001; the run's default rubric is another one."""
    ctx = Context(rubrics=(default, RUBRIC), roster=(replace(SCHOOL, rubric=RUBRIC.id), OTHER_SCHOOL),
                  round_label=ISSUE.round_label)
    got = run(workbook(template, tmp_path / "truong.xlsx", edit=copied_without_identity), ctx)
    expected = finding(Code.E116, file=SOURCE, value=RUBRIC.id, detail=f"theo danh sách trường (trường {SCHOOL.code})")
    assert (got.fate, got.school_code, got.rubric_id) == (None, SCHOOL.code, RUBRIC.id), got.reason
    assert shown(expected) in [shown(f) for f in got.findings]
    assert [(g.id, g.score) for g in got.result.groups] == [(1, 14.5), (2, 8)]


# --- V5: identity findings sit on the school code cell -------------------------------------------

@pytest.mark.parametrize("template_for, code_typed, code, fields", [
    # template made for | code typed | → the identity finding and its message fields
    ("79001", "79002", Code.E401, {"value": "79002", "expected": "79001"}),
    ("79001", None, Code.E402, {"expected": "79001", "detail": "mẫu phiếu được tạo riêng cho trường"}),
    ("blank", "80123", Code.E404, {"value": "80123"}),
    ("blank", None, Code.E403, {"detail": "tệp không ghi mã trường và tên trường"}),
])
def test_identity_findings_sit_on_the_school_code_cell(template, blank, tmp_path, template_for, code_typed, code,
                                                       fields):
    source = template if template_for == SCHOOL.code else blank
    got = run(workbook(source, tmp_path / "truong.xlsx", {"CDS_SCHOOL_CODE": code_typed}))
    expected = finding(code, file=SOURCE, sheet="Thông tin chung", cell="B4", **fields)
    assert [shown(f) for f in got.findings] == [shown(expected)]


def test_clean_answers_table_is_what_the_rubric_asks():
    """The fixture itself: every answer cell of the rubric is typed in CLEAN (so a blank is a choice)."""
    answer_names = {L.item_name(s.criterion.code, s.n) if s.kind is L.RowKind.ITEM else L.value_name(s.criterion.code)
                    for g in RUBRIC.groups for s in L.group_rows(g) if s.has_value}
    assert answer_names <= set(CLEAN)


def test_a_bug_on_one_odd_file_ends_that_file_as_unreadable_not_the_run(tmp_path, monkeypatch):
    from cds_batch.checking import examine as intake
    from cds_batch.district.pool import examine_all

    def broken(entry, ctx):
        raise KeyError("ô lạ")

    monkeypatch.setattr(intake, "examine", broken)
    path = tmp_path / "la.xlsx"
    path.write_bytes(b"PK")
    entry = Entry(source="inbox/la.xlsx", name="la.xlsx", sha256="0" * 64, size=2,
                  received_at=datetime(2025, 10, 20, tzinfo=timezone.utc), time_source=TimeSource.FILE_MTIME,
                  sender="", kind=FileKind.XLSX, parent="", fate=None, reason="", path=path)
    [done] = examine_all([entry], CONTEXT, jobs=1)
    assert done.fate is Fate.UNREADABLE and "báo cho người hỗ trợ" in done.reason
    assert "KeyError" not in done.reason and "ô lạ" not in done.reason   # no Python text reaches the office (issue 22)
