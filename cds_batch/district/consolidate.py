"""Consolidate: one row per school of the roster (and per unlisted school), and the final ledger.

In: the ledger entries from `discover`, the submissions from `intake`, and the roster.
Out: a `District`: each school's status and the submission used, and every entry with its final
fate and reason (a used file the previous run used too is marked carried over), and which entries
could not be used. For each school the latest valid submission by received time wins; if none is
valid, the latest one; the others are `superseded`, naming the one used. Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from cds_batch.core.findings import Code, Reason, reason
from cds_batch.intake.containers import local_time
from cds_batch.intake.discover import UNUSABLE, Entry, Fate
from cds_batch.checking.examine import Submission
from cds_batch.rubric.roster import SchoolInfo


class Status(str, Enum):
    VALID = "valid"
    NEEDS_FIX = "needs_fix"
    MISSING = "missing"
    UNLISTED = "unlisted"

    @property
    def label(self) -> str:
        return {"valid": "Hợp lệ", "needs_fix": "Cần sửa", "missing": "Chưa nộp",
                "unlisted": "Ngoài danh sách"}[self.value]


@dataclass(frozen=True)
class SchoolRow:
    """One school: roster data (or what its file says, when unlisted), its status and submissions."""

    info: SchoolInfo
    status: Status
    used: Submission | None = None
    superseded: tuple[Submission, ...] = ()

    @property
    def provisional(self) -> bool:
        """Its level stands only once the errors are fixed."""
        return self.used is not None and not self.used.valid


@dataclass(frozen=True)
class LedgerRow:
    """One ledger entry with its final fate."""

    entry: Entry
    fate: Fate
    reason: str
    school_code: str = ""
    reason_code: Code | None = None   # the catalogue's L code of `reason`; None for a reading stage's own text
    carried: bool = False             # used, and the very file (same SHA-256) the previous run used

    @property
    def unusable(self) -> bool:
        """The office must look at it: it could not be anyone's submission (`discover.UNUSABLE`)."""
        return self.fate in UNUSABLE


@dataclass(frozen=True)
class District:
    schools: tuple[SchoolRow, ...]           # roster order, then unlisted schools by code
    ledger: tuple[LedgerRow, ...]            # discovery order
    unplaced: tuple[Submission, ...]         # read but not placed: unreadable, unidentified, not ours

    @property
    def unusable(self) -> tuple[LedgerRow, ...]:
        """The entries that could not be used, in discovery order: the one list the summary, the
        command line, ledger.json and the web page show."""
        return tuple(r for r in self.ledger if r.unusable)

    def counts(self) -> dict[Status, int]:
        return {s: sum(row.status is s for row in self.schools) for s in Status}


def _received(s: Submission) -> tuple[object, str]:
    return (s.entry.received_at, s.entry.source)


def consolidate(entries: Sequence[Entry], submissions: Sequence[Submission],
                roster: Sequence[SchoolInfo], carried: frozenset[str] = frozenset()) -> District:
    """Place every submission with its school and give every ledger entry its final fate.

    :param carried: the SHA-256 of every file the previous run (--previous) used; a used file among
        them is marked carried over in the ledger.
    """
    by_school: dict[str, list[Submission]] = {}
    unplaced: list[Submission] = []
    for s in submissions:
        if s.fate is None and s.school_code is not None:
            by_school.setdefault(s.school_code, []).append(s)
        else:
            unplaced.append(s)
    final: dict[str, LedgerRow] = {}
    rows: list[SchoolRow] = []
    listed = {s.code for s in roster}
    unlisted = [SchoolInfo(code=code, name=subs[0].school_fields.get("CDS_SCHOOL_NAME", ""),
                           level=subs[0].school_fields.get("CDS_SCHOOL_LEVEL", ""),
                           commune=subs[0].school_fields.get("CDS_COMMUNE", ""))
                for code, subs in sorted(by_school.items()) if code not in listed]
    for info in (*roster, *unlisted):
        subs = sorted(by_school.get(info.code, []), key=_received)
        if not subs:
            rows.append(SchoolRow(info, Status.MISSING))
            continue
        valid = [s for s in subs if s.valid]
        used = (valid or subs)[-1]
        others = tuple(s for s in subs if s is not used)
        status = Status.UNLISTED if info.code not in listed else Status.VALID if used.valid else Status.NEEDS_FIX
        rows.append(SchoolRow(info, status, used, others))
        said = _used_reason(used)
        again = used.entry.sha256 in carried
        if again:
            said = reason(Code.L307, status=said.text)
        final[used.entry.source] = LedgerRow(used.entry, Fate.USED, said.text, info.code, said.code, again)
        for s in others:
            later_with_errors = used.valid and not s.valid and s.entry.received_at > used.entry.received_at
            why = reason(Code.L305 if later_with_errors else Code.L304, school=info.code, source=used.entry.source,
                         received=f"{local_time(used.entry.received_at):%d/%m/%Y %H:%M}")
            final[s.entry.source] = LedgerRow(s.entry, Fate.SUPERSEDED, why.text, info.code, why.code)
    for s in unplaced:
        assert s.fate is not None
        final[s.entry.source] = LedgerRow(s.entry, s.fate, s.reason, s.school_code or "")
    ledger = []
    for e in entries:
        row = final.get(e.source)
        if row is None:   # decided by discover (container, duplicate, not a workbook, rejected …)
            unread = reason(Code.L306)
            row = LedgerRow(e, e.fate or Fate.UNREADABLE, e.reason or unread.text,
                            reason_code=e.reason_code if e.reason else unread.code)
        ledger.append(row)
    return District(tuple(rows), tuple(ledger), tuple(unplaced))


def _used_reason(s: Submission) -> Reason:
    if s.result is None:
        return reason(Code.L301)
    if s.errors:
        return reason(Code.L302, errors=s.errors, warnings=s.warnings)
    return reason(Code.L303, warnings=s.warnings)
