"""The summary of a round whose schools span several management units: "Theo đơn vị", "Theo đơn vị và
cấp học", the missing schools grouped by unit, and the unit column of "Tổng hợp" and of the CSV; none of
it for a roster of one unit.

The sample district (tests/district_fixtures.py) with its roster split into three units: two communes
and the office's own schools (unit ""), which also gets the unlisted school. Every expected number below
is worked out by hand from the fixture's scores (group maxima 55 and 40 for quan7, 100 and 90 for national):
    79701 Tân Thuận  Mầm non   valid      53/55, 33/40    levels 3, 3, overall 3   89.4318 %
    79801 Tân Thuận  Tiểu học  valid      91.5/100, 56/90 levels 3, 2, overall 2   76.8611 %
    79803 Tân Thuận  Tiểu học  missing
    79702 Tân Kiểng  Mầm non   needs fix  43/55, 25/40    levels 3, 2, overall 2   70.3409 %
    79802 Tân Kiểng  Tiểu học  needs fix  51/100, 85/90   levels 2, 3, overall 2   72.7222 %
    79901 office     THCS      needs fix, not scored
    79902 office     THCS      missing
    80001 office     Tiểu học  unlisted   93/100, 85/90   levels 3, 3, overall 3   93.7222 %
"""
from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest

from cds_batch.district.consolidate import consolidate
from cds_batch.reports.data_files import results
from cds_batch.reports.summary import overview_table, write_summary
from cds_batch.reports.units import PROVINCE_UNIT_COLUMNS, level_headers

from tests.district_fixtures import ROSTER, ROUND, RUBRICS, build, district, sheet_rows

SO = "Sở GDĐT Thành phố Hồ Chí Minh"
TAN_THUAN, TAN_KIENG = "UBND phường Tân Thuận", "UBND phường Tân Kiểng"
UNITS = {"79701": TAN_THUAN, "79801": TAN_THUAN, "79803": TAN_THUAN, "79702": TAN_KIENG, "79802": TAN_KIENG}
SHEETS = ["Tổng hợp", "Theo đơn vị", "Theo đơn vị và cấp học", "Thống kê", "Chi tiết tiêu chí", "Cần sửa",
          "Tệp không dùng được", "Chưa nộp", "Sổ nhận file"]
HEADER = ("Số trường", "Đã nộp", "Hợp lệ", "Cần sửa", "Chưa nộp", *level_headers((1, 2), (1, 2, 3)),
          "Chưa xếp mức", "Điểm TB (% tối đa)")


def three_units():
    entries, subs = build()
    roster = tuple(replace(s, unit=UNITS.get(s.code, "")) for s in ROSTER)
    return consolidate(entries, subs, roster)


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    target = tmp_path_factory.mktemp("units") / "tong-hop.xlsx"
    write_summary(three_units(), RUBRICS, target, office=SO, round_label=ROUND)
    return target


def table(rows, first_header):
    """(header, body rows, total rows) of the table whose header starts with `first_header`; the total
    rows are those starting with 'Tổng cộng' (or a blank rank then 'Tổng cộng')."""
    top = next(i for i, r in enumerate(rows) if r[0] == first_header)
    body, totals = [], []
    for r in rows[top + 1:]:
        if all(v in (None, "") for v in r):
            break
        (totals if "Tổng cộng" in r[:2] else body).append(r)
    return rows[top], body, totals


def test_the_unit_sheets_follow_the_overview(summary):
    wb = openpyxl.load_workbook(summary)
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == SHEETS


def test_units_are_ranked_with_their_counts_levels_and_average(summary):
    header, body, totals = table(sheet_rows(summary, "Theo đơn vị"), "Hạng")
    assert header == tuple(c.header for c in PROVINCE_UNIT_COLUMNS) == ("Hạng", "Đơn vị", *HEADER)
    counts = [r[:-1] for r in body]
    assert counts == [
        #          schools, submitted, valid, fix, missing | g1 M1-3 | g2 M1-3 | overall M1-3 | unrated
        (1, SO, 3, 2, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1),
        (2, TAN_THUAN, 3, 2, 2, 0, 1, 0, 0, 2, 0, 1, 1, 0, 1, 1, 0),
        (3, TAN_KIENG, 2, 2, 0, 2, 0, 0, 1, 1, 0, 1, 1, 0, 2, 0, 0)]
    assert [r[-1] for r in body] == pytest.approx([93.7222, (89.4318 + 76.8611) / 2, (70.3409 + 72.7222) / 2],
                                                  abs=1e-4)
    assert [r[:-1] for r in totals] == [(None, "Tổng cộng", 8, 6, 2, 3, 2, 0, 1, 4, 0, 2, 3, 0, 3, 2, 1)]
    assert totals[0][-1] == pytest.approx((93.7222 + 89.4318 + 76.8611 + 70.3409 + 72.7222) / 5, abs=1e-4)


def test_units_by_level_of_education(summary):
    header, body, totals = table(sheet_rows(summary, "Theo đơn vị và cấp học"), "Đơn vị")
    assert header == ("Đơn vị", "Cấp học", *HEADER)
    got = [r[:-1] for r in body]
    assert got == [   # units by name (Sở before UBND), cấp học in the roster's order
        (SO, "Tiểu học", 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0),
        (SO, "Trung học cơ sở", 2, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        (TAN_KIENG, "Mầm non", 1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0),
        (TAN_KIENG, "Tiểu học", 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0),
        (TAN_THUAN, "Mầm non", 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0),
        (TAN_THUAN, "Tiểu học", 2, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0)]
    assert [r[-1] for r in body] == pytest.approx([93.7222, None, 70.3409, 72.7222, 89.4318, 76.8611], abs=1e-4)
    assert [r[:-1] for r in totals] == [
        ("Tổng cộng", "Mầm non", 2, 2, 1, 1, 0, 0, 0, 2, 0, 1, 1, 0, 1, 1, 0),
        ("Tổng cộng", "Tiểu học", 4, 3, 1, 1, 1, 0, 1, 2, 0, 1, 2, 0, 2, 1, 0),
        ("Tổng cộng", "Trung học cơ sở", 2, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        ("Tổng cộng", "Mọi cấp học", 8, 6, 2, 3, 2, 0, 1, 4, 0, 2, 3, 0, 3, 2, 1)]
    assert totals[1][-1] == pytest.approx((93.7222 + 72.7222 + 76.8611) / 3, abs=1e-4)
    assert totals[2][-1] is None


def test_missing_schools_are_grouped_by_unit_with_their_contacts(summary):
    header, body, _ = table(sheet_rows(summary, "Chưa nộp"), "STT")
    assert header == ("STT", "Đơn vị quản lý", "Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Email")
    assert body == [
        (1, SO, "79902", "Trường THCS Huỳnh Tấn Phát", "Trung học cơ sở", "Phường Tân Thuận Tây",
         "thcs79902@q7.edu.vn"),
        (2, TAN_THUAN, "79803", "Trường Tiểu học Phù Đổng", "Tiểu học", "Phường Tân Kiểng", "th79803@q7.edu.vn")]
    assert openpyxl.load_workbook(summary)["Chưa nộp"].page_setup.orientation == "landscape"


def test_overview_and_csv_name_each_schools_unit(summary):
    header, rows = overview_table(three_units(), RUBRICS, SO)
    assert header[:7] == ["STT", "Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Đơn vị quản lý", "Bộ chỉ số"]
    assert {r[1]: r[5] for r in rows} == {**UNITS, "79901": SO, "79902": SO, "80001": SO}
    sheet = sheet_rows(summary, "Tổng hợp")
    top = next(i for i, r in enumerate(sheet) if r[0] == "STT")
    assert list(sheet[top]) == header
    # results.json's unit is the one the sheets group by
    assert {s["school_code"]: s["unit"] for s in results(three_units(), SO)} == {r[1]: r[5] for r in rows}


def test_a_roster_of_one_unit_has_no_unit_sheet_and_no_unit_column(tmp_path):
    plain = tmp_path / "mot-don-vi.xlsx"
    write_summary(district(), RUBRICS, plain, office=SO, round_label=ROUND)
    assert "Theo đơn vị" not in openpyxl.load_workbook(plain).sheetnames
    assert "Đơn vị quản lý" not in overview_table(district(), RUBRICS, SO)[0]
    assert "Đơn vị quản lý" not in {v for r in sheet_rows(plain, "Chưa nộp") for v in r}
    # Every listed school naming the same unit, and the unlisted one the office's: the office is that unit.
    entries, subs = build()
    one = consolidate(entries, subs, tuple(replace(s, unit=TAN_THUAN) for s in ROSTER))
    assert "Đơn vị quản lý" not in overview_table(one, RUBRICS, TAN_THUAN)[0]
    assert "Đơn vị quản lý" in overview_table(one, RUBRICS, SO)[0]   # another office: its unlisted school is apart


def test_same_inputs_give_the_same_bytes(summary, tmp_path):
    again = tmp_path / "lan-2.xlsx"
    write_summary(three_units(), RUBRICS, again, office=SO, round_label=ROUND)
    assert again.read_bytes() == summary.read_bytes()
