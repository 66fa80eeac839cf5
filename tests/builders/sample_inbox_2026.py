"""Builders: the 2026–2027 samples' folders (samples/xa-hai-thinh/, samples/tinh-lam-hong/), written from
their rounds (`sample_rounds_2026`).

In: a `Sample`. Out, in samples/<folder>/: danh-sach-truong.csv (the office's roster), per unit a
hop-thu/ inbox (loose workbooks, zips, saved mails, files that are not workbooks; each loose file dated
when it arrived) and, in a province, per unit its own roster beside its inbox; and inbox-plan.json:
for every workbook its school, rubric, the answers typed keyed as the scoring engine wants them and its
expected fate, the other files' fates, the expected status of every school. Every workbook is the
office's own template typed into with openpyxl (`workbook.saved_by_school`); answers come from a
generator seeded with the school code; dates are fixed, so two builds give byte-identical files.
"""
from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import datetime
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.writer import write_school_template

from .answers import Answers, builtin, round_answers
from .archives import docx_parts, stamp, zip_members
from .mail import XLSX_TYPE, MimeType, message
from .sample_inbox import plan_entry, write
from .sample_round import Drop, nfc
from .sample_rounds_2026 import PROVINCE, ROUND, Mail, Other, Sample, School, Unit
from .workbook import saved_by_school

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ROSTER, INBOX, PLAN = "danh-sach-truong.csv", "hop-thu", "inbox-plan.json"
PDF_TYPE: MimeType = ("application", "pdf")


# --- rosters ----------------------------------------------------------------------------------------------

def write_roster(path: Path, schools: tuple[School, ...], units: dict[str, str] | None) -> None:
    """The roster as a commune office keeps it (no Quận/Huyện since July 2025); with `units` (school
    code → unit) the column "Đơn vị quản lý" the Sở adds. UTF-8 with a BOM, as Excel saves a CSV."""
    header = ["STT", "Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Tỉnh/Thành phố", "Email"]
    header += ["Đơn vị quản lý"] if units else []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(header + ["Bộ chỉ số"])
        for n, s in enumerate(schools, 1):
            row = [str(n), s.code, s.full_name, s.level, s.commune, PROVINCE, s.email]
            out.writerow(row + ([units[s.code]] if units else []) + [s.rubric])


# --- workbooks and the files around them ------------------------------------------------------------------

class Maker:
    """The workbooks of one unit, each made from the unit's own template for the school."""

    def __init__(self, unit: Unit, roster: Path, workdir: Path) -> None:
        self.unit = unit
        self.schools: dict[str, SchoolInfo] = {s.code: s for s in load_roster(roster)}
        self.workdir = workdir

    def workbook(self, drop: Drop) -> tuple[bytes, str, Answers]:
        school = self.schools[drop.code]
        rubric = builtin(school.rubric)
        template = write_school_template(rubric, self.workdir, None if drop.blank_template else school,
                                         self.unit.issue)
        answers = round_answers(rubric, drop.code, 1)
        answers.fields["CDS_REPORT_DATE"] = drop.saved.date()
        for tweak in drop.tweaks:
            tweak(rubric, answers)
        return saved_by_school(template, rubric, answers, drop.saved), rubric.id, answers


def other_bytes(other: Other, maker: Maker) -> bytes:
    if other.kind == "pdf":   # the smallest PDF: a scan's container with no page content
        return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")
    if other.kind == "docx":
        name = maker.schools[other.code].name
        return zip_members(((n, d, stamp(other.when)) for n, d in docx_parts(
            f"Kính gửi {maker.unit.office}: {name} gửi báo cáo tự đánh giá chuyển đổi số.")), windows=True)
    if other.kind == "truncated":
        data, _, _ = maker.workbook(Drop(other.path, other.code, other.when))
        return data[:len(data) * 2 // 5]
    raise ValueError(other.kind)


def mail_bytes(unit: Unit, mail: Mail, school: School, attachments: list[tuple[str, bytes, MimeType]]) -> bytes:
    headers = [("From", f"{school.full_name} <{school.email}>"), ("To", f"{unit.office} <{unit.domain}>"),
               ("Date", format_datetime(mail.when)), ("Subject", mail.subject),
               ("Message-ID", f"<{mail.when:%Y%m%d%H%M}.{school.code}@lamhong.edu.vn>")]
    msg = message(headers, mail.body, [(nfc(n), d, t) for n, d, t in attachments],
                  f"==cds-sample-{school.code}-{mail.when:%Y%m%d%H%M}==")
    return msg.as_bytes(policy=SMTP)


def write_unit(unit: Unit, root: Path, roster: Path, workdir: Path, plan: dict[str, dict[str, object]],
               others: dict[str, dict[str, str]]) -> None:
    """The unit's inbox under `root`/hop-thu; the plan's entries keyed by path relative to the sample."""
    inbox, prefix = root / INBOX, (f"{unit.folder}/" if unit.folder else "") + INBOX + "/"
    maker = Maker(unit, roster, workdir)
    members: dict[str, list[tuple[str, bytes, datetime, MimeType]]] = {}
    for drop in unit.drops:
        data, rubric_id, answers = maker.workbook(drop)
        container, _, member = drop.path.partition("!")
        if member:
            members.setdefault(container, []).append((member, data, drop.saved, XLSX_TYPE))
        else:
            write(inbox / drop.path, data, drop.saved)
        entry = plan_entry(drop, builtin(rubric_id), answers)
        plan[nfc(prefix + drop.path)] = entry
    for other in unit.others:
        data = other_bytes(other, maker)
        container, _, member = other.path.partition("!")
        if member:
            members.setdefault(container, []).append((member, data, other.when, PDF_TYPE))
        else:
            write(inbox / other.path, data, other.when)
        others[nfc(prefix + other.path)] = {"fate": other.fate, "mess": other.mess}
    by_code = {s.code: s for s in unit.schools}
    for z in unit.zips:
        write(inbox / z.path, zip_members(((nfc(n), d, stamp(w)) for n, d, w, _ in members[z.path]), windows=True),
              z.arrived)
    for m in unit.mails:
        attachments = [(n, d, t) for n, d, _, t in members[m.path]]
        write(inbox / m.path, mail_bytes(unit, m, by_code[m.sender], attachments), m.when)


def build(sample: Sample) -> dict[str, object]:
    """Write samples/<folder>/ from scratch (its rosters and inboxes); return the plan."""
    base = SAMPLES / sample.folder
    shutil.rmtree(base, ignore_errors=True)
    units = {s.code: u.office for u in sample.units for s in u.schools}
    write_roster(base / ROSTER, sample.schools, units if sample.unit_column else None)
    files: dict[str, dict[str, object]] = {}
    others: dict[str, dict[str, str]] = {}
    runs = []
    with tempfile.TemporaryDirectory(prefix="cds_samples_") as tmp:
        for unit in sample.units:
            root = base / unit.folder
            roster = base / ROSTER
            if unit.folder:   # a unit of a province keeps its own roster; the Sở's own schools name their unit
                roster = root / ROSTER
                own = {s.code: unit.office for s in unit.schools} if unit.office == sample.office else None
                write_roster(roster, unit.schools, own)
            write_unit(unit, root, roster, Path(tmp), files, others)
            runs.append({"office": unit.office, "folder": unit.folder,
                         "roster": roster.relative_to(base).as_posix(),
                         "inbox": (root / INBOX).relative_to(base).as_posix()})
    status = {code: "valid" for u in sample.units for code in sorted({d.code for d in u.drops})}
    status.update({code: "needs_fix" for u in sample.units for code in u.needs_fix})
    missing = sorted(code for u in sample.units for code in u.missing)
    return {"round": ROUND, "office": sample.office, "units": runs, "files": files, "others": others,
            "missing": missing, "expected_status": dict(sorted(status.items()))}
