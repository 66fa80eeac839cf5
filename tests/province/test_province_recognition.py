"""Province roll-up of the external review: recognised levels per district, other decisions, and the
share of recognised schools whose recognised level differs from their own claim."""
from __future__ import annotations

from fractions import Fraction

import openpyxl
import pytest

from cds_batch.province.rollup import OfficeReport, roll_up
from cds_batch.province.report import write_province
from cds_batch.rubric import load_rubric

NHA_BE, Q1 = "Phòng GDĐT Huyện Nhà Bè", "Phòng GDĐT Quận 1"
OLD = object()   # an old results.json: no "recognition" key at all
TITLE = "Sở GDĐT TP. Hồ Chí Minh"


def review(decision: str | None, level: int | None = None) -> dict[str, object]:
    """A recognition object; `level` is the overall level of the evaluated points."""
    return {"decision": decision, "reviewer": "Tổ đánh giá", "comment": "", "groups": [],
            "overall_level": level, "recognised_level": level if decision == "recognised" else None,
            "differences": 0, "review_file": "danh-gia-ngoai.xlsx"}


def school(code: str, own: int | None, recognition: object = None, *, status: str = "valid",
           score: int = 50) -> dict[str, object]:
    """A results.json school object with self-assessed overall level `own` (None: not scored)."""
    groups = [] if own is None else [{"id": i, "score": score, "max": 100, "level": own, "level_name": f"Mức {own}",
                                      "failed_conditions": []} for i in (1, 2)]
    s: dict[str, object] = {
        "school_code": code, "school_name": f"Trường {code}", "level_of_education": "Tiểu học", "commune": "",
        "district": "", "office": "", "rubric_id": "qd4725-phothong", "status": status, "provisional": False,
        "groups": groups, "overall_level": own, "criteria": {}, "source": None, "sha256": None,
        "received_at": None, "errors": 0, "warnings": 0}
    if recognition is not OLD:
        s["recognition"] = recognition
    return s


NHA_BE_SCHOOLS = [
    school("a1", 3, review("recognised", 3)),                   # recognised at its own level
    school("a2", 3, review("recognised", 2)),                   # recognised lower than it claimed
    school("a3", 2, review("more_evidence", 1), status="needs_fix"),
    school("a4", 1, review(None, 1)),                            # reviewed, no decision yet
    school("a5", 2, OLD),                                        # results.json from before the review
    school("a6", 2, None),                                       # run without --review
    school("a7", None, status="missing"),                        # not submitted: not counted
    school("a8", None, status="needs_fix"),                      # submitted, not scored: not counted
]
Q1_SCHOOLS = [
    school("b1", 1, review("recognised", 1), score=90),
    school("b2", 2, review("recognised", 1), score=90),       # lower
    school("b3", 2, review("recognised", 3), score=90),       # higher
    school("b4", 1, review("not_recognised", 1), score=90),
]


def province():
    return roll_up([OfficeReport(NHA_BE, "nha-be", tuple(NHA_BE_SCHOOLS)),
                    OfficeReport(Q1, "q1", tuple(Q1_SCHOOLS))])


def by_name(p):
    return {d.name: d.recognition for d in p.units}


def test_counts_per_district_partition_the_scored_schools():
    nha_be, q1 = by_name(province())[NHA_BE], by_name(province())[Q1]
    assert nha_be.levels == {0: 0, 1: 0, 2: 1, 3: 1}
    assert (nha_be.more_evidence, nha_be.not_recognised, nha_be.undecided, nha_be.not_reviewed) == (1, 0, 1, 2)
    assert (nha_be.recognised, nha_be.scored) == (2, 6)
    assert q1.levels == {0: 0, 1: 2, 2: 0, 3: 1}
    assert (q1.more_evidence, q1.not_recognised, q1.undecided, q1.not_reviewed) == (0, 1, 0, 0)
    assert (q1.recognised, q1.scored) == (3, 4)


def test_the_share_is_differing_over_recognised_in_exact_fractions():
    counts = by_name(province())
    assert (counts[NHA_BE].differing, counts[NHA_BE].share) == (1, Fraction(1, 2))
    assert (counts[Q1].differing, counts[Q1].share) == (2, Fraction(2, 3))
    assert isinstance(counts[Q1].share, Fraction)


def test_a_district_without_recognised_schools_has_no_share():
    schools = (school("c1", 2, OLD), school("c2", 1, review("more_evidence")))
    p = roll_up([OfficeReport(NHA_BE, "nha-be", schools)])
    counts = p.units[0].recognition
    assert (counts.recognised, counts.differing, counts.share) == (0, 0, None)
    assert (counts.not_reviewed, counts.more_evidence) == (1, 1)


def test_a_recognised_decision_the_district_withheld_is_not_counted_as_recognised():
    """A district run leaves `recognised_level` null when the school's errors were not all evaluated."""
    withheld = {**review("recognised", 2), "recognised_level": None, "unresolved_criteria": ["2.1"]}
    schools = (school("d1", 2, withheld), school("d2", 2, review("recognised", 2)))
    p = roll_up([OfficeReport(NHA_BE, "nha-be", schools)])
    counts = p.units[0].recognition
    assert (counts.levels, counts.undecided, counts.differing, counts.scored) == ({0: 0, 1: 0, 2: 1, 3: 0}, 1, 0, 2)


def test_the_schools_sheet_says_a_withheld_recognition_is_not_earned(tmp_path):
    withheld = {**review("recognised", 2), "recognised_level": None, "unresolved_criteria": ["2.1"]}
    target = tmp_path / "tinh.xlsx"
    write_province(roll_up([OfficeReport(NHA_BE, "nha-be", (school("d1", 2, withheld),))]),
                   [load_rubric("qd4725-phothong")], target, title=TITLE)
    [row] = [r for r in openpyxl.load_workbook(target)["Các trường"].iter_rows(min_row=4, values_only=True)]
    assert tuple(row[-2:]) == ("Công nhận — chưa đủ điều kiện công nhận", None)


@pytest.fixture()
def book(tmp_path):
    target = tmp_path / "tinh.xlsx"
    write_province(province(), [load_rubric("qd4725-phothong")], target, title=TITLE)
    return openpyxl.load_workbook(target)


def values(ws, row):
    return [c.value for c in ws[row]]


def test_the_recognition_sheet_has_every_district_in_ranking_order_and_the_province_total(book):
    assert book.sheetnames == ["Theo đơn vị", "Công nhận", "Tiêu chí", "Các trường", "Cần xem", "Sổ nhận file"]
    ws = book["Công nhận"]
    assert values(ws, 3) == ["Đơn vị", "Đã chấm", "Công nhận M1", "Công nhận M2", "Công nhận M3",
                             "Yêu cầu bổ sung", "Không công nhận", "Chưa có quyết định", "Chưa đánh giá ngoài",
                             "Công nhận khác mức tự đánh giá (số)", "Tỉ lệ khác mức (%)"]
    # Quận 1 scores 90 %, Nhà Bè 50 %: ranking order, not the alphabetical one.
    assert values(ws, 4) == [Q1, 4, 2, 0, 1, 0, 1, 0, 0, 2, float(Fraction(2, 3))]
    assert values(ws, 5) == [NHA_BE, 6, 0, 1, 1, 1, 0, 1, 2, 1, 0.5]
    assert values(ws, 6) == ["Toàn tỉnh", 10, 2, 1, 2, 1, 1, 1, 2, 3, float(Fraction(3, 5))]
    assert all("%" in ws.cell(row, 11).number_format for row in (4, 5, 6))
    assert all(ws.cell(6, col).data_type == "n" for col in range(2, 12))   # numbers, not text


def test_the_schools_sheet_gains_the_decision_and_the_recognised_level(book):
    ws = book["Các trường"]
    assert values(ws, 3)[-2:] == ["Quyết định", "Mức công nhận"]
    rows = {r[1]: tuple(None if v == "" else v for v in r[-2:]) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["a2"] == ("Công nhận", 2)
    assert rows["a3"] == ("Yêu cầu bổ sung", None)
    assert rows["b4"] == ("Không công nhận", None)
    assert rows["a4"] == rows["a5"] == rows["a6"] == rows["a7"] == (None, None)


def test_a_province_without_any_recognition_writes_no_recognition_sheet(tmp_path):
    old = [{k: v for k, v in s.items() if k != "recognition"} for s in NHA_BE_SCHOOLS + Q1_SCHOOLS]
    p = roll_up([OfficeReport(NHA_BE, "nha-be", tuple(old[:8])),
                 OfficeReport(Q1, "q1", tuple(school(s["school_code"], 1, None) for s in old[8:]))])
    assert not p.has_recognition
    assert [d.recognition.share for d in p.units] == [None, None]
    assert sum(d.recognition.not_reviewed for d in p.units) == 10
    target = tmp_path / "tinh.xlsx"
    write_province(p, [load_rubric("qd4725-phothong")], target, title=TITLE)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Theo đơn vị", "Tiêu chí", "Các trường", "Cần xem", "Sổ nhận file"]
    assert values(wb["Các trường"], 3)[-1] == "Trạng thái"
