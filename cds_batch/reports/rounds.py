"""Reports, rounds: what changed since an earlier run (round 1 → round 2 → round 3).

In: the `SchoolRecord`s of the earlier run's results.json (read by `reports.contract.read_results`,
version 1 or 2) and this run's.
Out: one `Change` per school whose situation changed, in this run's school order: newly
submitted, fixed, still to fix, level changed, no longer submitted, the earlier round's file used
again (carried over: the mailbox grows over rounds); and for each school the earlier
run's external review returned for more evidence, whether it sent another file since. Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence, cast

from cds_batch.district.consolidate import Status
from cds_batch.reports.contract import SchoolRecord
from cds_batch.reports.labels import CARRIED


class ChangeKind(Enum):
    NEW = "Mới nộp"                 # missing before, received now
    FIXED = "Đã sửa xong"           # needed fixing before, valid now
    STILL_TO_FIX = "Vẫn cần sửa"    # needed fixing before and still does
    NEWLY_TO_FIX = "Mới phát sinh lỗi"   # valid before, needs fixing now
    LEVEL = "Đổi mức"               # overall level changed
    GONE = "Không còn tệp"          # submitted before, nothing now (e.g. a smaller inbox)
    CAME_BACK = "Đã nộp bổ sung"    # returned for more evidence by the earlier run's review, another file now
    NOT_BACK = "Chưa nộp bổ sung"   # returned for more evidence, still the same file (or none)
    CARRIED = CARRIED               # the very file the earlier run used (same SHA-256), found again


@dataclass(frozen=True)
class Change:
    school_code: str
    school_name: str
    kind: ChangeKind
    before: str   # short Vietnamese description of the earlier situation
    after: str


# A school with no record in a run is described, and compared, as one that sent nothing.
_NO_RECORD = cast(SchoolRecord, {"status": "missing"})


def describe(school: SchoolRecord) -> str:
    """'Hợp lệ, mức 2' / 'Cần sửa (3 lỗi), mức 1 (tạm)' / 'Chưa nộp'."""
    status = str(school.get("status", ""))
    text = Status(status).label if status in Status._value2member_map_ else status
    if status == "needs_fix":
        text += f" ({school.get('errors', 0)} lỗi)"
    level = school.get("overall_level")
    if level is not None and status != "missing":
        text += f", mức {level}" + (" (tạm)" if status == "needs_fix" else "")
    return text


def _returned(school: SchoolRecord) -> str:
    """'Yêu cầu bổ sung: <comment>' for a school the review returned for more evidence, else ''."""
    review = school.get("recognition")
    if not isinstance(review, dict) or review.get("decision") != "more_evidence":
        return ""
    comment = str(review.get("comment") or "")
    return "Yêu cầu bổ sung" + (f": {comment}" if comment else "")


def compare(previous: Sequence[SchoolRecord], current: Sequence[SchoolRecord]) -> tuple[Change, ...]:
    """The changes from `previous` to `current` (both: results.json school objects)."""
    before = {str(s["school_code"]): s for s in previous}
    changes: list[Change] = []
    for now in current:
        code = str(now["school_code"])
        old = before.get(code, _NO_RECORD)
        was, became = str(old.get("status")), str(now.get("status"))
        kinds: list[ChangeKind] = []
        if was == "missing" and became != "missing":
            kinds.append(ChangeKind.NEW)
        elif was == "needs_fix" and became == "valid":
            kinds.append(ChangeKind.FIXED)
        elif was == "needs_fix" and became == "needs_fix":
            kinds.append(ChangeKind.STILL_TO_FIX)
        elif was in ("valid", "unlisted") and became == "needs_fix":
            kinds.append(ChangeKind.NEWLY_TO_FIX)
        elif was != "missing" and became == "missing":
            kinds.append(ChangeKind.GONE)
        if was != "missing" and became != "missing" and old.get("overall_level") != now.get("overall_level"):
            kinds.append(ChangeKind.LEVEL)
        returned = _returned(old)
        if became != "missing" and now.get("sha256") and now.get("sha256") == old.get("sha256") and not returned:
            kinds.append(ChangeKind.CARRIED)   # (a returned school's same file is "Chưa nộp bổ sung" below)
        for kind in kinds:
            after = f"{describe(now)}, tệp {now.get('source')}" if kind is ChangeKind.CARRIED else describe(now)
            changes.append(Change(code, str(now.get("school_name", "")), kind, describe(old), after))
        if returned:
            back = became != "missing" and now.get("sha256") != old.get("sha256")
            changes.append(Change(code, str(now.get("school_name", "")),
                                  ChangeKind.CAME_BACK if back else ChangeKind.NOT_BACK, returned,
                                  f"{describe(now)}, tệp {now.get('source')}" if back else describe(now)))
    now_codes = {str(s["school_code"]) for s in current}
    for code, old in before.items():   # an unlisted school is only in a run while it has a file
        if code not in now_codes and old.get("status") != "missing":
            name = str(old.get("school_name", ""))
            changes.append(Change(code, name, ChangeKind.GONE, describe(old), describe(_NO_RECORD)))
    return tuple(changes)
