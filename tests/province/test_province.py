"""Province roll-up: offices' results → per unit counts per level, ranking, criterion averages, findings."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from cds_batch.core.findings import Code
from cds_batch.province.load import load_reports, read_payload
from cds_batch.province.rollup import OfficeReport, roll_up
from cds_batch.reports.contract import PAYLOAD_SHEET, payload_cells
from cds_batch.province.report import write_province
from cds_batch.rubric import load_rubric


def school(code: str, status: str, g1: tuple[int, int] | None = None, g2: tuple[int, int] | None = None,
           office: str = "Phòng GDĐT Quận 7") -> dict[str, object]:
    """A results.json school object; g = (score, level)."""
    groups = [{"id": i, "score": g[0], "max": 100, "level": g[1], "level_name": f"Mức {g[1]}",
               "failed_conditions": []} for i, g in ((1, g1), (2, g2)) if g is not None]
    return {"school_code": code, "school_name": f"Trường {code}", "level_of_education": "Tiểu học",
            "commune": "", "district": "", "office": office, "rubric_id": "qd4725-phothong", "status": status,
            "provisional": status == "needs_fix", "groups": groups,
            "overall_level": min(g["level"] for g in groups) if groups else None,
            "criteria": {"1.1": g1[0] // 10, "1.2": 5} if g1 else {}, "source": None, "sha256": None,
            "received_at": None, "errors": 0, "warnings": 0}


Q7 = [school("79801", "valid", (80, 3), (60, 2)), school("79802", "needs_fix", (40, 1), (90, 3)),
      school("79803", "missing")]
Q8 = [school("78801", "valid", (90, 3), (90, 3), "Phòng GDĐT Quận 8"),
      school("79801", "valid", (70, 2), (70, 2), "Phòng GDĐT Quận 8")]


def test_counts_per_level_ranking_and_criterion_averages():
    p = roll_up([OfficeReport("Phòng GDĐT Quận 7", "q7", tuple(Q7)),
                 OfficeReport("Phòng GDĐT Quận 8", "q8", tuple(Q8))])
    q7 = next(d for d in p.units if d.name.endswith("7"))
    assert (q7.schools, q7.submitted, q7.valid, q7.needs_fix, q7.missing) == (3, 2, 1, 1, 1)
    assert q7.levels["g1"] == {0: 0, 1: 1, 2: 0, 3: 1} and q7.levels["overall"] == {0: 0, 1: 1, 2: 1, 3: 0}
    assert q7.average_percent == (Fraction(80 + 60, 2) + Fraction(40 + 90, 2)) / 2
    assert [d.name for d in p.units] == ["Phòng GDĐT Quận 8", "Phòng GDĐT Quận 7"]   # 80 % before 67.5 %
    assert [d.rank for d in p.units] == [1, 2]
    expected = {"Phòng GDĐT Quận 7": Fraction(8 + 4, 2), "Phòng GDĐT Quận 8": Fraction(9)}
    assert p.criteria[("qd4725-phothong", "1.1")] == expected
    # 79801, listed by both (P101), is counted once: in the unit whose submission came later, else the
    # office sorting first (Quận 7); records before version 3 are in the unit of the office that ran them.
    assert len(p.schools) == 4 and {s["unit"] for s in p.schools} == {"Phòng GDĐT Quận 7", "Phòng GDĐT Quận 8"}
    assert [(s["school_code"], s["unit"]) for s in p.schools if s["school_code"] == "79801"] == [
        ("79801", "Phòng GDĐT Quận 7")]


def test_a_school_listed_by_two_units_is_a_finding():
    p = roll_up([OfficeReport("Phòng GDĐT Quận 7", "q7", tuple(Q7)),
                 OfficeReport("Phòng GDĐT Quận 8", "q8", tuple(Q8))])
    assert [(f.code, f.value) for f in p.findings] == [(Code.P101, "79801")]


def _received(schools, when):
    return tuple({**s, "received_at": when if s["status"] != "missing" else None} for s in schools)


def test_a_district_that_sent_twice_is_counted_once_with_the_report_of_the_latest_submission():
    old = OfficeReport("Phòng GDĐT Quận 7", "moi.xlsx", _received(Q7[:1], "2025-10-01T08:00:00+07:00"))
    new = OfficeReport("Phòng GDĐT Quận 7", "cu.xlsx", _received(Q7, "2025-10-20T08:00:00+07:00"))
    for reports in ([new, old], [old, new]):
        p = roll_up(reports)
        assert len(p.units) == 1 and p.units[0].schools == 3
        assert p.findings == () and [s["school_code"] for s in p.schools] == [s["school_code"] for s in Q7]
    from cds_batch.province.rollup import _why
    said = _why(new, old)
    assert said.code is Code.P102 and "dùng cu.xlsx, không dùng moi.xlsx" in said.text
    assert "nhận muộn nhất lúc 20/10/2025 08:00" in said.text and "01/10/2025 08:00" in said.text


def test_a_tie_on_the_latest_submission_goes_to_more_schools_then_to_the_source():
    fewer = OfficeReport("Phòng GDĐT Quận 7", "a.xlsx", _received(Q7[:1], "2025-10-20T08:00:00+07:00"))
    more = OfficeReport("Phòng GDĐT Quận 7", "b.xlsx", _received(Q7, "2025-10-20T08:00:00+07:00"))
    assert roll_up([fewer, more]).schools == roll_up([more, fewer]).schools
    assert len(roll_up([fewer, more]).schools) == 3
    same = OfficeReport("Phòng GDĐT Quận 7", "c.xlsx", more.schools)
    assert {s["unit"] for s in roll_up([same, more]).schools} == {"Phòng GDĐT Quận 7"}
    from cds_batch.province.rollup import _why
    assert _why(more, fewer).code is Code.P105 and _why(more, same).code is Code.P106


def _summary_with_payload(path: Path, schools: list[dict[str, object]]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Tổng hợp").write(0, 0, "Tổng hợp")
    hidden = wb.add_worksheet(PAYLOAD_SHEET)
    hidden.write_column(0, 0, list(payload_cells(schools, chunk=100)))
    hidden.hide()
    wb.close()


def test_inputs_are_run_folders_and_mailed_summary_workbooks(tmp_path):
    folder = tmp_path / "ket-qua-q7"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(Q7, ensure_ascii=False), encoding="utf-8")
    _summary_with_payload(folder / "tong-hop.xlsx", Q7)   # a run folder's own workbook is not read again
    renamed = tmp_path / "Bao cao Q8 gui So.xlsx"
    _summary_with_payload(renamed, Q8)
    assert read_payload(renamed) == Q8
    (tmp_path / "ghi-chu.txt").write_text("xin gửi Sở", encoding="utf-8")
    reports, ledger = load_reports([folder, renamed, tmp_path / "ghi-chu.txt"], (), ())
    assert sorted(r.name for r in reports) == ["Phòng GDĐT Quận 7", "Phòng GDĐT Quận 8"]
    assert [(r.entry.name, r.fate.value, r.reason_code.name) for r in ledger] == [
        ("Bao cao Q8 gui So.xlsx", "used", "P107"), ("ghi-chu.txt", "not_a_workbook", "L203"),
        ("results.json", "used", "P107")]   # the note is no result: the roll-up lists it (was: silently dropped)


def test_school_workbooks_without_a_roster_are_p103(tmp_path):
    from tests.template_helpers import SCHOOL
    from cds_batch.templates.text import Issue
    from cds_batch.templates.writer import write_school_template
    path = write_school_template(load_rubric("qd4725-phothong"), tmp_path, SCHOOL, Issue())
    reports, ledger = load_reports([path], (), (load_rubric("qd4725-phothong"),))
    assert reports == [] and [(r.fate.value, r.reason_code) for r in ledger] == [("not_our_template", Code.P103)]


def test_the_province_workbook_has_every_district_and_school(tmp_path):
    p = roll_up([OfficeReport("Phòng GDĐT Quận 7", "q7", tuple(Q7)),
                 OfficeReport("Phòng GDĐT Quận 8", "q8", tuple(Q8))])
    target = tmp_path / "tinh.xlsx"
    write_province(p, [load_rubric("qd4725-phothong")], target, title="Sở GDĐT TP. Hồ Chí Minh")
    wb = CalamineWorkbook.from_path(str(target))
    assert wb.sheet_names == ["Theo đơn vị", "Tiêu chí", "Các trường", "Cần xem", "Sổ nhận file"]
    rows = wb.get_sheet_by_name("Theo đơn vị").to_python()
    assert [r[1] for r in rows[3:5]] == ["Phòng GDĐT Quận 8", "Phòng GDĐT Quận 7"]
    assert rows[5][1] == "Toàn tỉnh" and rows[5][2] == 4   # 79801, listed by both units, counted once
    schools = wb.get_sheet_by_name("Các trường").to_python()
    assert sorted(str(r[1]) for r in schools[3:]) == sorted({s["school_code"] for s in Q7 + Q8})
    first = target.read_bytes()
    write_province(p, [load_rubric("qd4725-phothong")], target, title="Sở GDĐT TP. Hồ Chí Minh")
    assert target.read_bytes() == first


def test_a_province_wide_inbox_of_school_files_is_the_province_s_own_result_grouped_by_the_roster_unit():
    from cds_batch.reading.roster_file import load_roster
    root = Path(__file__).resolve().parents[2] / "samples"
    roster = load_roster(root / "danh-sach-truong.csv")
    rubrics = (load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023"))
    reports, ledger = load_reports([root / "inbox"], roster, rubrics, jobs=1)
    assert all(r.reason for r in ledger) and len({r.entry.source for r in ledger}) == len(ledger)
    assert sum(r.fate.value == "used" for r in ledger) == 24   # the 24 schools that sent a workbook
    assert [(r.name, len(r.schools)) for r in reports] == [("hộp thư của tỉnh", 30)]
    statuses = [s["status"] for s in reports[0].schools]
    # One district on the roster and no unit column: the district is the one unit.
    assert statuses.count("missing") == 6 and all(s["unit"] == "Quận 7" for s in reports[0].schools)
    rolled = roll_up(reports, ledger, roster)
    assert [(u.name, u.schools, u.missing) for u in rolled.units] == [("Quận 7", 30, 6)]
