"""Rounds (issue 5, round 1 → round 2 → round 3): what changed for each school since an earlier run.

Both runs are written as tables of the results.json school objects they would hold; `compare`
gives one change per school whose situation changed, in this run's school order, and nothing for
a school whose situation did not.
"""
from __future__ import annotations

from typing import Any

import pytest

from cds_batch.reports.rounds import Change, ChangeKind, compare, describe


def schools(table: str) -> list[dict[str, Any]]:
    """'| code | name | status | errors | level |' rows → results.json school objects; a blank level is null."""
    out: list[dict[str, Any]] = []
    for line in table.strip().splitlines():
        code, name, status, errors, level = (c.strip() for c in line.strip().strip("|").split("|"))
        if code == "code" or set(code) <= {"-"}:
            continue
        out.append({"school_code": code, "school_name": name, "status": status, "errors": int(errors or 0),
                    "overall_level": int(level) if level else None})
    return out


ROUND_1 = schools("""
| code  | name         | status    | errors | level |
|-------|--------------|-----------|--------|-------|
| 79001 | MN Hoa Sen   | missing   | 0      |       |
| 79002 | MN Sen Hồng  | needs_fix | 3      | 1     |
| 79003 | TH Cao Minh  | needs_fix | 2      | 1     |
| 79004 | THCS Hòa Bình| valid     | 0      | 2     |
| 79005 | MN Bé Ngoan  | valid     | 0      | 2     |
| 79006 | TH Lê Lợi    | valid     | 0      | 1     |
| 79007 | MN Ban Mai   | valid     | 0      | 2     |
| 80123 | MN Tư thục   | unlisted  | 0      | 1     |
""")

ROUND_2 = schools("""
| code  | name         | status    | errors | level |
|-------|--------------|-----------|--------|-------|
| 79001 | MN Hoa Sen   | valid     | 0      | 2     |
| 79002 | MN Sen Hồng  | valid     | 0      | 1     |
| 79003 | TH Cao Minh  | needs_fix | 1      | 1     |
| 79004 | THCS Hòa Bình| needs_fix | 1      | 2     |
| 79005 | MN Bé Ngoan  | missing   | 0      |       |
| 79006 | TH Lê Lợi    | valid     | 0      | 2     |
| 79007 | MN Ban Mai   | valid     | 0      | 2     |
| 80123 | MN Tư thục   | needs_fix | 2      | 1     |
| 80500 | MN Mới mở    | unlisted  | 0      | 1     |
""")


def test_each_kind_of_change():
    assert [(c.school_code, c.kind, c.before, c.after) for c in compare(ROUND_1, ROUND_2)] == [
        ("79001", ChangeKind.NEW, "Chưa nộp", "Hợp lệ, mức 2"),
        ("79002", ChangeKind.FIXED, "Cần sửa (3 lỗi), mức 1 (tạm)", "Hợp lệ, mức 1"),
        ("79003", ChangeKind.STILL_TO_FIX, "Cần sửa (2 lỗi), mức 1 (tạm)", "Cần sửa (1 lỗi), mức 1 (tạm)"),
        ("79004", ChangeKind.NEWLY_TO_FIX, "Hợp lệ, mức 2", "Cần sửa (1 lỗi), mức 2 (tạm)"),
        ("79005", ChangeKind.GONE, "Hợp lệ, mức 2", "Chưa nộp"),
        ("79006", ChangeKind.LEVEL, "Hợp lệ, mức 1", "Hợp lệ, mức 2"),
        # 79007 did not change
        ("80123", ChangeKind.NEWLY_TO_FIX, "Ngoài danh sách, mức 1", "Cần sửa (2 lỗi), mức 1 (tạm)"),
        ("80500", ChangeKind.NEW, "Chưa nộp", "Ngoài danh sách, mức 1"),   # not in the earlier run at all
    ]


def returned(code: str, sha: str, decision: str = "more_evidence", comment: str = "") -> dict[str, Any]:
    """A school of an earlier run whose external review gave `decision`."""
    return {"school_code": code, "school_name": f"Trường {code}", "status": "valid", "errors": 0, "overall_level": 2,
            "sha256": sha, "source": f"{code}.xlsx", "recognition": {"decision": decision, "comment": comment}}


REVIEWED_1 = [returned("79101", "a1", comment="Thiếu biên bản họp"), returned("79102", "b1"), returned("79103", "c1"),
              returned("79104", "d1", decision="recognised")]
REVIEWED_2 = [{**returned("79101", "a2"), "source": "79101 (bổ sung).xlsx", "recognition": None},
              {**returned("79102", "b1"), "recognition": None},
              {"school_code": "79103", "school_name": "Trường 79103", "status": "missing", "errors": 0,
               "overall_level": None, "sha256": None, "recognition": None},
              {**returned("79104", "d2"), "recognition": None}]


def test_a_school_returned_for_more_evidence_shows_whether_it_came_back_with_another_file():
    assert [(c.school_code, c.kind, c.before, c.after) for c in compare(REVIEWED_1, REVIEWED_2)] == [
        ("79101", ChangeKind.CAME_BACK, "Yêu cầu bổ sung: Thiếu biên bản họp",
         "Hợp lệ, mức 2, tệp 79101 (bổ sung).xlsx"),
        ("79102", ChangeKind.NOT_BACK, "Yêu cầu bổ sung", "Hợp lệ, mức 2"),   # the same file again
        ("79103", ChangeKind.GONE, "Hợp lệ, mức 2", "Chưa nộp"),
        ("79103", ChangeKind.NOT_BACK, "Yêu cầu bổ sung", "Chưa nộp"),
        # 79104 was recognised: a new file of it is no change of situation
    ]


def used(code: str, sha: str, status: str = "valid", errors: int = 0) -> dict[str, Any]:
    """A school of a run whose used file has the SHA-256 `sha`."""
    return {"school_code": code, "school_name": f"Trường {code}", "status": status, "errors": errors,
            "overall_level": 2, "sha256": sha, "source": f"hop-thu/{code}.xlsx", "recognition": None}


def test_a_file_the_earlier_run_used_is_carried_over_and_said_so():
    """Issue 22 (9): the mailbox grows over rounds; the very file used before is named as reused."""
    before = [used("79201", "a1"), used("79202", "b1", "needs_fix", 2), used("79203", "c1")]
    after = [used("79201", "a1"), used("79202", "b1", "needs_fix", 2), used("79203", "c2")]
    assert [(c.school_code, c.kind, c.before, c.after) for c in compare(before, after)] == [
        ("79201", ChangeKind.CARRIED, "Hợp lệ, mức 2", "Hợp lệ, mức 2, tệp hop-thu/79201.xlsx"),
        ("79202", ChangeKind.STILL_TO_FIX, "Cần sửa (2 lỗi), mức 2 (tạm)", "Cần sửa (2 lỗi), mức 2 (tạm)"),
        ("79202", ChangeKind.CARRIED, "Cần sửa (2 lỗi), mức 2 (tạm)",
         "Cần sửa (2 lỗi), mức 2 (tạm), tệp hop-thu/79202.xlsx"),
        # 79203 sent another file with the same result: no change
    ]
    assert ChangeKind.CARRIED.value == "Dùng lại từ đợt trước"


def test_every_change_kind_is_exercised():
    kinds = {c.kind for c in compare(ROUND_1, ROUND_2)} | {c.kind for c in compare(REVIEWED_1, REVIEWED_2)}
    kinds |= {c.kind for c in compare([used("79201", "a1")], [used("79201", "a1")])}
    assert kinds == set(ChangeKind)


def test_nothing_changed_gives_no_change():
    settled = [s for s in ROUND_2 if s["status"] != "needs_fix"]
    assert compare(settled, [dict(s) for s in settled]) == ()


def test_a_school_still_to_fix_is_listed_even_when_nothing_else_changed():
    """The reminder the office sends again each round: same errors, same level, still listed."""
    assert [(c.school_code, c.kind) for c in compare(ROUND_1, ROUND_1)] == [
        ("79002", ChangeKind.STILL_TO_FIX), ("79003", ChangeKind.STILL_TO_FIX)]


def test_fixed_with_a_new_level_is_two_changes():
    before = schools("| 79002 | MN Sen Hồng | needs_fix | 3 | 1 |")
    after = schools("| 79002 | MN Sen Hồng | valid | 0 | 2 |")
    assert compare(before, after) == (
        Change("79002", "MN Sen Hồng", ChangeKind.FIXED, "Cần sửa (3 lỗi), mức 1 (tạm)", "Hợp lệ, mức 2"),
        Change("79002", "MN Sen Hồng", ChangeKind.LEVEL, "Cần sửa (3 lỗi), mức 1 (tạm)", "Hợp lệ, mức 2"),
    )


def test_order_follows_this_run_and_codes_match_as_text():
    before = [{"school_code": 79002, "status": "missing"}, {"school_code": "79001", "status": "missing"}]
    after = schools("""
        | 79001 | MN Hoa Sen  | valid | 0 | 2 |
        | 79002 | MN Sen Hồng | missing | 0 | |
        """)
    assert [(c.school_code, c.kind) for c in compare(before, after)] == [("79001", ChangeKind.NEW)]


def test_an_unlisted_school_that_sent_nothing_this_round_is_gone():
    """An unlisted school is in a run's results only while it has a file; when its file is gone it
    is not in this run's list at all, and that is still 'Không còn tệp'."""
    after = [s for s in ROUND_2 if s["school_code"] != "80123"]
    changes = [(c.school_code, c.kind, c.before, c.after) for c in compare(ROUND_1, after)]
    assert ("80123", ChangeKind.GONE, "Ngoài danh sách, mức 1", "Chưa nộp") in changes


@pytest.mark.parametrize("school, text", [
    ({"status": "valid", "overall_level": 2}, "Hợp lệ, mức 2"),
    ({"status": "needs_fix", "errors": 4, "overall_level": 1}, "Cần sửa (4 lỗi), mức 1 (tạm)"),
    ({"status": "needs_fix", "errors": 1, "overall_level": None}, "Cần sửa (1 lỗi)"),
    ({"status": "missing", "overall_level": None}, "Chưa nộp"),
    ({"status": "unlisted", "overall_level": 3}, "Ngoài danh sách, mức 3"),
])
def test_describe(school, text):
    assert describe(school) == text
