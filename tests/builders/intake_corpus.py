"""Builders: the intake corpus of issue 5 — a district inbox with one of every case, built from code.

In: a folder. Out: `folder/inbox` and `folder/roster.csv`, and a `Corpus`: what each ledger line must end
as, and what must be read from each workbook the office can use.

Filled workbooks are the office's own templates typed into with openpyxl (a person at a keyboard),
then saved by real LibreOffice: the plain .xlsx, .ods and .xls saves in one `soffice_batch` start per
format, and the edits only an office suite makes (rows inserted above the answers, so the defined
names move; a save with a password) in one LibreOffice session driven over UNO. The four starts run
side by side. Containers, mail and the other broken or stray files come from `archives`, `cfb`, `mail`.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cds_batch.form import layout as L
from cds_batch.district.consolidate import Status
from cds_batch.intake.discover import Fate
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric
from cds_batch.templates.writer import write_school_template

from .answers import PRESCHOOL_RUBRIC, SCHOOL_RUBRIC, answer_names, builtin, sample_answers, scoring_answers
from .archives import docx_bytes, nested_zip, xlsx_bytes
from .cfb import encrypted_package, outlook_msg
from .corpus_plan import write_roster
from .mail import eml_bytes, mbox_bytes
from .office import UnoJob, libreoffice_edit, soffice_batch
from .sample_round import ISSUE
from .workbook import fill, values_only_copy, without_sheet

ROUND = ISSUE.round_label

PHO_THONG, MAM_NON = SCHOOL_RUBRIC, PRESCHOOL_RUBRIC
MAIL_DATE = "Mon, 06 Oct 2025 08:15:00 +0700"

# "Trường THCS Nguyễn Trãi" typed in a .VnTime font: TCVN3 keeps 'ư' as U+00AD (soft hyphen).
TCVN3_NAME = "Tr\u00adêng THCS NguyÔn Tr·i"
TCVN3_FONT = ".VnTime"
# Rows LibreOffice inserts in the rows-inserted workbook: (sheet, 0-based row index, count).
# Each is above answer cells (on 'Nhóm 2' above the header too), so every name below moves.
INSERTIONS: tuple[tuple[str, int, int], ...] = (("Thông tin chung", 3, 1), ("Nhóm 1", 5, 2), ("Nhóm 2", 1, 3))
PASSWORD = "matkhau2025"

ROSTER = (
    SchoolInfo("79001", "Trường Tiểu học Lê Lợi", "Tiểu học", "Phường Tân Phong", "Quận 7", "TP Hồ Chí Minh",
               "leloi@example.edu.vn", PHO_THONG),
    SchoolInfo("79002", "Trường Mầm non Hoa Sen", "Mầm non", "Phường Tân Phong", "Quận 7", "TP Hồ Chí Minh",
               "hoasen@example.edu.vn", MAM_NON),
    SchoolInfo("79003", "Trường THCS Nguyễn Du", "THCS", "Phường Tân Quy", "Quận 7", "TP Hồ Chí Minh",
               "nguyendu@example.edu.vn", PHO_THONG),
    SchoolInfo("79004", "Trường Tiểu học Phú Mỹ", "Tiểu học", "Phường Phú Mỹ", "Quận 7", "TP Hồ Chí Minh",
               "phumy@example.edu.vn", PHO_THONG),
    SchoolInfo("79005", "Trường Mầm non Sơn Ca", "Mầm non", "Phường Tân Kiểng", "Quận 7", "TP Hồ Chí Minh",
               "sonca@example.edu.vn", MAM_NON),
    SchoolInfo("79006", "Trường THPT Lê Thánh Tôn", "THPT", "Phường Tân Kiểng", "Quận 7", "TP Hồ Chí Minh",
               "lethanhton@example.edu.vn", PHO_THONG),
    SchoolInfo("79007", "Trường Tiểu học Đinh Bộ Lĩnh", "Tiểu học", "Phường Bình Thuận", "Quận 7",
               "TP Hồ Chí Minh", "dinhbolinh@example.edu.vn", PHO_THONG),
    SchoolInfo("79008", "Trường Mầm non Vàng Anh", "Mầm non", "Phường Bình Thuận", "Quận 7", "TP Hồ Chí Minh",
               "vanganh@example.edu.vn", MAM_NON),
    SchoolInfo("79009", "Trường THCS Huỳnh Tấn Phát", "THCS", "Phường Tân Thuận Đông", "Quận 7",
               "TP Hồ Chí Minh", "huynhtanphat@example.edu.vn", PHO_THONG),
    SchoolInfo("79010", "Trường Mầm non Tuổi Thơ", "Mầm non", "Phường Tân Thuận Tây", "Quận 7", "TP Hồ Chí Minh",
               "tuoitho@example.edu.vn", MAM_NON),
    SchoolInfo("79011", "Trường THCS Nguyễn Trãi", "THCS", "Phường Tân Hưng", "Quận 7", "TP Hồ Chí Minh",
               "nguyentrai@example.edu.vn", PHO_THONG),
    SchoolInfo("79012", "Trường Tiểu học Lương Thế Vinh", "Tiểu học", "Phường Tân Hưng", "Quận 7",
               "TP Hồ Chí Minh", "luongthevinh@example.edu.vn", PHO_THONG),
    SchoolInfo("79013", "Trường THPT Tân Phong", "THPT", "Phường Tân Phong", "Quận 7", "TP Hồ Chí Minh",
               "tanphong@example.edu.vn", PHO_THONG),
)


@dataclass(frozen=True)
class Reading:
    """What must be read from one workbook: its school, its rubric and the answers typed into it."""

    school: str
    rubric: str
    answers: dict[str, object]            # answer key → value written (answered keys only)
    blank: tuple[str, ...] = ()           # answer keys left blank on purpose


@dataclass(frozen=True)
class Corpus:
    folder: Path
    inbox: Path
    roster: tuple[SchoolInfo, ...]
    roster_csv: Path
    fates: dict[str, Fate]                # every ledger source (relative to `folder`) → its final fate
    readings: dict[str, Reading]          # source → what must be read from it (every `used` workbook)
    statuses: dict[str, Status]           # school code → its status after consolidation
    roles: dict[str, str] = field(default_factory=dict)   # "tcvn3", "names_lost", … → source

    def source(self, ledger_source: str) -> str:
        """A ledger source as the keys of `fates` spell it: relative to the corpus folder (discover
        starts the source of an absolute input at the input's own name, 'inbox/…')."""
        assert ledger_source.startswith(f"{self.inbox.name}/"), ledger_source
        return ledger_source


def rubrics() -> dict[str, Rubric]:
    return {rid: builtin(rid) for rid in (PHO_THONG, MAM_NON)}


# --- the corpus ----------------------------------------------------------------------------------


def build_corpus(folder: Path) -> Corpus:
    """Write the inbox and the roster under `folder`; return what the pipeline must make of them."""
    inbox, work = folder / "inbox", folder / "work"
    for sub in ("templates", "typed", "lo-xlsx", "lo-ods", "lo-xls", "lo-edit"):
        (work / sub).mkdir(parents=True)
    inbox.mkdir()
    by_id = rubrics()
    schools = {s.code: s for s in ROSTER}
    typed: dict[str, Path] = {}
    written: dict[str, dict[str, object]] = {}   # typed stem → defined name → value

    def typed_file(stem: str, code: str, values: dict[str, object] | None = None,
                   fonts: dict[str, str] | None = None) -> Path:
        school = schools[code]
        rubric = by_id[school.rubric]
        blank = write_school_template(rubric, work / "templates" / stem, school, ISSUE)
        chosen = dict(sample_answers(rubric), CDS_REPORT_DATE=date(2025, 10, 3)) if values is None else values
        typed[stem] = fill(blank, work / "typed" / f"{stem}.xlsx", chosen, fonts=fonts)
        written[stem] = chosen
        return typed[stem]

    for stem, code in (("s79001", "79001"), ("s79003", "79003"), ("s79004", "79004"), ("s79005", "79005"),
                       ("s79006", "79006"), ("s79007", "79007"), ("s79008", "79008"), ("s79009", "79009"),
                       ("s79010", "79010"), ("s79013", "79013"), ("s79002", "79002")):
        typed_file(stem, code)
    full = dict(sample_answers(by_id[PHO_THONG]), CDS_REPORT_DATE=date(2025, 10, 3))
    typed_file("s79011", "79011", dict(full, CDS_SCHOOL_NAME=TCVN3_NAME), fonts={"CDS_SCHOOL_NAME": TCVN3_FONT})
    names = answer_names(by_id[PHO_THONG])
    left_blank = names[len(names) // 2:]
    typed_file("s79012", "79012", {k: v for k, v in full.items() if k not in left_blank})

    edits = [UnoJob(typed["s79004"], work / "lo-edit" / "s79004.xlsx", insert=INSERTIONS),
             UnoJob(typed["s79013"], work / "lo-edit" / "s79013.xls", password=PASSWORD),
             UnoJob(typed["s79013"], work / "lo-edit" / "s79013.ods", password=PASSWORD)]
    as_xlsx = [typed[s] for s in ("s79001", "s79005", "s79006", "s79007", "s79009", "s79010", "s79011",
                                  "s79012", "s79013")]
    with ThreadPoolExecutor(max_workers=4) as pool:   # four LibreOffice starts, each with its own profile
        jobs: list[Future[Any]] = [
            pool.submit(soffice_batch, as_xlsx, "xlsx", work / "lo-xlsx"),
            pool.submit(soffice_batch, [typed["s79002"], typed["s79008"]], "ods", work / "lo-ods"),
            pool.submit(soffice_batch, [typed["s79003"]], "xls", work / "lo-xls"),
            pool.submit(libreoffice_edit, edits)]
        for job in jobs:
            job.result()

    def lo(stem: str, fmt: str) -> bytes:
        return (work / f"lo-{fmt}" / f"{stem}.{fmt}").read_bytes()

    def edited(name: str) -> bytes:
        return (work / "lo-edit" / name).read_bytes()

    lost = values_only_copy(work / "lo-xlsx" / "s79005.xlsx", work / "s79005-copy-with-meta.xlsx")
    lost = without_sheet(lost, work / "s79005-copy.xlsx", L.SHEET_META)
    mail_two = eml_bytes([("Công văn số 15.pdf", b"%PDF-1.4 cong van")], "huynhtanphat@example.edu.vn",
                         "Tue, 07 Oct 2025 09:00:00 +0700")
    files: dict[str, bytes] = {
        "79001 Tiểu học Lê Lợi.xlsx": lo("s79001", "xlsx"),
        "79002 Mầm non Hoa Sen.ods": lo("s79002", "ods"),
        "79003 THCS Nguyễn Du.xls": lo("s79003", "xls"),
        "79004 chèn dòng.xlsx": edited("s79004.xlsx"),
        "79005 chép sang tệp mới.xlsx": lost.read_bytes(),
        "79011 phông TCVN3.xlsx": lo("s79011", "xlsx"),
        "79012 điền dở.xlsx": lo("s79012", "xlsx"),
        "79013 bảo vệ.xls": edited("s79013.xls"),
        "79013 bảo vệ.ods": edited("s79013.ods"),
        "79013 tải dở.xlsx": lo("s79013", "xlsx")[: len(lo("s79013", "xlsx")) // 2],
        "Bảng lương tháng 9.xlsx": xlsx_bytes("Bảng lương tháng 9"),
        "Công văn trả lời.docx": docx_bytes(),
        "hộp thư.mbox": mbox_bytes([
            eml_bytes([("Báo cáo CĐS 79009.xlsx", lo("s79009", "xlsx"))], "huynhtanphat@example.edu.vn",
                      MAIL_DATE),
            mail_two]),
        "Bảo vệ Excel.xlsx": encrypted_package(),
        "nộp bài.zip": nested_zip(2, lo("s79006", "xlsx")),
        "Outlook 79010.msg": outlook_msg([("Phiếu tự đánh giá 79010.xlsx", lo("s79010", "xlsx"))],
                                         "tuoitho@example.edu.vn", MAIL_DATE),
        "thư trường.eml": eml_bytes([("Báo cáo chuyển đổi số Đinh Bộ Lĩnh.xlsx", lo("s79007", "xlsx")),
                                     ("Phiếu Mầm non Vàng Anh.ods", lo("s79008", "ods"))],
                                    "dinhbolinh@example.edu.vn", MAIL_DATE),
        "Gửi lại/79001 Tiểu học Lê Lợi (bản sao).xlsx": lo("s79001", "xlsx"),
    }
    for name, data in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(data)

    def reading(stem: str, code: str, blank: tuple[str, ...] = ()) -> Reading:
        rubric = by_id[schools[code].rubric]
        return Reading(code, rubric.id, scoring_answers(rubric, written[stem]),
                       tuple(scoring_answers(rubric, {n: None for n in blank})))

    i = "inbox/"
    readings = {
        i + "79001 Tiểu học Lê Lợi.xlsx": reading("s79001", "79001"),
        i + "79002 Mầm non Hoa Sen.ods": reading("s79002", "79002"),
        i + "79003 THCS Nguyễn Du.xls": reading("s79003", "79003"),
        i + "79004 chèn dòng.xlsx": reading("s79004", "79004"),
        i + "79005 chép sang tệp mới.xlsx": reading("s79005", "79005"),
        i + "79011 phông TCVN3.xlsx": reading("s79011", "79011"),
        i + "79012 điền dở.xlsx": reading("s79012", "79012", tuple(left_blank)),
        i + "hộp thư.mbox!thư 1.eml!Báo cáo CĐS 79009.xlsx": reading("s79009", "79009"),
        i + "nộp bài.zip!tang2.zip!bao_cao.xlsx": reading("s79006", "79006"),
        i + "Outlook 79010.msg!Phiếu tự đánh giá 79010.xlsx": reading("s79010", "79010"),
        i + "thư trường.eml!Báo cáo chuyển đổi số Đinh Bộ Lĩnh.xlsx": reading("s79007", "79007"),
        i + "thư trường.eml!Phiếu Mầm non Vàng Anh.ods": reading("s79008", "79008"),
    }
    fates = {source: Fate.USED for source in readings}
    fates.update({
        i + "79013 bảo vệ.xls": Fate.UNREADABLE,
        i + "79013 bảo vệ.ods": Fate.UNREADABLE,
        i + "79013 tải dở.xlsx": Fate.UNREADABLE,
        i + "Bảng lương tháng 9.xlsx": Fate.NOT_OUR_TEMPLATE,
        i + "Công văn trả lời.docx": Fate.NOT_A_WORKBOOK,
        i + "hộp thư.mbox": Fate.CONTAINER,
        i + "hộp thư.mbox!thư 1.eml": Fate.CONTAINER,
        i + "hộp thư.mbox!thư 2.eml": Fate.CONTAINER,
        i + "hộp thư.mbox!thư 2.eml!Công văn số 15.pdf": Fate.NOT_A_WORKBOOK,
        i + "Bảo vệ Excel.xlsx": Fate.UNREADABLE,
        i + "nộp bài.zip": Fate.CONTAINER,
        i + "nộp bài.zip!tang2.zip": Fate.CONTAINER,
        i + "Outlook 79010.msg": Fate.CONTAINER,
        i + "thư trường.eml": Fate.CONTAINER,
        i + "Gửi lại/79001 Tiểu học Lê Lợi (bản sao).xlsx": Fate.DUPLICATE,
    })
    statuses = {s.code: Status.VALID for s in ROSTER}
    statuses.update({"79012": Status.NEEDS_FIX, "79013": Status.MISSING})
    roles = {
        "tcvn3": i + "79011 phông TCVN3.xlsx",
        "names_lost": i + "79005 chép sang tệp mới.xlsx",
        "rows_inserted": i + "79004 chèn dòng.xlsx",
        "half_filled": i + "79012 điền dở.xlsx",
        "password_xls": i + "79013 bảo vệ.xls",
        "password_ods": i + "79013 bảo vệ.ods",
        "password_xlsx": i + "Bảo vệ Excel.xlsx",
        "truncated": i + "79013 tải dở.xlsx",
        "docx": i + "Công văn trả lời.docx",
        "duplicate": i + "Gửi lại/79001 Tiểu học Lê Lợi (bản sao).xlsx",
        "original": i + "79001 Tiểu học Lê Lợi.xlsx",
        "eml": i + "thư trường.eml",
    }
    roster_csv = write_roster(folder / "roster.csv", ROSTER)
    return Corpus(folder, inbox, ROSTER, roster_csv, fates, readings, statuses, roles)
