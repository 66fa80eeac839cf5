"""Consolidate (issue 5, step 6): one row per school, every inbox entry once in the ledger.

Rules: C1 for each school the latest valid submission by received time is used; C2 if none is
valid, the latest one (its level provisional); C3 every other one is `superseded`, naming the file
used; C4 statuses Hợp lệ / Cần sửa / Chưa nộp, and schools outside the roster listed after it;
C5 files that could not be placed (unreadable, unidentified, not our template) and files discover
already decided (duplicate, container, not a workbook) keep their fate and reason; C6 the ledger
holds every entry exactly once, in discovery order.

The inbox is written as a table: one line per ledger entry, in discovery order, with the state
intake left it in. `valid` is a scored workbook without errors, `errors` one with an error,
`unscored` one that could not be scored (an unknown rubric); any other state is a fate.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cds_batch.district.consolidate import Status, consolidate
from cds_batch.intake.containers import FileKind
from cds_batch.intake.discover import Entry, Fate, TimeSource
from cds_batch.core.findings import Code, finding
from cds_batch.checking.examine import Submission
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.checking.score import SchoolResult

VN = timezone(timedelta(hours=7))
ROSTER = (
    SchoolInfo("79001", "Trường Mầm non Hoa Sen"),
    SchoolInfo("79002", "Trường Mầm non Sen Hồng"),
    SchoolInfo("79003", "Trường Tiểu học Cao Minh"),
)
RESULT = SchoolResult("thu-nghiem", "abc", (), (), overall_level=2)
ERROR = finding(Code.E201, sheet="Nhóm 1", cell="F6", value="(trống)", detail="1.2 (Trang thiết bị)",
                expected="một số điểm từ 0 đến 10")
WARNING = finding(Code.E301, sheet="Nhóm 1", cell="E6", value="1.2", expected="7", detail="Trang thiết bị")
DISCOVER_FATES = {"duplicate": "Trùng nội dung với tệp khác.", "container": "Tệp nén; các tệp bên trong được liệt kê.",
                  "not_a_workbook": "Tệp PDF, không phải bảng tính."}


def inbox(table: str) -> tuple[list[Entry], list[Submission]]:
    """'| file | received | school | state |' rows → the ledger entries and what intake made of them."""
    entries: list[Entry] = []
    submissions: list[Submission] = []
    for line in table.strip().splitlines():
        file, received, school, state = (c.strip() for c in line.strip().strip("|").split("|"))
        if file == "file" or set(file) <= {"-"}:
            continue
        at = datetime.strptime(f"{received} 2025", "%d/%m %H:%M %Y").replace(tzinfo=VN)
        decided = state in DISCOVER_FATES
        e = Entry(source=f"inbox/{file}", name=file, sha256=file, size=1, received_at=at,
                  time_source=TimeSource.FILE_MTIME, sender="", kind=FileKind.XLSX, parent="",
                  fate=Fate(state) if decided else None, reason=DISCOVER_FATES.get(state, ""), path=None)
        entries.append(e)
        if decided:
            continue
        if state in ("valid", "errors", "unscored"):
            submissions.append(Submission(
                e, None, school_code=school, in_roster=school in {s.code for s in ROSTER}, rubric_id="thu-nghiem",
                school_fields={"CDS_SCHOOL_NAME": f"Trường {school}", "CDS_SCHOOL_LEVEL": "Mầm non"},
                result=None if state == "unscored" else RESULT,
                findings=(ERROR, WARNING) if state == "errors" else (WARNING,)))
        else:
            submissions.append(Submission(e, Fate(state), reason=f"Lý do: {state}.", school_code=school or None))
    return entries, submissions


def ledger(district) -> list[tuple[str, str, str]]:
    return [(row.entry.name, row.fate.value, row.school_code) for row in district.ledger]


def reasons(district) -> dict[str, str]:
    return {row.entry.name: row.reason for row in district.ledger}


def used(district) -> dict[str, str | None]:
    return {row.info.code: row.used.entry.name if row.used else None for row in district.schools}


# --- C1–C3 ----------------------------------------------------------------------------------------

def test_latest_valid_wins_over_a_later_one_with_errors():
    entries, subs = inbox("""
        | file        | received    | school | state  |
        |-------------|-------------|--------|--------|
        | trua.xlsx   | 05/03 12:00 | 79001  | valid  |
        | sang.xlsx   | 05/03 08:00 | 79001  | valid  |
        | chieu.xlsx  | 05/03 16:00 | 79001  | errors |
        """)
    d = consolidate(entries, subs, ROSTER[:1])
    assert used(d) == {"79001": "trua.xlsx"}
    assert ledger(d) == [("trua.xlsx", "used", "79001"), ("sang.xlsx", "superseded", "79001"),
                         ("chieu.xlsx", "superseded", "79001")]
    said = "Trường 79001 có tệp khác được dùng: inbox/trua.xlsx (nhận lúc 05/03/2025 12:00)."
    assert reasons(d) == {"trua.xlsx": "Đã đọc và chấm: hợp lệ, 1 cảnh báo.",
                          "sang.xlsx": said,
                          "chieu.xlsx": said + " Tệp này gửi sau nhưng còn lỗi nên không được dùng."}
    assert [r.reason_code for r in d.ledger] == [Code.L303, Code.L304, Code.L305]
    (row,) = d.schools
    assert (row.status, row.provisional) == (Status.VALID, False)
    assert [s.entry.name for s in row.superseded] == ["sang.xlsx", "chieu.xlsx"]   # by received time


def test_when_none_is_valid_the_latest_is_used_provisionally():
    entries, subs = inbox("""
        | file        | received    | school | state    |
        |-------------|-------------|--------|----------|
        | lan-2.xlsx  | 06/03 09:00 | 79001  | errors   |
        | lan-1.xlsx  | 05/03 09:00 | 79001  | errors   |
        | lan-3.xlsx  | 06/03 07:30 | 79001  | unscored |
        """)
    d = consolidate(entries, subs, ROSTER[:1])
    assert used(d) == {"79001": "lan-2.xlsx"}
    assert reasons(d) == {
        "lan-2.xlsx": "Đã đọc và chấm tạm: 1 lỗi cần sửa, 1 cảnh báo.",
        "lan-1.xlsx": "Trường 79001 có tệp khác được dùng: inbox/lan-2.xlsx (nhận lúc 06/03/2025 09:00).",
        "lan-3.xlsx": "Trường 79001 có tệp khác được dùng: inbox/lan-2.xlsx (nhận lúc 06/03/2025 09:00).",
    }
    (row,) = d.schools
    assert (row.status, row.provisional) == (Status.NEEDS_FIX, True)


def test_an_unscored_workbook_alone_is_used_and_says_why():
    entries, subs = inbox("""
        | file        | received    | school | state    |
        | khac.xlsx   | 05/03 09:00 | 79001  | unscored |
        """)
    d = consolidate(entries, subs, ROSTER[:1])
    assert [(r.status, r.provisional) for r in d.schools] == [(Status.NEEDS_FIX, True)]
    assert reasons(d) == {"khac.xlsx": "Đã đọc nhưng chưa chấm được (xem các lỗi)."}


def test_same_received_time_is_decided_by_source_not_by_input_order():
    table = """
        | file    | received    | school | state |
        | b.xlsx  | 05/03 09:00 | 79001  | valid |
        | a.xlsx  | 05/03 09:00 | 79001  | valid |
        """
    entries, subs = inbox(table)
    assert used(consolidate(entries, subs, ROSTER[:1])) == {"79001": "b.xlsx"}
    assert used(consolidate(entries, subs[::-1], ROSTER[:1])) == {"79001": "b.xlsx"}


# --- C4 -------------------------------------------------------------------------------------------

def test_statuses_in_roster_order_then_unlisted_by_code():
    entries, subs = inbox("""
        | file         | received    | school | state  |
        |--------------|-------------|--------|--------|
        | ngoai-2.xlsx | 05/03 08:00 | 80500  | valid  |
        | sen-hong.xlsx| 05/03 09:00 | 79002  | errors |
        | ngoai-1.xlsx | 05/03 10:00 | 80123  | errors |
        | hoa-sen.xlsx | 05/03 11:00 | 79001  | valid  |
        """)
    d = consolidate(entries, subs, ROSTER)
    assert [(r.info.code, r.info.name, r.status.label) for r in d.schools] == [
        ("79001", "Trường Mầm non Hoa Sen", "Hợp lệ"),
        ("79002", "Trường Mầm non Sen Hồng", "Cần sửa"),
        ("79003", "Trường Tiểu học Cao Minh", "Chưa nộp"),
        ("80123", "Trường 80123", "Ngoài danh sách"),      # what its file says
        ("80500", "Trường 80500", "Ngoài danh sách"),
    ]
    assert d.counts() == {Status.VALID: 1, Status.NEEDS_FIX: 1, Status.MISSING: 1, Status.UNLISTED: 2}
    assert used(d)["79003"] is None
    assert d.schools[3].info.level == "Mầm non"
    assert ledger(d) == [("ngoai-2.xlsx", "used", "80500"), ("sen-hong.xlsx", "used", "79002"),
                         ("ngoai-1.xlsx", "used", "80123"), ("hoa-sen.xlsx", "used", "79001")]


# --- C5, C6 ---------------------------------------------------------------------------------------

INBOX = """
    | file             | received    | school | state            |
    |------------------|-------------|--------|------------------|
    | thu.zip          | 04/03 18:00 |        | container        |
    | hoa-sen.xlsx     | 05/03 08:00 | 79001  | valid            |
    | hoa-sen-copy.xlsx| 05/03 08:00 |        | duplicate        |
    | phu-luc.pdf      | 05/03 08:05 |        | not_a_workbook   |
    | hong.xlsx        | 05/03 09:00 |        | unreadable       |
    | khong-ten.xlsx   | 05/03 10:00 |        | unidentified     |
    | bang-luong.xlsx  | 05/03 11:00 |        | not_our_template |
    | sen-hong.xlsx    | 05/03 12:00 | 79002  | errors           |
    | hoa-sen-2.xlsx   | 06/03 07:00 | 79001  | valid            |
    """


def test_every_entry_once_in_discovery_order_with_its_fate():
    entries, subs = inbox(INBOX)
    d = consolidate(entries, subs, ROSTER)
    assert ledger(d) == [
        ("thu.zip", "container", ""),
        ("hoa-sen.xlsx", "superseded", "79001"),
        ("hoa-sen-copy.xlsx", "duplicate", ""),
        ("phu-luc.pdf", "not_a_workbook", ""),
        ("hong.xlsx", "unreadable", ""),
        ("khong-ten.xlsx", "unidentified", ""),
        ("bang-luong.xlsx", "not_our_template", ""),
        ("sen-hong.xlsx", "used", "79002"),
        ("hoa-sen-2.xlsx", "used", "79001"),
    ]
    assert [row.entry for row in d.ledger] == entries


@pytest.mark.parametrize("file, reason", [
    ("thu.zip", DISCOVER_FATES["container"]),
    ("hoa-sen-copy.xlsx", DISCOVER_FATES["duplicate"]),
    ("phu-luc.pdf", DISCOVER_FATES["not_a_workbook"]),
    ("hong.xlsx", "Lý do: unreadable."),
    ("khong-ten.xlsx", "Lý do: unidentified."),
    ("bang-luong.xlsx", "Lý do: not_our_template."),
])
def test_fates_decided_before_consolidation_keep_their_reason(file, reason):
    entries, subs = inbox(INBOX)
    assert reasons(consolidate(entries, subs, ROSTER))[file] == reason


def test_unplaced_submissions_are_kept_aside_and_place_no_school():
    entries, subs = inbox(INBOX)
    d = consolidate(entries, subs, ROSTER)
    assert [(s.entry.name, s.fate) for s in d.unplaced] == [
        ("hong.xlsx", Fate.UNREADABLE), ("khong-ten.xlsx", Fate.UNIDENTIFIED),
        ("bang-luong.xlsx", Fate.NOT_OUR_TEMPLATE)]
    assert [(r.info.code, r.status) for r in d.schools] == [
        ("79001", Status.VALID), ("79002", Status.NEEDS_FIX), ("79003", Status.MISSING)]


def test_an_entry_intake_never_saw_is_still_in_the_ledger():
    entries, _ = inbox("""
        | file       | received    | school | state |
        | quen.xlsx  | 05/03 08:00 | 79001  | valid |
        """)
    d = consolidate(entries, [], ROSTER[:1])
    assert [(r.entry.name, r.fate, r.reason, r.reason_code) for r in d.ledger] == [
        ("quen.xlsx", Fate.UNREADABLE, "Không được đọc.", Code.L306)]
    assert [r.status for r in d.schools] == [Status.MISSING]
