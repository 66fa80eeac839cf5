"""Build samples/inbox/: the inbox of a district round (Quận 7, "Đợt 1 năm 2025") with the mess of real rounds.

Usage: python scripts/make_samples.py [--keep-libreoffice]

Every workbook is made the way a school makes it: the office's own template (`cds_batch.templates.writer`)
with answers typed into its named cells (openpyxl stands in for the person). Answers come from a
`random.Random` seeded with the school code, so they vary per school (Mức 1, 2 and 3 all occur) and
are the same on every run. Dates are fixed, xlsx files are re-zipped with fixed member times, and
zips, mails and the mbox carry fixed dates, so two runs give byte-identical files — except the one
file saved by LibreOffice, which writes its own timestamps. That file is converted again on every
run, unless `--keep-libreoffice` is given or `soffice` is not installed; then the copy already in
samples/inbox/ is kept (it must exist). Re-convert it after changing how school 79709's answers
are made. samples/inbox/ is wiped and rebuilt on every run, so no stale file survives.

The inbox (24 of the 30 schools of samples/danh-sach-truong.csv submit; 32 ledger entries):

email 20-10/  (files the office saved from its mailbox on 20/10)
  MN Hoa Sen_tu danh gia CDS.xlsx ......... 79701, condition 2.2 "Không đạt": group 2 scores 0 (valid, Mức 1)
  phieu tu danh gia.xlsx .................. 79702, the generic name people give a file
  Phiếu tự đánh giá CĐS - MN Sơn Ca.xlsx .. 79703, diacritics in the name; the same bytes are also in the zip
  BC CDS TH Le Van Tam.xlsx ............... 79801
  Bao cao CDS - TH Phu Dong (sua lan 2).xlsx  79803, "second edit" in the name; one evidence row missing
  TH Tân Quy.xlsx ......................... 79810
  79901_Truong-THCS-Nguyen-Huu-Tho_Dot-1-nam-2025.xlsx  79901, kept the name the office issued
  Công văn báo cáo CĐS - THCS Huỳnh Tấn Phát.docx  79902's cover letter sent instead of the workbook
email 22-10/
  Phiếu CĐS MN Vàng Anh.xlsx .............. 79707, still wrong: 1.2a = 18 (max 15) and 2.3a a text that is
                                            not an option; its only file, so the office must send it back
  MN Phú Mỹ - phiếu tự đánh giá.ods ....... 79709, opened and saved as .ods by LibreOffice
  TH Kim Dong - tu danh gia CDS.xlsx ...... 79806
  phieu tu danh gia.xlsx .................. 79808, same name as 79702's file in another folder;
                                            condition 1.2 "Không đạt": group 1 scores 0 (valid, Mức 1)
  THCS Huynh Tan Phat - gui lai file Excel.xlsx  79902, the workbook after the mistaken .docx
  Báo cáo chuyển đổi số THCS Phạm Hữu Lầu.xlsx  79903
  THCS Tran Quoc Tuan (nhap).xlsx ......... 79904, half filled: group 2 left blank (needs fix)
  Mau phieu CDS - THCS Nguyen Hien.xlsx ... 79906, made from the blank template: the school typed its
                                            code and name, and the report date as text
email 23-10/
  Tong hop MN cum 2.zip ................... a cluster leader's zip: "MN cụm 2/" + the files of 79703 (exact
                                            duplicate of the loose one), 79704, 79705 (issued name), 79708
                                            (two evidence rows missing)
Zalo/  (files downloaded from the Zalo group; plain files, received time = file time)
  BAO CAO CDS THCS LY PHONG.xlsx .......... 79907
  Phiếu tự đánh giá_THCS Nguyễn Thị Thập.xlsx  79908
  THCS Tan Thuan.xlsx ..................... 79909, one evidence row missing
Fwd_ Bao cao CDS cum truong TH.eml ........ an exported mail from 79805's address (the cluster leader) with
                                            two attachments with Vietnamese RFC 2231 names: 79805 and 79807
Bao cao CDS (Thunderbird).mbox ............ two mails from 79802: 20/10 with 1.4 left blank, 24/10 the fixed
                                            file (the resubmission: both times are in the mail Date headers,
                                            which git keeps, unlike file times)

Missing (send nothing): 79706, 79710, 79804, 79809, 79905, 79910.

samples/inbox-plan.json records, for every workbook written (path relative to samples/inbox; members
as "container!member", mbox attachments as "x.mbox!thư N.eml!name" as the discover stage names them),
the school, the rubric, the answers typed keyed as the scoring engine wants them, the expected fate of
the file, the expected status of every submitting school and the schools expected to be missing.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime
from fractions import Fraction
from pathlib import Path
from typing import Callable

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cds_batch.form import layout as L  # noqa: E402  (after the path is set, when run as a script)
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES  # noqa: E402
from cds_batch.rubric.roster import SchoolInfo  # noqa: E402
from cds_batch.reading.roster_file import load_roster  # noqa: E402
from cds_batch.rubric import load_rubric  # noqa: E402
from cds_batch.rubric.model import Criterion, Kind, Rubric  # noqa: E402
from cds_batch.checking.score import score  # noqa: E402
from cds_batch.templates.text import Issue  # noqa: E402
from cds_batch.templates.writer import write_school_template  # noqa: E402

INBOX = ROOT / "samples" / "inbox"
PLAN = ROOT / "samples" / "inbox-plan.json"
ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
ISSUE = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")
VN = timezone(timedelta(hours=7))            # Vietnam, UTC+7 all year
OFFICE = "Phòng GDĐT Quận 7 <cds@q7.edu.vn>"
LO_FILE = "email 22-10/MN Phú Mỹ - phiếu tự đánh giá.ods"
MISSING = ("79706", "79710", "79804", "79809", "79905", "79910")
NEEDS_FIX = ("79707", "79904")   # their only (or latest) file has errors; every other submitting school is valid
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CONTACTS = ("Nguyễn Thị Hòa, Phó Hiệu trưởng", "Trần Văn Minh, Hiệu trưởng", "Lê Thị Thu Hà, Phó Hiệu trưởng",
            "Phạm Quốc Bảo, giáo viên Tin học", "Võ Thị Ngọc Anh, Phó Hiệu trưởng",
            "Huỳnh Văn Tài, nhân viên văn phòng")
PLACES = ("Văn phòng nhà trường", "Tủ hồ sơ Phó Hiệu trưởng", "Google Drive của trường, thư mục CĐS 2025",
          "Phần mềm quản lý văn bản của trường")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A fixed moment of October 2025 in Vietnam time."""
    return datetime(2025, 10, day, hour, minute, tzinfo=VN)


# --- answers: what a school types ----------------------------------------------------------------

@dataclass
class Answers:
    """One school's workbook content: defined name → value typed, and the evidence index rows."""

    values: dict[str, object]
    evidence: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)   # CDS_CONTACT_NAME … (Thông tin chung)


def quantise(x: float, c: Criterion) -> int | float:
    """A points answer of a careful school: 0..max in the criterion's step, an int when whole."""
    step = c.step or Fraction(1)
    top = c.max_points
    points = min(top, max(Fraction(0), Fraction(round(Fraction(x) * top / step)) * step))
    return int(points) if points.denominator == 1 else float(points)


def nearest_option(c: Criterion, target: float) -> str:
    """The option whose points are closest to `target` × the maximum (ties: the lower one)."""
    top = float(c.max_points) or 1.0
    return min(c.options, key=lambda o: (abs(float(o.points) / top - target), o.points)).label


def band_value(c: Criterion, target: float) -> int:
    """A count or percentage that falls in the band closest to `target` × the maximum points."""
    top = float(c.max_points) or 1.0
    band = min(c.bands, key=lambda b: (abs(float(b.points) / top - target), b.points))
    lo = band.interval.lo + (0 if band.interval.lo_inclusive else 1)
    return int(lo) if lo.denominator == 1 else int(lo) + 1


def typed_answers(rubric: Rubric, rng: random.Random, strength: float) -> dict[str, object]:
    """Every answer cell filled: each criterion near the school's `strength`, with some noise."""
    values: dict[str, object] = {}
    for group in rubric.groups:
        for c in group.criteria:
            target = min(1.0, max(0.0, strength + rng.uniform(-0.15, 0.15)))
            if c.kind is Kind.CONDITION:
                values[L.value_name(c.code)] = CONDITION_YES
            elif c.kind is Kind.POINTS:
                values[L.value_name(c.code)] = quantise(target, c)
            elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
                values[L.value_name(c.code)] = band_value(c, target)
            elif c.options:   # choice, or checklist with a base option
                values[L.value_name(c.code)] = nearest_option(c, target)
            for n in range(1, len(c.items) + 1):
                values[L.item_name(c.code, n)] = ITEM_YES if rng.random() < strength + 0.1 else ITEM_NO
    return values


def claims_something(c: Criterion, value: object) -> bool:
    """Whether a school would list evidence for this answer: a condition met, points above 0, an option."""
    if value in (None, "", CONDITION_NO, 0):
        return False
    zero = {o.label for o in c.options if o.points == 0}
    return value not in zero


def evidence_rows(rubric: Rubric, values: dict[str, object], rng: random.Random) -> list[tuple[str, ...]]:
    """One evidence index row per criterion the school claims, numbered as the guide says."""
    rows = []
    for group in rubric.groups:
        for c in group.criteria:
            if not claims_something(c, values.get(L.value_name(c.code))):
                continue
            title = c.evidence[0] if c.evidence else c.name
            number = f"{rng.randint(12, 240)}/KH-{c.code.replace('.', '')} ngày {rng.randint(5, 28):02d}/09/2025"
            rows.append((L.evidence_code_example(c.code), c.code, title, number, rng.choice(PLACES)))
    return rows


def school_answers(rubric: Rubric, code: str, report_day: int) -> Answers:
    """The answers of school `code`, drawn from its own seeded generator (same on every run)."""
    rng = random.Random(int(code))
    strength = rng.uniform(0.3, 1.0)
    values = typed_answers(rubric, rng, strength)
    rows = evidence_rows(rubric, values, rng)
    for row in rows:   # the school also writes the evidence code beside each answer
        values[L.evidence_name(row[1])] = row[0]
    phone = "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    fields = {"CDS_CONTACT_NAME": rng.choice(CONTACTS), "CDS_CONTACT_PHONE": phone,
              "CDS_REPORT_DATE": date(2025, 10, report_day)}
    return Answers(values, rows, fields)


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


# --- writing a workbook ---------------------------------------------------------------------------

def fixed_zip(data: bytes, when: datetime, patch: Callable[[str, bytes], bytes] = lambda n, b: b) -> bytes:
    """`data` (a zip: xlsx, ods, docx) re-zipped with fixed member times, same order, deflated.

    openpyxl and zipfile stamp members with the current time; fixed times make the bytes stable.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0   # as written on Windows, and the same on every platform
            dst.writestr(info, patch(member.filename, src.read(member.filename)))
    return out.getvalue()


def cache_totals(rubric: Rubric, wb: openpyxl.Workbook, answers: dict[str, object]) -> Callable[[str, bytes], bytes]:
    """A zip patch that stores each group total's result, as Excel does when it saves.

    openpyxl keeps formulas but drops their results; the reader would then note every file as
    'never calculated', which no school's Excel file is. The number is the tool's own score of
    the answers, which is what the template's formula gives for them.
    """
    result = score(rubric, answers)
    cached: dict[str, dict[str, str]] = {}
    for g in rubric.groups:
        (sheet, ref), = wb.defined_names[L.total_name(g.id)].destinations
        member = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
        total = result.group(g.id).score
        text = str(int(total)) if total.denominator == 1 else repr(float(total))
        cached.setdefault(member, {})[ref.replace("$", "")] = text

    def patch(name: str, data: bytes) -> bytes:
        for ref, value in cached.get(name, {}).items():
            pattern = re.compile(rf'(<c r="{ref}"[^>]*>\s*<f>.*?</f>)\s*(?:<v\s*/>|<v></v>)'.encode(), re.S)
            data, count = pattern.subn(lambda m: m.group(1) + f"<v>{value}</v>".encode(), data)
            assert count == 1, (name, ref)
        return data
    return patch


def scoring_keys(rubric: Rubric, values: dict[str, object]) -> dict[str, object]:
    """The typed answers keyed as the scoring engine wants them (criterion code, '2.3a_1')."""
    keys: dict[str, object] = {}
    for group in rubric.groups:
        for spec in L.group_rows(group):
            c = spec.criterion
            name = L.item_name(c.code, spec.n) if spec.kind is L.RowKind.ITEM else L.value_name(c.code)
            if name in values:
                keys[spec.key] = values[name]
    return keys


def put(wb: openpyxl.Workbook, name: str, value: object) -> None:
    (sheet, ref), = wb.defined_names[name].destinations
    wb[sheet][ref.replace("$", "")] = value


def fill(template: Path, rubric: Rubric, a: Answers, saved: datetime) -> bytes:
    """Type `a` into the named cells of `template`; return the saved workbook's bytes."""
    wb = openpyxl.load_workbook(template)
    for name, value in {**a.values, **a.fields}.items():
        put(wb, name, value)
    (sheet, ref), = wb.defined_names[L.EVIDENCE_NAME].destinations
    ws = wb[sheet]
    first = ws[ref.replace("$", "").split(":")[0]]
    for r, row in enumerate(a.evidence, start=first.row + 1):   # the range's first row is the header
        for c, value in enumerate(row, start=first.column):
            ws.cell(row=r, column=c, value=value)
    wb.properties.created = L.DOCUMENT_DATE
    wb.properties.lastModifiedBy = str(a.fields["CDS_CONTACT_NAME"]).split(",")[0]
    buf = io.BytesIO()
    wb.save(buf)
    totals = cache_totals(rubric, wb, scoring_keys(rubric, a.values))
    return fixed_zip(buf.getvalue(), saved, lambda name, data: totals(name, fix_modified(name, data, saved)))


def fix_modified(name: str, data: bytes, saved: datetime) -> bytes:
    """docProps/core.xml with the school's save time: openpyxl's save() always stamps the current time
    into wb.properties.modified, so setting it beforehand has no effect."""
    if name != "docProps/core.xml":
        return data
    stamp = f"{saved.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}".encode()   # core.xml is in UTC
    data, count = re.subn(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m.group(1) + stamp, data)
    assert count == 1, name
    return data


# --- other files of the inbox ----------------------------------------------------------------------

def docx_bytes(text: str, when: datetime) -> bytes:
    """A minimal Word file: enough for the tool to see a .docx, not a workbook."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
             'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
             'main+xml"/></Types>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return zip_of([("[Content_Types].xml", types.encode()), ("word/document.xml", body.encode())], when)


def zip_of(members: list[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip of (name, bytes) in this order, every member dated `when` (local time, as zip stores it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(nfc(name), date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            z.writestr(info, data)
    return out.getvalue()


def mail(sender: str, who: str, when: datetime, subject: str, body: str,
         attachments: list[tuple[str, bytes]]) -> EmailMessage:
    """A school's mail with workbooks attached; Message-ID and boundary fixed so the bytes are stable."""
    msg = EmailMessage()
    msg["From"] = f"{who} <{sender}>"
    msg["To"] = OFFICE
    msg["Date"] = format_datetime(when)
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{when:%Y%m%d%H%M}.{sender.split('@')[0]}@q7.edu.vn>"
    msg.set_content(body)
    for name, data in attachments:   # a non-ASCII name becomes an RFC 2231 filename*= parameter
        msg.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=nfc(name))
    msg.set_boundary(f"==cds-sample-{when:%Y%m%d%H%M}==")   # else the generator draws a random one
    return msg


def mbox_of(messages: list[EmailMessage]) -> bytes:
    """An mbox (mboxo): a 'From ' line with the sender and UTC time before each message."""
    out = b""
    for msg in messages:
        sender = msg["From"].addresses[0].addr_spec
        when = msg["Date"].datetime.astimezone(timezone.utc)
        text = re.sub(rb"^(>*From )", rb">\1", msg.as_bytes(policy=default), flags=re.M)
        out += f"From {sender} {when:%a %b %d %H:%M:%S %Y}\n".encode() + text.rstrip(b"\n") + b"\n\n"
    return out


def libreoffice_ods(xlsx: bytes, name: str) -> bytes:
    """`xlsx` opened and saved as .ods by headless LibreOffice, with a private profile."""
    with tempfile.TemporaryDirectory(prefix="cds_samples_") as tmp:
        src = Path(tmp) / name
        src.write_bytes(xlsx)
        profile = Path(tmp) / "profile"
        cmd = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "ods", "--outdir", str(Path(tmp) / "out"), str(src)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        target = Path(tmp) / "out" / f"{src.stem}.ods"
        if not target.is_file():
            sys.exit(f"LibreOffice did not convert {name}: {done.stdout} {done.stderr}")
        return target.read_bytes()


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


class Maker:
    """Templates and rubrics of the round, and the workbooks made from them."""

    def __init__(self, workdir: Path) -> None:
        self.schools = {s.code: s for s in load_roster(ROSTER)}
        self.rubrics: dict[str, Rubric] = {}
        self.workdir = workdir

    def rubric(self, school: SchoolInfo) -> Rubric:
        rid = school.rubric or ("quan7-mamnon-2023" if school.code.startswith("797") else "qd4725-phothong")
        if rid not in self.rubrics:
            self.rubrics[rid] = load_rubric(rid)
        return self.rubrics[rid]

    def workbook(self, drop: Drop) -> tuple[bytes, Rubric, Answers]:
        school = self.schools[drop.code]
        rubric = self.rubric(school)
        template = write_school_template(rubric, self.workdir, None if drop.blank_template else school, ISSUE)
        answers = school_answers(rubric, drop.code, min(drop.saved.day, 24))
        for tweak in drop.tweaks:
            tweak(rubric, answers)
        return fill(template, rubric, answers, drop.saved), rubric, answers


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
                data = kept_bytes or libreoffice_ods(data, Path(LO_FILE).stem + ".xlsx")
            data = made.setdefault(drop.same_as or drop.path, data)   # a duplicate is the very same bytes
            if member:
                members.setdefault(container, []).append((member, data))
            else:
                write(INBOX / drop.path, data, drop.saved)
            files[nfc(drop.path)] = plan_entry(drop, rubric, answers)
    write_containers(members)
    write(INBOX / "email 20-10/Công văn báo cáo CĐS - THCS Huỳnh Tấn Phát.docx",
          docx_bytes("Kính gửi Phòng GDĐT Quận 7: trường THCS Huỳnh Tấn Phát gửi báo cáo tự đánh giá CĐS.",
                     at(19, 17, 0)), at(20, 8, 30))
    status = {code: "needs_fix" if code in NEEDS_FIX else "valid" for code in sorted({d.code for d in drops()})}
    return {"round": ISSUE.round_label, "files": files, "missing": list(MISSING), "expected_status": status}


def plan_entry(drop: Drop, rubric: Rubric, answers: Answers) -> dict[str, object]:
    def plain(v: object) -> object:
        return v.isoformat() if isinstance(v, date) else v

    return {"school": drop.code, "rubric": rubric.id, "answers": scoring_keys(rubric, answers.values),
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
    write(INBOX / mbox_name, mbox_of(messages), at(24, 11, 0))


def summary(plan: dict[str, object]) -> None:
    """Print each workbook's school, fate and level, so a run shows the spread it made."""
    rubrics = {rid: load_rubric(rid) for rid in ("quan7-mamnon-2023", "qd4725-phothong")}
    files = plan["files"]
    assert isinstance(files, dict)
    for path, entry in files.items():
        result = score(rubrics[entry["rubric"]], entry["answers"])
        groups = " ".join(f"N{g.id}={float(g.score):g}/M{g.level}" for g in result.groups)
        print(f"{entry['school']} {entry['fate']:<10} Mức {result.overall_level}  {groups:<22} {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-libreoffice", action="store_true",
                        help=f"keep the existing {LO_FILE} instead of converting it again")
    args = parser.parse_args()
    plan = build(args.keep_libreoffice)
    PLAN.write_text(json.dumps(plan, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    summary(plan)


if __name__ == "__main__":
    main()
