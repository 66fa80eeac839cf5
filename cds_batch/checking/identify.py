"""Identify: which school a workbook belongs to, never by guessing.

In: what the workbook says about itself (the school code it was issued for, the school code and
name typed in it), the sender's address where the file came by mail, and the office's roster.
Out: an `Identification`: the school code (or None), how it was found, whether the school is in
the roster, and the identity findings (codes E4xx) with the fields their messages need.
Order: the code typed in the file checked against the code the file was issued for; the issued-for
code alone; the typed name matched against the roster (accents, case, "Trường" and the usual
abbreviations TH/THCS/THPT/MN/MG ignored); the sender's address in the roster.
A workbook that lost its identity (copied into a new file) is matched to a rubric by the criterion
codes its sheets hold (`rubric_by_codes`); the school fields are found by their labels (`locate`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Sequence

from cds_batch.core.findings import Code
from cds_batch.form import layout as L
from cds_batch.reading.locate import Sheets
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.core.text import clean, fold

_ABBREVIATIONS = {"mn": "mam non", "mg": "mau giao", "th": "tieu hoc", "thcs": "trung hoc co so",
                  "thpt": "trung hoc pho thong", "gdtx": "giao duc thuong xuyen"}
_NOT_NAME = re.compile(r"[^0-9a-z ]+")


class Method(Enum):
    TYPED_CODE = "typed_code"      # the school code typed in the file
    ISSUED_FOR = "issued_for"      # the code the template was made for (typed code blank)
    NAME = "name"                  # the typed school name matched the roster
    SENDER = "sender"              # the sender's e-mail address is a roster school's
    NONE = "none"


@dataclass(frozen=True)
class Identification:
    code: str | None
    method: Method
    in_roster: bool
    problems: tuple[tuple[Code, dict[str, Any]], ...] = field(default=())


def code_text(value: object) -> str:
    """A school code as text: 79701.0 from a numeric cell is '79701'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else clean(str(value))


def name_key(name: str) -> str:
    """A school name reduced for matching: 'Trường TH Cao Minh' and 'Tiểu học Cao Minh' give the same key."""
    words = _NOT_NAME.sub(" ", fold(name)).split()
    if words and words[0] == "truong":
        words = words[1:]
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


class RosterIndex:
    """The roster looked up by code, name key and e-mail address, built once per run: a province
    roster has tens of thousands of schools, and every workbook is looked up in it."""

    def __init__(self, roster: Sequence[SchoolInfo]) -> None:
        self.schools = tuple(roster)
        self.by_code = {s.code: s for s in self.schools}
        self.by_name: dict[str, list[SchoolInfo]] = {}
        self.by_email: dict[str, list[SchoolInfo]] = {}
        for s in self.schools:
            self.by_name.setdefault(name_key(s.name), []).append(s)
            if s.email.strip():
                self.by_email.setdefault(s.email.strip().casefold(), []).append(s)

    def __bool__(self) -> bool:
        return bool(self.schools)


def identify(issued_for: object, typed_code: object, typed_name: object, sender: str,
             roster: RosterIndex | Sequence[SchoolInfo]) -> Identification:
    """Which school this workbook is, with the findings that explain how it was (or was not) found."""
    if not isinstance(roster, RosterIndex):
        roster = RosterIndex(roster)
    by_code = roster.by_code
    issued, typed = code_text(issued_for), code_text(typed_code)
    if typed:
        problems: list[tuple[Code, dict[str, Any]]] = []
        if issued and issued != typed:
            # Made for one school, filled as another: report it; the file stays with the school it
            # was made for, so that school is asked to fix it rather than a guess being made.
            problems.append((Code.E401, {"value": typed, "expected": issued}))
            return Identification(issued, Method.ISSUED_FOR, issued in by_code, tuple(problems))
        if typed not in by_code and roster:
            problems.append((Code.E404, {"value": typed}))
        return Identification(typed, Method.TYPED_CODE, typed in by_code, tuple(problems))
    if issued:
        detail = "mẫu phiếu được tạo riêng cho trường"
        return Identification(issued, Method.ISSUED_FOR, issued in by_code,
                              ((Code.E402, {"expected": issued, "detail": detail}),))
    name = clean(str(typed_name)) if typed_name not in (None, "") else ""
    if name:
        hits = roster.by_name.get(name_key(name), [])
        if len(hits) == 1:
            return Identification(hits[0].code, Method.NAME, True,
                                  ((Code.E402, {"expected": hits[0].code, "detail": f"tên trường '{name}'"}),))
        if len(hits) > 1:
            return Identification(None, Method.NONE, False,
                                  ((Code.E405, {"value": name, "expected": ", ".join(s.code for s in hits)}),))
    address = sender.strip().casefold()
    hits = roster.by_email.get(address, []) if address else []
    if len(hits) == 1:
        return Identification(hits[0].code, Method.SENDER, True,
                              ((Code.E402, {"expected": hits[0].code, "detail": f"địa chỉ người gửi {sender}"}),))
    said = f"tên trường '{name}' không khớp danh sách" if name else "tệp không ghi mã trường và tên trường"
    return Identification(None, Method.NONE, False, ((Code.E403, {"detail": said}),))


def rubric_by_codes(book: Sheets, rubrics: Sequence[Rubric]) -> Rubric | None:
    """The rubric whose answer keys the workbook's code columns hold most of, when it holds more than
    half of them and no other rubric holds as many; None when no rubric fits or two fit alike."""
    found: dict[str, int] = {}
    for rubric in rubrics:
        keys = [spec.key for group in rubric.groups for spec in L.group_rows(group)]
        hits = set()
        for sheet in book.sheets:
            hits |= set(L.find_by_code(book.rows(sheet), keys))
        if 2 * len(hits) > len(keys):
            found[rubric.id] = len(hits)
    best = sorted(found.items(), key=lambda item: -item[1])
    if not best or (len(best) > 1 and best[0][1] == best[1][1]):
        return None
    return next(r for r in rubrics if r.id == best[0][0])
