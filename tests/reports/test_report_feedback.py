"""The per-school feedback workbook: what a school reads to know its result and what to fix.

Built for the schools of tests/district_fixtures.py that sent a file, read back with openpyxl.
"""
from __future__ import annotations

from fractions import Fraction

import openpyxl
import pytest

from cds_batch.core.findings import Severity
from cds_batch.reports.feedback import SHEET, VALID_LINE, feedback_filename, write_feedback, write_feedback_many

from tests.district_fixtures import OFFICE, QUAN7, ROUND, RUBRICS, district, sheet_rows

BY_ID = {r.id: r for r in RUBRICS}


@pytest.fixture(scope="module")
def schools():
    return {row.info.code: row for row in district().schools}


@pytest.fixture(scope="module")
def written(schools, tmp_path_factory):
    folder = tmp_path_factory.mktemp("phan-hoi")
    return {code: write_feedback(row, BY_ID.get(row.used.rubric_id), folder, office=OFFICE, round_label=ROUND)
            for code, row in schools.items() if row.used is not None}


def pairs(rows):
    """Label → value of the information block (label in column A, value in column D)."""
    return {r[0]: r[3] for r in rows if r[0] and r[3] and not isinstance(r[0], int)}


def finding_rows(rows):
    """(STT, Mức độ, Vị trí, Mã, Nội dung) of the findings table."""
    top = next(i for i, r in enumerate(rows) if r[:4] == ("STT", "Mức độ", "Vị trí", "Mã"))
    return [r[:5] for r in rows[top + 1:] if isinstance(r[0], int)]


def group_rows(rows):
    """(Nhóm, Tên nhóm, Điểm, Tối đa, Mức) of the score table."""
    top = next(i for i, r in enumerate(rows) if r[0] == "Nhóm")
    out = []
    for r in rows[top + 1:]:
        if not isinstance(r[0], int):
            break
        out.append((r[0], r[1], r[3], r[4], r[5]))
    return out


def test_one_file_per_school_that_sent_one(schools, written):
    assert sorted(written) == ["79701", "79702", "79801", "79802", "79901", "80001"]
    for code, path in written.items():
        assert path.name == f"{code}_phan-hoi.xlsx" and path.is_file()
        assert openpyxl.load_workbook(path).sheetnames == [SHEET]
    assert sorted(p.name for p in next(iter(written.values())).parent.iterdir()) == sorted(
        p.name for p in written.values())   # nothing temporary left beside them
    with pytest.raises(ValueError):
        write_feedback(schools["79803"], QUAN7, next(iter(written.values())).parent, office=OFFICE,
                       round_label=ROUND)


def test_header_names_the_school_the_file_and_when_it_came(written):
    rows = sheet_rows(written["79702"], SHEET)
    assert rows[0][0] == "PHẢN HỒI KẾT QUẢ TỰ ĐÁNH GIÁ MỨC ĐỘ CHUYỂN ĐỔI SỐ"
    info = pairs(rows)
    assert info["Trường"] == "Trường Mầm non Tuổi Thơ (mã 79702)"
    assert info["Tệp được dùng"] == "Phiếu CĐS Tuổi Thơ.xlsx"   # the school's own name, not the office's folders
    assert info["Thời điểm nhận"].startswith("02/10/2025 09:30 (giờ Việt Nam")
    assert info["Trạng thái"] == "Cần sửa (1 lỗi, 1 cảnh báo)"
    assert pairs(sheet_rows(written["79802"], SHEET))["Thời điểm nhận"].startswith("02/10/2025 08:30")   # 01:30 UTC
    assert pairs(sheet_rows(written["79701"], SHEET))["Tệp khác đã nhận, không dùng"].startswith(
        "Hoa Sen lần 1.xlsx (nhận lúc ")


@pytest.mark.parametrize("code, provisional", [("79701", False), ("79702", True), ("79801", False),
                                               ("79802", True), ("80001", False)])
def test_group_scores_and_levels_are_the_results_and_marked_provisional_while_errors_remain(
        schools, written, code, provisional):
    rows = sheet_rows(written[code], SHEET)
    result = schools[code].used.result
    got = group_rows(rows)
    assert [(g, Fraction(s), Fraction(m)) for g, _, s, m, _ in got] == [(g.id, g.score, g.max) for g in result.groups]
    assert [level.split(" (")[0].split("\n")[0] for *_, level in got] == [
        f"Mức {g.level}: {g.level_name}" for g in result.groups]
    assert [("(tạm tính)" in level) for *_, level in got] == [provisional] * len(got)
    overall = next(r[5] for r in rows if r[0] == "Mức chung của trường")
    assert overall.startswith(f"Mức {result.overall_level}") and ("(tạm tính)" in overall) is provisional


def test_findings_are_listed_errors_first_with_their_place_and_message(schools, written):
    found = schools["79702"].used.findings
    expected = sorted(found, key=lambda f: list(Severity).index(f.severity))
    assert finding_rows(sheet_rows(written["79702"], SHEET)) == [
        (n, f.severity.value, f"{f.sheet}!{f.cell}", f.code.name, f.message) for n, f in enumerate(expected, start=1)]
    assert [r[1:4] for r in finding_rows(sheet_rows(written["79702"], SHEET))] == [
        ("Lỗi", "Nhóm 1!E7", "E201"), ("Cảnh báo", "Nhóm 2!E9", "E301"), ("Thông tin", "Nhóm 1!E5", "E206")]
    values = {v for r in sheet_rows(written["79702"], SHEET) for v in r}
    assert "NHỮNG ĐIỂM CẦN SỬA" in values and VALID_LINE not in values


def test_a_valid_file_says_so_and_keeps_its_notes(written):
    rows = sheet_rows(written["79801"], SHEET)
    values = {v for r in rows for v in r}
    assert VALID_LINE in values and "NHỮNG ĐIỂM CẦN SỬA" not in values
    assert [r[1:4] for r in finding_rows(rows)] == [("Thông tin", "Nhóm 2!E12", "E206")]
    bare = {v for r in sheet_rows(written["79701"], SHEET) for v in r}
    assert VALID_LINE in bare and "STT" not in bare


def test_a_file_that_could_not_be_scored_says_what_to_fix(written):
    rows = sheet_rows(written["79901"], SHEET)
    values = {v for r in rows for v in r}
    assert "Tệp chưa chấm được điểm: hãy sửa các lỗi dưới đây rồi gửi lại." in values
    # A finding about the whole file has no sheet or cell: the file, by the school's own name, stands in as its place.
    assert [r[1:4] for r in finding_rows(rows)] == [("Lỗi", "79901 cũ.xlsx", "E113")]


def test_an_unknown_rubric_still_gives_a_feedback(schools, tmp_path):
    path = write_feedback(schools["79802"], None, tmp_path, office=OFFICE, round_label=ROUND)
    got = group_rows(sheet_rows(path, SHEET))
    assert [g for g, *_ in got] == [1, 2] and all(name is None for _, name, *_ in got)


def test_same_inputs_give_the_same_bytes(schools, written, tmp_path):
    row = schools["79702"]
    again = write_feedback(row, QUAN7, tmp_path, office=OFFICE, round_label=ROUND)
    assert again.read_bytes() == written["79702"].read_bytes()


def test_prints_on_a4_portrait_one_page_wide_with_the_school_in_the_footer(written):
    ws = openpyxl.load_workbook(written["79702"])[SHEET]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert "79702 - Trường Mầm non Tuổi Thơ" in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text


@pytest.mark.parametrize("code, name", [("79001", "79001_phan-hoi.xlsx"), ("TH/Số 2", "TH-So-2_phan-hoi.xlsx"),
                                        ("", "truong_phan-hoi.xlsx")])
def test_file_names_are_safe(code, name):
    assert feedback_filename(code) == name


@pytest.mark.parametrize("jobs", [None, 1, 2])
def test_many_at_once_writes_the_same_files_in_order_in_one_process_or_a_pool(schools, written, tmp_path, jobs):
    rows = list(schools.values())   # missing schools included: they get no file, as one by one
    paths = write_feedback_many(rows, BY_ID, tmp_path, office=OFFICE, round_label=ROUND, jobs=jobs)
    sent = [code for code, row in schools.items() if row.used is not None]
    assert [p.name for p in paths] == [written[code].name for code in sent]
    assert all(p.parent == tmp_path and p.read_bytes() == written[code].read_bytes() for p, code in zip(paths, sent))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_many_at_once_gives_an_unknown_rubric_the_same_page(schools, tmp_path):
    row = schools["79802"]
    alone = write_feedback(row, None, tmp_path / "mot", office=OFFICE, round_label=ROUND)
    pooled = write_feedback_many([row, row], {}, tmp_path / "hai", office=OFFICE, round_label=ROUND, jobs=2)
    assert [p.read_bytes() for p in pooled] == [alone.read_bytes()] * 2


def test_a_small_batch_starts_no_worker(schools, tmp_path, monkeypatch):
    import cds_batch.core.parallel as parallel

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    assert len(write_feedback_many(list(schools.values()), BY_ID, tmp_path, office=OFFICE, round_label=ROUND)) == 6
