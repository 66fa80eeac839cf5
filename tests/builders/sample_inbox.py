"""Builders: samples/inbox/ and samples/inbox-plan.json, written from the sample round (`sample_round`).

In: the round's drops and samples/danh-sach-truong.csv. Out: the inbox (loose workbooks, a zip, an .eml
and an .mbox, a stray .docx; each loose file dated when it arrived) and the plan: for every workbook its
school, rubric, the answers typed keyed as the scoring engine wants them, its expected fate, the expected
status of every submitting school and the schools expected to be missing. Every workbook is the office's
own template typed into with openpyxl (`workbook.saved_by_school`); answers come from a generator seeded
with the school code; dates are fixed, so two runs give byte-identical files — except the one file saved
by LibreOffice (LO_FILE), which writes its own timestamps.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import score
from cds_batch.templates.writer import write_school_template

from .answers import PRESCHOOL_RUBRIC, SCHOOL_RUBRIC, Answers, builtin, round_answers, scoring_answers
from .archives import docx_parts, stamp, zip_members
from .mail import XLSX_TYPE, mbox_bytes, message
from .office import resaved
from .sample_round import ISSUE, LO_FILE, MISSING, NEEDS_FIX, OFFICE, Drop, at, drops, nfc
from .workbook import saved_by_school

ROOT = Path(__file__).resolve().parents[2]
INBOX = ROOT / "samples" / "inbox"
PLAN = ROOT / "samples" / "inbox-plan.json"
ROSTER = ROOT / "samples" / "danh-sach-truong.csv"


# --- files other than workbooks ----------------------------------------------------------------------

def zip_of(members: list[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip of (name, bytes) in this order, every member dated `when` (local time, as zip stores it)."""
    return zip_members(((nfc(name), data, stamp(when)) for name, data in members), windows=True)


def mail(sender: str, who: str, when: datetime, subject: str, body: str,
         attachments: list[tuple[str, bytes]]) -> EmailMessage:
    """A school's mail with workbooks attached; Message-ID and boundary fixed so the bytes are stable."""
    headers = [("From", f"{who} <{sender}>"), ("To", OFFICE), ("Date", format_datetime(when)), ("Subject", subject),
               ("Message-ID", f"<{when:%Y%m%d%H%M}.{sender.split('@')[0]}@q7.edu.vn>")]
    return message(headers, body, [(nfc(name), data, XLSX_TYPE) for name, data in attachments],
                   f"==cds-sample-{when:%Y%m%d%H%M}==")


# --- the inbox -----------------------------------------------------------------------------------

class Maker:
    """Templates and rubrics of the round, and the workbooks made from them."""

    def __init__(self, workdir: Path) -> None:
        self.schools = {s.code: s for s in load_roster(ROSTER)}
        self.workdir = workdir

    def rubric(self, school: SchoolInfo) -> Rubric:
        return builtin(school.rubric or (PRESCHOOL_RUBRIC if school.code.startswith("797") else SCHOOL_RUBRIC))

    def workbook(self, drop: Drop) -> tuple[bytes, Rubric, Answers]:
        school = self.schools[drop.code]
        rubric = self.rubric(school)
        template = write_school_template(rubric, self.workdir, None if drop.blank_template else school, ISSUE)
        answers = round_answers(rubric, drop.code, min(drop.saved.day, 24))
        for tweak in drop.tweaks:
            tweak(rubric, answers)
        return saved_by_school(template, rubric, answers, drop.saved), rubric, answers


def write(path: Path, data: bytes, when: datetime) -> None:
    """A loose file, its modification time set to `when` (the tool's received time for it; git drops it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))


def build(keep_libreoffice: bool) -> dict[str, object]:
    """Write samples/inbox/ from scratch; return the plan."""
    have_soffice = shutil.which("soffice") is not None
    kept = INBOX / LO_FILE
    kept_bytes = kept.read_bytes() if (keep_libreoffice or not have_soffice) and kept.is_file() else None
    if kept_bytes is None and not have_soffice:
        sys.exit(f"LibreOffice (soffice) is needed to make {LO_FILE}; install it, or keep an existing copy.")
    shutil.rmtree(INBOX, ignore_errors=True)
    INBOX.mkdir(parents=True)
    files: dict[str, dict[str, object]] = {}
    made: dict[str, bytes] = {}
    members: dict[str, list[tuple[str, bytes]]] = {}
    with tempfile.TemporaryDirectory(prefix="cds_samples_") as tmp:
        maker = Maker(Path(tmp))
        for drop in drops():
            data, rubric, answers = maker.workbook(drop)
            container, _, member = drop.path.partition("!")
            if drop.path == LO_FILE:
                data = kept_bytes or libreoffice_ods(data)
            data = made.setdefault(drop.same_as or drop.path, data)   # a duplicate is the very same bytes
            if member:
                members.setdefault(container, []).append((member, data))
            else:
                write(INBOX / drop.path, data, drop.saved)
            files[nfc(drop.path)] = plan_entry(drop, rubric, answers)
    write_containers(members)
    letter = docx_parts("Kính gửi Phòng GDĐT Quận 7: trường THCS Huỳnh Tấn Phát gửi báo cáo tự đánh giá CĐS.")
    write(INBOX / "email 20-10/Công văn báo cáo CĐS - THCS Huỳnh Tấn Phát.docx", zip_of(letter, at(19, 17, 0)),
          at(20, 8, 30))
    status = {code: "needs_fix" if code in NEEDS_FIX else "valid" for code in sorted({d.code for d in drops()})}
    return {"round": ISSUE.round_label, "files": files, "missing": list(MISSING), "expected_status": status}


def libreoffice_ods(xlsx: bytes) -> bytes:
    """LO_FILE as LibreOffice saves it from the school's .xlsx."""
    try:
        return resaved(xlsx, Path(LO_FILE).stem + ".xlsx", "ods")
    except RuntimeError as exc:
        sys.exit(f"LibreOffice did not convert {LO_FILE}: {exc}")


def plan_entry(drop: Drop, rubric: Rubric, answers: Answers) -> dict[str, object]:
    def plain(v: object) -> object:
        return v.isoformat() if isinstance(v, date) else v

    return {"school": drop.code, "rubric": rubric.id, "answers": scoring_answers(rubric, answers.values),
            "fields": {k: plain(v) for k, v in sorted(answers.fields.items())}, "fate": drop.fate,
            "mess": drop.mess, "evidence_rows": len(answers.evidence)}


def write_containers(members: dict[str, list[tuple[str, bytes]]]) -> None:
    """The zip, the .eml and the .mbox, from the workbooks meant for them."""
    zip_name, eml_name, mbox_name = ("email 23-10/Tong hop MN cum 2.zip", "Fwd_ Bao cao CDS cum truong TH.eml",
                                     "Bao cao CDS (Thunderbird).mbox")
    write(INBOX / zip_name, zip_of(members[zip_name], at(23, 17, 30)), at(23, 17, 45))
    cluster = mail("th79805@q7.edu.vn", "Trường TH Đinh Bộ Lĩnh", at(21, 9, 12),
                   "Fwd: Báo cáo tự đánh giá chuyển đổi số - cụm trường TH Đinh Bộ Lĩnh",
                   "Kính gửi Phòng GDĐT Quận 7,\nTrường TH Đinh Bộ Lĩnh gửi phiếu tự đánh giá của trường và của "
                   "trường TH Nguyễn Thị Định (cùng cụm).\nTrân trọng.\n", members[eml_name])
    write(INBOX / eml_name, cluster.as_bytes(policy=SMTP), at(21, 9, 30))
    # The mbox members are "thư N.eml!<attachment>", as the discover stage names them.
    (first_name, first), (second_name, second) = members[mbox_name]
    who, subject = "Trường TH Nguyễn Văn Hưởng", "Báo cáo tự đánh giá CĐS - TH Nguyễn Văn Hưởng"
    messages = [
        mail("th79802@q7.edu.vn", who, at(20, 16, 5), subject,
             "Kính gửi Phòng GDĐT Quận 7,\nTrường gửi phiếu tự đánh giá chuyển đổi số đợt 1 năm 2025.\n",
             [(first_name.split("!", 1)[1], first)]),
        mail("th79802@q7.edu.vn", who, at(24, 10, 20), "Re: " + subject + " (gửi lại bản đã sửa)",
             "Kính gửi Phòng GDĐT Quận 7,\nTrường gửi lại phiếu đã bổ sung tiêu chí 1.4 theo góp ý.\n",
             [(second_name.split("!", 1)[1], second)]),
    ]
    write(INBOX / mbox_name, mbox_bytes(messages), at(24, 11, 0))


def summary(plan: dict[str, object]) -> None:
    """Print each workbook's school, fate and level, so a run shows the spread it made."""
    files = plan["files"]
    assert isinstance(files, dict)
    for path, entry in files.items():
        result = score(builtin(entry["rubric"]), entry["answers"])
        groups = " ".join(f"N{g.id}={float(g.score):g}/M{g.level}" for g in result.groups)
        print(f"{entry['school']} {entry['fate']:<10} Mức {result.overall_level}  {groups:<22} {path}")
