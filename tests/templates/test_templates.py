"""The template writer and the layout contract: names, validations, protection, identity, print set-up.

Every built-in rubric's template is opened with openpyxl (as a stand-in for Excel) and checked
against `layout.contract`, the single definition the reader will also use.
"""
from __future__ import annotations

import gc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from cds_batch.core.cells import a1
from cds_batch.core.memo import per_object
from cds_batch.form import layout as L
from cds_batch.cli import main
from cds_batch.reading.defined_names import read_names
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.rubric.model import Kind
from cds_batch.checking.score import score
from cds_batch.templates.text import Issue
from cds_batch.templates.batch import write_school_templates
from cds_batch.templates.naming import template_filename
from cds_batch.templates.writer import write_school_template, write_template
from tests.template_helpers import SCHOOL, dv_at

REPO = Path(__file__).resolve().parents[2]


def run(args):
    """The CLI's exit code (main() returns normally on success)."""
    try:
        main(args)
    except SystemExit as done:
        return done.code or 0
    return 0


ISSUE = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")

MINI_RUBRIC = """\
id: mini-test
name: Bộ chỉ số thử nghiệm
version: "1"
levels:
  basis: points
  bands:
    - {level: 1, name: Mức 1, min: 0, max: 5, max_inclusive: false}
    - {level: 2, name: Mức 2, min: 5, max: 100}
groups:
  - id: 1
    name: Nhóm thử
    criteria:
      - {code: "1.1", name: Danh mục có điểm gốc, kind: checklist, base: 10, deduction: 1, evidence: [Văn bản],
         items: [{label: Mục một}, {label: Mục hai}, {label: Mục ba}]}
      - {code: "1.2", name: Tỉ lệ giáo viên, kind: percentage, evidence: [Danh sách],
         bands: [{min: 0, max: 50, max_inclusive: false, points: 2}, {min: 50, max: 100, points: 5}]}
      - {code: "1.3", name: Chọn một mức, kind: choice, evidence: [Văn bản],
         options: [{label: "Có, đầy đủ", points: 3}, {label: Chưa có, points: 0}]}
"""


@pytest.fixture(scope="module", params=builtin_ids())
def built(request, tmp_path_factory):
    """(rubric, blank template, template prefilled for SCHOOL) for one built-in rubric."""
    rubric = load_rubric(request.param)
    out = tmp_path_factory.mktemp(request.param)
    return rubric, write_school_template(rubric, out, None, ISSUE), write_school_template(rubric, out, SCHOOL, ISSUE)


def test_name_parts_follow_the_contract():
    assert [L.name_part(c) for c in ("1.3.1", "1.2a", "2.3a")] == ["1_3_1", "1_2A", "2_3A"]
    assert (L.value_name("1.2a"), L.item_name("2.3a", 1), L.evidence_name("1.3.1"), L.total_name(2)) == \
        ("CDS_V_1_2A", "CDS_V_2_3A_1", "CDS_E_1_3_1", "CDS_T_2")


def test_every_contract_name_points_at_its_cell(built):
    rubric, blank, school = built
    expected = L.contract(rubric)
    assert all(n.startswith("CDS_") and n == n.upper() for n in expected)
    for path in (blank, school):
        wb = openpyxl.load_workbook(path)
        assert set(wb.defined_names) == set(expected)   # workbook scope only
        for name, (sheet, ref) in expected.items():
            (got_sheet, got_ref), = wb.defined_names[name].destinations
            assert (got_sheet, got_ref.replace("$", "")) == (sheet, ref), name
        assert read_names(path) == expected


def test_every_input_cell_is_validated_unlocked_and_marked(built):
    rubric, _, school = built
    wb = openpyxl.load_workbook(school)
    inputs = {n: v for n, v in L.contract(rubric).items()
              if n.startswith(("CDS_V_", "CDS_E_")) or n in {f.name for f in L.SCHOOL_FIELDS}}
    for name, (sheet, ref) in inputs.items():
        ws = wb[sheet]
        assert ws.protection.sheet and not ws.protection.password, sheet
        assert dv_at(ws, ref) is not None, name
        assert ws[ref].protection.locked is False, name
        assert ws[ref].fill.fgColor.rgb.endswith("FFF2CC"), name
    for group in rubric.groups:
        ws = wb[L.group_sheet(group.id)]
        assert ws["C5"].protection.locked and ws[a1(L.total_row(group), L.Col.POINTS)].protection.locked
        for c in group.criteria:
            sheet, ref = L.contract(rubric).get(L.value_name(c.code), (None, None))
            dv = dv_at(ws, ref) if ref else None
            if c.kind is Kind.CONDITION:
                assert (dv.type, dv.formula1) == ("list", '"Đạt,Không đạt"')
            elif c.kind is Kind.POINTS:
                # 'between' is the default operator, so the file may leave it out
                assert (dv.type, dv.operator or "between", float(dv.formula1), float(dv.formula2)) == \
                    ("decimal", "between", 0.0, float(c.max_points))
                assert dv.promptTitle and dv.prompt and dv.errorTitle and dv.error and dv.showErrorMessage
            elif c.options:
                assert dv.type == "list" and dv.formula1.startswith("'_cds'!")
            for n in range(1, len(c.items) + 1):
                item_ref = L.contract(rubric)[L.item_name(c.code, n)][1]
                assert dv_at(ws, item_ref).formula1 == '"Có,Không"'


def test_out_of_range_points_are_highlighted(built):
    rubric, blank, _ = built
    wb = openpyxl.load_workbook(blank)
    points = [c for g in rubric.groups for c in g.criteria if c.kind is Kind.POINTS]
    for c in points:
        sheet, ref = L.contract(rubric)[L.value_name(c.code)]
        rules = [r for cf in wb[sheet].conditional_formatting for r in cf.rules if ref in str(cf.sqref)]
        assert rules and f"{ref}>{c.max_points}" in rules[0].formula[0]


def test_identity_is_in_cells_names_and_custom_properties(built):
    rubric, blank, school = built
    for path, issued_for in ((blank, ""), (school, SCHOOL.code)):
        wb = openpyxl.load_workbook(path)
        expected = {"CDS_RUBRIC_ID": rubric.id, "CDS_RUBRIC_VERSION": rubric.version,
                    "CDS_RUBRIC_HASH": rubric.content_hash, "CDS_TEMPLATE_VERSION": L.TEMPLATE_VERSION,
                    "CDS_ROUND": ISSUE.round_label, "CDS_ISSUED_FOR": issued_for}
        for name, value in expected.items():
            (sheet, ref), = wb.defined_names[name].destinations
            assert sheet == L.SHEET_META and (wb[sheet][ref].value or "") == value
            assert (wb.custom_doc_props[name].value or "") == value
        assert wb[L.SHEET_META].sheet_state == "hidden"
        assert wb.sheetnames == [L.SHEET_GUIDE, L.SHEET_INFO, *(L.group_sheet(g.id) for g in rubric.groups),
                                 L.SHEET_EVIDENCE, L.SHEET_META]


def test_school_fields_are_prefilled_from_the_roster(built):
    rubric, blank, school = built
    for path, info in ((blank, None), (school, SCHOOL)):
        wb = openpyxl.load_workbook(path)
        for field in L.SCHOOL_FIELDS:
            (sheet, ref), = wb.defined_names[field.name].destinations
            expected = getattr(info, field.attr) if info and field.attr else None
            assert (wb[sheet][ref].value or None) == (expected or None), field.name


def test_evidence_index_has_header_and_room_for_200_rows(built):
    rubric, blank, _ = built
    wb = openpyxl.load_workbook(blank)
    (sheet, ref), = wb.defined_names["CDS_EVIDENCE"].destinations
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    ws = wb[sheet]
    assert [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)] == list(L.EVIDENCE_HEADERS)
    assert max_row - min_row >= 200
    assert ws.cell(max_row, min_col).protection.locked is False and dv_at(ws, f"B{max_row}").type == "list"
    assert "MC-1.3.1-01" in " ".join(str(ws.cell(r, 1).value) for r in range(1, min_row))


def test_print_setup_for_a4(built):
    rubric, _, school = built
    wb = openpyxl.load_workbook(school)
    for group in rubric.groups:
        ws = wb[L.group_sheet(group.id)]
        assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
        # fitToWidth defaults to 1 in the file format, so the file may leave it out
        setup = ws.page_setup
        assert (setup.fitToWidth or 1, setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
        assert ws.print_title_rows.replace("$", "") == f"{L.HEADER_ROW + 1}:{L.HEADER_ROW + 1}"
        assert ws.freeze_panes == f"A{L.FIRST_ROW + 1}"
        assert SCHOOL.name in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text
        assert [ws.cell(L.HEADER_ROW + 1, c + 1).value for c in L.Col] == [L.HEADERS[c] for c in L.Col]
        codes = [ws.cell(s.row + 1, L.Col.CODE + 1).value for s in L.group_rows(group)]
        assert codes == [s.key for s in L.group_rows(group)]


def test_formula_cells_carry_their_computed_value(tmp_path):
    """A reader that does not recalculate sees what Excel would show for an empty sheet, not 0."""
    source = tmp_path / "mini.yaml"
    source.write_text(MINI_RUBRIC, encoding="utf-8")
    rubric = load_rubric(source)
    path = tmp_path / "mini.xlsx"
    write_template(rubric, path)
    ws = openpyxl.load_workbook(path, data_only=True)[L.group_sheet(1)]
    checklist_row = L.group_rows(rubric.groups[0])[0].row
    assert ws.cell(checklist_row + 1, L.Col.POINTS + 1).value == 7    # 10 - 1 per missing item
    (_, ref), = [v for k, v in L.contract(rubric).items() if k == "CDS_T_1"]
    assert ws[ref].value == score(rubric, {}).group(1).score == 7
    formula = openpyxl.load_workbook(path)[L.group_sheet(1)][ref].value
    assert formula.startswith("=SUM(")


def test_same_inputs_give_identical_bytes(tmp_path):
    rubric = load_rubric("quan7-mamnon-2023")
    a = write_school_template(rubric, tmp_path / "a", SCHOOL, ISSUE)
    b = write_school_template(rubric, tmp_path / "b", SCHOOL, ISSUE)
    assert a.read_bytes() == b.read_bytes()
    other = write_school_template(rubric, tmp_path / "c", SCHOOL, Issue("Đợt 2 năm 2025"))
    assert other.read_bytes() != a.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert "2025-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()


@pytest.mark.parametrize("rubric_id", builtin_ids())
def test_committed_workbook_templates_are_fresh(rubric_id, tmp_path):
    """Regenerate with: cds-batch template --rubric <id> --out workbook_templates (see README)."""
    rubric = load_rubric(rubric_id)
    fresh = write_school_template(rubric, tmp_path, None, Issue())
    committed = REPO / "workbook_templates" / fresh.name
    assert committed.is_file(), f"missing {committed}"
    assert committed.read_bytes() == fresh.read_bytes(), f"{committed.name} is stale: regenerate it"


def test_file_names_are_recognisable_and_safe():
    rubric = load_rubric("quan7-mamnon-2023")
    assert template_filename(rubric, SCHOOL, "Đợt 1 năm 2025") == "79001_Truong-Mam-non-Hoa-Sen_Dot-1-nam-2025.xlsx"
    assert template_filename(rubric, None, "") == "quan7-mamnon-2023_mau-trong.xlsx"
    odd = SCHOOL.__class__(code="79/002", name="Trường THCS Lê Lợi: cơ sở 2?")
    assert template_filename(rubric, odd, "Đợt 2") == "79-002_Truong-THCS-Le-Loi-co-so-2_Dot-2.xlsx"


def test_find_by_code_reads_a_sheet_whose_rows_moved():
    rows = [["tiêu đề"], [], ["", "STT", "MÃ TIÊU CHÍ", "Kết quả tự đánh giá"],
            ["", 2, "2.3a_1", "Có"], ["", 1, "1.1", "Đạt"], ["", 9, "9.9", "x"]]
    assert L.find_by_code(rows, ["1.1", "2.3a_1", "5.5"]) == {"2.3a_1": (3, 3), "1.1": (4, 3)}


def test_cli_writes_blank_and_per_school_templates(tmp_path):
    roster = tmp_path / "ds-truong.csv"
    roster.write_text("Danh sách trường Quận 7\n\nMã trường,Tên trường,Cấp học,Bộ chỉ số\n"
                      "79001,Trường Mầm non Hoa Sen,Mầm non,quan7-mamnon-2023\n"
                      "79002,Trường THCS Lê Lợi,THCS,\n", encoding="utf-8")
    out = tmp_path / "phieu"
    assert run(["template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--round", "Đợt 1",
                "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["79001_Truong-Mam-non-Hoa-Sen_Dot-1.xlsx", "79002_Truong-THCS-Le-Loi_Dot-1.xlsx",
                     "qd4725-phothong_mau-trong_Dot-1.xlsx", "quan7-mamnon-2023_mau-trong_Dot-1.xlsx"]
    ids = {f: openpyxl.load_workbook(out / f).custom_doc_props["CDS_RUBRIC_ID"].value for f in files[:2]}
    assert ids == {files[0]: "quan7-mamnon-2023", files[1]: "qd4725-phothong"}


def test_cli_stops_on_a_bad_roster_before_writing(tmp_path, capsys):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã trường,Tên trường\n79001,A\n79001,B\n", encoding="utf-8")
    assert run(["template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--out", str(tmp_path / "o")]) == 1
    assert "T104 ds.csv, dòng 3: Mã trường '79001' bị trùng với dòng 2" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()


def test_workbook_templates_regeneration_command_matches(tmp_path):
    """The README's regeneration command writes exactly the committed files."""
    for rubric_id in builtin_ids():
        assert run(["template", "--rubric", rubric_id, "--out", str(tmp_path)]) == 0
    committed = sorted(p.name for p in (REPO / "workbook_templates").glob("*.xlsx"))
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == committed


def test_a_pool_writes_the_same_files_in_the_same_order_as_one_process(tmp_path):
    rubrics = {r: load_rubric(r) for r in builtin_ids()}
    schools = [SCHOOL.__class__(code=str(79001 + i), name=f"Trường số {i}") for i in range(5)]
    wanted = [(r, None) for r in rubrics] + [(list(rubrics)[i % 2], s) for i, s in enumerate(schools)]
    done: list[Path] = []
    alone = write_school_templates(rubrics, wanted, tmp_path / "mot", ISSUE, jobs=1)
    pooled = write_school_templates(rubrics, wanted, tmp_path / "hai", ISSUE, jobs=2, on_done=done.append)
    assert [p.name for p in pooled] == [p.name for p in alone] == [p.name for p in done]
    assert [p.parent for p in pooled] == [tmp_path / "hai"] * len(wanted)
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(alone, pooled))


def test_short_rosters_are_written_without_starting_workers(tmp_path, monkeypatch):
    import cds_batch.core.parallel as parallel
    import cds_batch.templates.batch as T

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    rubric = load_rubric("quan7-mamnon-2023")
    wanted = [("r", None)] + [("r", SCHOOL.__class__(code=str(79001 + i), name="A"))
                              for i in range(T.SERIAL_BELOW - 2)]
    assert len(T.write_school_templates({"r": rubric}, wanted, tmp_path, ISSUE)) == T.SERIAL_BELOW - 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_jobs_writes_the_roster_and_a_worker_error_reads_as_in_one_process(tmp_path, capsys, jobs):
    roster = tmp_path / "ds-truong.csv"
    roster.write_text("Mã trường,Tên trường\n79001,Trường A\n79002,Trường B\n79003,Trường C\n", encoding="utf-8")
    out = tmp_path / "phieu"
    assert run(["template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--jobs", jobs,
                "--out", str(out)]) == 0
    assert len(list(out.glob("*.xlsx"))) == 4 and "3 tệp điền sẵn" in capsys.readouterr().out
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    assert run(["template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--jobs", jobs,
                "--out", str(blocker / "phieu")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Không thể chạy: ") and str(blocker) in err and "Traceback" not in err


def test_cds_batch_errors_cross_a_process_boundary_unchanged():
    """A worker's CdsBatchError comes back pickled; its Vietnamese message must survive."""
    import pickle

    from cds_batch.core.errors import CdsBatchError, RubricError
    for error in (CdsBatchError("Hai mã tiêu chí cho cùng một tên vùng CDS_1_2A"), RubricError("Bộ chỉ số lỗi", ())):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)


def test_per_object_computes_once_for_each_live_object():
    calls = []

    @per_object
    def plan(rubric):
        calls.append(rubric)
        return len(calls)

    first, twin = load_rubric("qd4725-phothong"), load_rubric("qd4725-phothong")
    assert (plan(first), plan(first), plan(twin)) == (1, 1, 2)   # by identity, not by equality
    del first
    gc.collect()
    assert plan(twin) == 2 and len(calls) == 2
