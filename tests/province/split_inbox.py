"""Builders: a small merged province's round, its inbox filed by unit — three communes' schools and the
Sở's own THPT schools — with the mess of a real round in it.

In: a folder. Out: `folder/ds-truong-tinh.csv` (the province roster, with "Đơn vị quản lý"), one roster
slice per unit (`folder/ds-<slug>.csv`, the same rows), and `folder/hop-thu/<slug>/`: what each unit's
office received. Every workbook is the school's template typed into with openpyxl and saved with fixed
dates (`workbook.saved_by_school`), so two builds give the same bytes. In the inbox:
- loose workbooks (each dated when it arrived), a zip of two schools' files, a mail (.eml) with two
  attachments, a mailbox (.mbox) in which one school sends twice, the second time corrected;
- a resubmission as two loose files of one school, the later one with a forgotten answer (the office
  uses the later, to fix), and a truncated workbook, a letter (.docx) and an empty file (not used);
- a school of xã Bình Minh whose mail went to xã An Hòa's office (there it is outside the roster);
- schools that sent nothing, in three of the four units.
"""
from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.policy import SMTP
from pathlib import Path

from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.text import Issue
from cds_batch.templates.writer import write_school_template

from tests.builders.answers import PRESCHOOL_RUBRIC, SCHOOL_RUBRIC, builtin, round_answers
from tests.builders.archives import docx_bytes
from tests.builders.mail import XLSX_TYPE, mbox_bytes, message
from tests.builders.sample_inbox import write, zip_of
from tests.builders.sample_round import leave_blank
from tests.builders.workbook import saved_by_school

VN = timezone(timedelta(hours=7))
ROUND = "Đợt 1 năm học 2026-2027"
PROVINCE = "Tỉnh Ninh Bình"
SO = "Sở GDĐT Ninh Bình"
AN_HOA, BINH_MINH, CAT_TIEN = "UBND xã An Hòa", "UBND xã Bình Minh", "UBND phường Cát Tiên"
UNITS = {AN_HOA: "xa-an-hoa", BINH_MINH: "xa-binh-minh", CAT_TIEN: "phuong-cat-tien", SO: "so-gddt"}
HEADER = ("Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Tỉnh/Thành phố", "Email", "Bộ chỉ số", "Đơn vị quản lý")
WRONG_OFFICE = "37202"   # a school of xã Bình Minh that mailed xã An Hòa's office


def _schools() -> list[SchoolInfo]:
    rows = []
    for n, (unit, place) in enumerate(((AN_HOA, "Xã An Hòa"), (BINH_MINH, "Xã Bình Minh"),
                                       (CAT_TIEN, "Phường Cát Tiên")), start=1):
        for k, (level, kind) in enumerate((("Mầm non", "Mầm non Hoa Sen"), ("Mầm non", "Mầm non Sơn Ca"),
                                           ("Tiểu học", "Tiểu học Kim Đồng"), ("Tiểu học", "Tiểu học Lê Lợi"),
                                           ("THCS", "THCS Nguyễn Du")), start=1):
            code = f"37{n}0{k}"
            rows.append(SchoolInfo(code, f"Trường {kind} {place.split(' ', 1)[1]}", level, place, "", PROVINCE,
                                   f"c{code}@ninhbinh.edu.vn",
                                   PRESCHOOL_RUBRIC if level == "Mầm non" else SCHOOL_RUBRIC, unit))
    for k, name in enumerate(("Trường THPT Hoa Lư", "Trường THPT Yên Khánh", "Trường THPT Kim Sơn"), start=1):
        rows.append(SchoolInfo(f"3790{k}", name, "THPT", "Phường Cát Tiên", "", PROVINCE, f"thpt{k}@ninhbinh.edu.vn",
                               SCHOOL_RUBRIC, SO))
    return rows


SCHOOLS = _schools()
BY_CODE = {s.code: s for s in SCHOOLS}
MISSING = ("37105", "37204", "37903")   # sent nothing at all


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=VN)


@dataclass(frozen=True)
class Built:
    roster: Path
    slices: dict[str, Path]     # unit → its roster slice
    inbox: Path
    folders: dict[str, Path]    # unit → what its office received


def write_roster(path: Path, schools: list[SchoolInfo]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerows((s.code, s.name, s.level, s.commune, s.province, s.email, s.rubric, s.unit) for s in schools)
    return path


class _Workbooks:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def __call__(self, code: str, saved: datetime, *, blank: str = "") -> bytes:
        """School `code`'s workbook saved at `saved`; `blank`: the criterion it forgot to answer."""
        school = BY_CODE[code]
        rubric = builtin(school.rubric)
        issue = Issue(ROUND, school.unit, "30/10/2026")
        (self.workdir / code).mkdir(exist_ok=True)
        template = write_school_template(rubric, self.workdir / code, school, issue)
        answers = round_answers(rubric, code, saved.day)
        if blank:
            leave_blank(blank)(rubric, answers)
        return saved_by_school(template, rubric, answers, saved)


def _mail(sender: str, who: str, to: str, when: datetime, subject: str,
          attachments: list[tuple[str, bytes]]) -> bytes:
    headers = [("From", f"{who} <{sender}>"), ("To", to), ("Date", when.strftime("%a, %d %b %Y %H:%M:%S %z")),
               ("Subject", subject), ("Message-ID", f"<{when:%Y%m%d%H%M}.{sender.split('@')[0]}@ninhbinh.edu.vn>")]
    return message(headers, f"Kính gửi {to},\nTrường gửi phiếu tự đánh giá chuyển đổi số.\n",
                   [(name, data, XLSX_TYPE) for name, data in attachments],
                   f"==cds-tinh-{when:%Y%m%d%H%M}==").as_bytes(policy=SMTP)


def build(folder: Path) -> Built:
    """Write the roster, its slices and the inbox into `folder`."""
    roster = write_roster(folder / "ds-truong-tinh.csv", SCHOOLS)
    slices = {unit: write_roster(folder / f"ds-{slug}.csv", [s for s in SCHOOLS if s.unit == unit])
              for unit, slug in UNITS.items()}
    inbox = folder / "hop-thu"
    boxes = {unit: inbox / slug for unit, slug in UNITS.items()}
    with tempfile.TemporaryDirectory(prefix="cds_tinh_") as tmp:
        wb = _Workbooks(Path(tmp))
        # xã An Hòa: loose files, a resubmission with a forgotten answer, a zip, a truncated file, and the
        # mail of a Bình Minh school that chose the wrong office.
        a = boxes[AN_HOA]
        write(a / "MN Hoa Sen An Hoa.xlsx", wb("37101", at(5, 9)), at(5, 10))
        write(a / "TH Kim Dong - phieu CDS.xlsx", wb("37103", at(6, 14)), at(6, 15))
        write(a / "TH Kim Dong - phieu CDS (gui lai).xlsx", wb("37103", at(9, 8), blank="1.2"), at(9, 8, 30))
        write(a / "Cum MN-TH An Hoa.zip", zip_of([("Son Ca.xlsx", wb("37102", at(7, 10))),
                                                  ("Le Loi.xlsx", wb("37104", at(7, 11)))], at(7, 16)), at(7, 17))
        broken = wb("37104", at(8, 9))
        write(a / "Le Loi ban sua.xlsx", broken[:len(broken) // 2], at(8, 10))   # cut short in the download
        write(a / "Bao cao MN Son Ca Binh Minh.eml",
              _mail(f"c{WRONG_OFFICE}@ninhbinh.edu.vn", BY_CODE[WRONG_OFFICE].name, AN_HOA, at(8, 16),
                    "Báo cáo tự đánh giá CĐS", [("MN Son Ca.xlsx", wb(WRONG_OFFICE, at(8, 15)))]), at(8, 16, 5))
        # xã Bình Minh: a mailbox where one school sends twice (the second corrected), a needs-fix file, a letter.
        b = boxes[BINH_MINH]
        first = _mail("c37203@ninhbinh.edu.vn", BY_CODE["37203"].name, BINH_MINH, at(5, 8),
                      "Phiếu CĐS", [("TH Kim Dong.xlsx", wb("37203", at(5, 7), blank="1.1"))])
        again = _mail("c37203@ninhbinh.edu.vn", BY_CODE["37203"].name, BINH_MINH, at(10, 8),
                      "Re: Phiếu CĐS (đã sửa)", [("TH Kim Dong (da sua).xlsx", wb("37203", at(10, 7)))])
        write(b / "Thu CDS (Thunderbird).mbox", mbox_bytes([first, again]), at(10, 9))
        write(b / "MN Hoa Sen.xlsx", wb("37201", at(6, 9), blank="1.3"), at(6, 10))
        write(b / "THCS Nguyen Du.xlsx", wb("37205", at(6, 11)), at(6, 12))
        write(b / "Cong van gui UBND xa.docx", docx_bytes("Kính gửi UBND xã Bình Minh"), at(6, 12))
        # phường Cát Tiên: one mail with two attachments, loose files, an empty file.
        c = boxes[CAT_TIEN]
        write(c / "Fwd_ Phieu CDS cum Cat Tien.eml",
              _mail("c37301@ninhbinh.edu.vn", BY_CODE["37301"].name, CAT_TIEN, at(9, 9), "Fwd: Phiếu CĐS cụm",
                    [("MN Hoa Sen.xlsx", wb("37301", at(9, 8))), ("MN Son Ca.xlsx", wb("37302", at(9, 7)))]),
              at(9, 9, 5))
        for code, day in (("37303", 6), ("37304", 7), ("37305", 8)):
            write(c / f"{code}.xlsx", wb(code, at(day, 10), blank="2.1" if code == "37305" else ""), at(day, 11))
        write(c / "phieu.xlsx", b"", at(9, 12))
        # the Sở's own THPT schools: loose files and a zip.
        s = boxes[SO]
        write(s / "THPT Hoa Lu.xlsx", wb("37901", at(4, 9)), at(4, 10))
        write(s / "THPT Yen Khanh.zip", zip_of([("THPT Yen Khanh.xlsx", wb("37902", at(5, 9)))], at(5, 10)),
              at(5, 11))
    return Built(roster, slices, inbox, boxes)
