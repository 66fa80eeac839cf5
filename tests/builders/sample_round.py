"""Builders: the sample round (Quận 7, "Đợt 1 năm 2025") — which school sends which workbook, where,
when, and what goes wrong in it (the mess of real rounds).

In: nothing (the round is written out here). Out: the `Drop`s, one per workbook of the inbox, each with
its school, its path ("container!member" inside a zip or mail), when the school saved it, the `Tweak`s
applied to the school's answers and the fate the tool should give it. `sample_inbox` writes them.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_NO
from cds_batch.rubric.model import Kind, Rubric
from cds_batch.templates.text import Issue

from .answers import Answers

ISSUE = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")
VN = timezone(timedelta(hours=7))            # Vietnam, UTC+7 all year
OFFICE = "Phòng GDĐT Quận 7 <cds@q7.edu.vn>"
LO_FILE = "email 22-10/MN Phú Mỹ - phiếu tự đánh giá.ods"
MISSING = ("79706", "79710", "79804", "79809", "79905", "79910")
NEEDS_FIX = ("79707", "79904")   # their only (or latest) file has errors; every other submitting school is valid


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A fixed moment of October 2025 in Vietnam time."""
    return datetime(2025, 10, day, hour, minute, tzinfo=VN)


# --- the mess: what goes wrong in real rounds, applied to a school's answers -------------------------

Tweak = Callable[[Rubric, Answers], None]


def fail_condition(code: str) -> Tweak:
    """The school honestly marks a mandatory condition 'Không đạt' (its group then scores 0)."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        a.values[L.value_name(code)] = CONDITION_NO
        a.evidence[:] = [r for r in a.evidence if r[1] != code]
    return tweak


def leave_blank(code: str) -> Tweak:
    """One answer forgotten (the tool reports it as missing)."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        a.values.pop(L.value_name(code), None)
    return tweak


def leave_group_blank(group_id: int) -> Tweak:
    """A file sent half done: nothing typed in one group, and no evidence for it."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        group = next(g for g in rubric.groups if g.id == group_id)
        for spec in L.group_rows(group):
            c = spec.criterion
            for name in (L.item_name(c.code, spec.n) if spec.n else L.value_name(c.code), L.evidence_name(c.code)):
                a.values.pop(name, None)
        codes = {c.code for c in group.criteria}
        a.evidence[:] = [r for r in a.evidence if r[1] not in codes]
    return tweak


def type_value(code: str, value: object) -> Tweak:
    """A value the template's validation warns about but Excel lets the school keep."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        a.values[L.value_name(code)] = value
    return tweak


def drop_evidence(count: int, seed: int) -> Tweak:
    """A school that forgets a few evidence rows for points it claims (the tool warns, E301)."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        scoring = [r for r in a.evidence if rubric.criterion(r[1]).kind is not Kind.CONDITION]
        for row in random.Random(seed).sample(scoring, min(count, len(scoring))):
            a.evidence.remove(row)
    return tweak


def typed_identity(code: str, name: str, report_date: str) -> Tweak:
    """On the blank template the school types its code and name itself, and the date as text."""
    def tweak(rubric: Rubric, a: Answers) -> None:
        a.fields.update({"CDS_SCHOOL_CODE": code, "CDS_SCHOOL_NAME": name, "CDS_REPORT_DATE": report_date})
    return tweak


# --- the round ------------------------------------------------------------------------------------

@dataclass
class Drop:
    """One workbook of the inbox: whose, where, when saved, and what went wrong in it."""

    path: str                        # relative to samples/inbox; "container!member" inside containers
    code: str
    saved: datetime
    tweaks: tuple[Tweak, ...] = ()
    blank_template: bool = False
    fate: str = "used"               # what the tool should make of it: used, superseded, duplicate
    mess: str = ""
    same_as: str = ""                # path of an earlier drop whose exact bytes this one repeats


def drops() -> list[Drop]:
    """Every workbook of the round, loose or inside a zip or mail."""
    d20, d22, d23 = "email 20-10/", "email 22-10/", "email 23-10/Tong hop MN cum 2.zip!MN cụm 2/"
    eml, mbox = "Fwd_ Bao cao CDS cum truong TH.eml!", "Bao cao CDS (Thunderbird).mbox!"
    son_ca = "Phiếu tự đánh giá CĐS - MN Sơn Ca.xlsx"
    return [
        Drop(d20 + "MN Hoa Sen_tu danh gia CDS.xlsx", "79701", at(17, 15, 10), (fail_condition("2.2"),),
             mess="condition 2.2 'Không đạt': group 2 scores 0"),
        Drop(d20 + "phieu tu danh gia.xlsx", "79702", at(18, 9, 40), mess="generic file name"),
        Drop(d20 + son_ca, "79703", at(18, 10, 5), mess="Vietnamese file name; same bytes again in the zip"),
        Drop(d20 + "BC CDS TH Le Van Tam.xlsx", "79801", at(19, 16, 30)),
        Drop(d20 + "Bao cao CDS - TH Phu Dong (sua lan 2).xlsx", "79803", at(19, 20, 15),
             (drop_evidence(1, 79803),), mess="renamed after edits; one evidence row missing"),
        Drop(d20 + "TH Tân Quy.xlsx", "79810", at(20, 7, 50)),
        Drop(d20 + "79901_Truong-THCS-Nguyen-Huu-Tho_Dot-1-nam-2025.xlsx", "79901", at(20, 8, 20),
             mess="kept the file name the office issued"),
        Drop(d22 + "Phiếu CĐS MN Vàng Anh.xlsx", "79707", at(21, 14, 0),
             (type_value("1.2a", 18), type_value("2.3a", "Có sử dụng phần mềm quản lý nhưng chưa đủ phân hệ")),
             mess="only file still wrong: 1.2a out of range, 2.3a not an option"),
        Drop(LO_FILE, "79709", at(21, 15, 30), mess="saved as .ods by LibreOffice"),
        Drop(d22 + "TH Kim Dong - tu danh gia CDS.xlsx", "79806", at(21, 10, 45)),
        Drop(d22 + "phieu tu danh gia.xlsx", "79808", at(21, 16, 20), (fail_condition("1.2"),),
             mess="same name as 79702's file; condition 1.2 'Không đạt': group 1 scores 0"),
        Drop(d22 + "THCS Huynh Tan Phat - gui lai file Excel.xlsx", "79902", at(22, 8, 10),
             mess="sent after a .docx by mistake"),
        Drop(d22 + "Báo cáo chuyển đổi số THCS Phạm Hữu Lầu.xlsx", "79903", at(21, 17, 5)),
        Drop(d22 + "THCS Tran Quoc Tuan (nhap).xlsx", "79904", at(22, 9, 0), (leave_group_blank(2),),
             mess="half filled: group 2 blank"),
        Drop(d22 + "Mau phieu CDS - THCS Nguyen Hien.xlsx", "79906", at(22, 10, 30),
             (typed_identity("79906", "THCS Nguyễn Hiền", "22/10/2025"),), blank_template=True,
             mess="blank template; school code, name and date typed by hand"),
        Drop(d23 + son_ca, "79703", at(18, 10, 5), fate="duplicate", mess="exact copy of the loose file",
             same_as=d20 + son_ca),
        Drop(d23 + "MN Hoa Mi - bao cao CDS.xlsx", "79704", at(22, 14, 10)),
        Drop(d23 + "79705_Truong-Mam-non-Huong-Duong_Dot-1-nam-2025.xlsx", "79705", at(22, 15, 0)),
        Drop(d23 + "MN Tan Phong.xlsx", "79708", at(23, 8, 45), (drop_evidence(2, 79708),),
             mess="two evidence rows missing"),
        Drop("Zalo/BAO CAO CDS THCS LY PHONG.xlsx", "79907", at(23, 11, 0)),
        Drop("Zalo/Phiếu tự đánh giá_THCS Nguyễn Thị Thập.xlsx", "79908", at(23, 13, 20)),
        Drop("Zalo/THCS Tan Thuan.xlsx", "79909", at(23, 16, 40), (drop_evidence(1, 79909),),
             mess="one evidence row missing"),
        Drop(eml + "Phiếu CĐS - TH Đinh Bộ Lĩnh.xlsx", "79805", at(20, 17, 0), mess="mail attachment"),
        Drop(eml + "Phiếu CĐS - TH Nguyễn Thị Định.xlsx", "79807", at(20, 16, 30),
             mess="another school's file forwarded by 79805"),
        Drop(mbox + "thư 1.eml!Phiếu tự đánh giá - TH Nguyễn Văn Hưởng.xlsx", "79802", at(20, 15, 50),
             (leave_blank("1.4"),), fate="superseded", mess="first version: 1.4 left blank"),
        Drop(mbox + "thư 2.eml!Phiếu tự đánh giá - TH Nguyễn Văn Hưởng (đã sửa).xlsx", "79802", at(24, 10, 5),
             mess="resubmission, fixed"),
    ]
