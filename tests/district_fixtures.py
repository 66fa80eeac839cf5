"""A small district built from dataclasses, for the report tests: every status and every kind of file.

    79701  Mầm non Hoa Sen        valid (quan7), levels 3; an earlier file with an error is superseded
    79702  Mầm non Tuổi Thơ       needs fix (quan7), levels 3 and 2: an error, a warning, an information
    79801  Tiểu học Lê Văn Tám    valid (national), 91.5 and 56 points, levels 3 and 2; one information only; in a .zip
    79802  Tiểu học N. V. Hưởng   needs fix (national), scored, levels 2 and 3: an error and a warning
    79803  Tiểu học Phù Đổng      missing
    79901  THCS Nguyễn Hữu Thọ    needs fix, not scored (another version of the rubric)
    79902  THCS Huỳnh Tấn Phát    missing
    80001  Tiểu học Ngoài DS      unlisted, valid (a warning: the code is not in the roster)
    unplaced: an unidentified workbook (error) and a workbook that is not our template (no finding)
    ledger extras: the .zip, a duplicate, a PDF, a rejected member

The submissions go through the real `consolidate`, so the ledger's fates and reasons are its own.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from cds_batch.district.consolidate import District, consolidate
from cds_batch.intake.discover import Entry, Fate, FileKind, TimeSource
from cds_batch.core.findings import Code, finding
from cds_batch.checking.examine import Submission
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric import load_rubric
from cds_batch.checking.score import score

from .builders.answers import sample_answers, scoring_answers

VN = timezone(timedelta(hours=7))
NATIONAL, QUAN7 = load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023")
RUBRICS = (NATIONAL, QUAN7)
OFFICE, ROUND = "Phòng GDĐT Quận 7", "Đợt 1 năm 2025"

ROSTER = (
    SchoolInfo("79701", "Trường Mầm non Hoa Sen", "Mầm non", "Phường Tân Thuận Đông", email="mn79701@q7.edu.vn",
               rubric=QUAN7.id),
    SchoolInfo("79702", "Trường Mầm non Tuổi Thơ", "Mầm non", "Phường Tân Thuận Tây", email="mn79702@q7.edu.vn",
               rubric=QUAN7.id),
    SchoolInfo("79801", "Trường Tiểu học Lê Văn Tám", "Tiểu học", "Phường Tân Thuận Đông", email="th79801@q7.edu.vn"),
    SchoolInfo("79802", "Trường Tiểu học Nguyễn Văn Hưởng", "Tiểu học", "Phường Tân Thuận Tây",
               email="th79802@q7.edu.vn"),
    SchoolInfo("79803", "Trường Tiểu học Phù Đổng", "Tiểu học", "Phường Tân Kiểng", email="th79803@q7.edu.vn"),
    SchoolInfo("79901", "Trường THCS Nguyễn Hữu Thọ", "Trung học cơ sở", "Phường Tân Thuận Đông",
               email="thcs79901@q7.edu.vn"),
    SchoolInfo("79902", "Trường THCS Huỳnh Tấn Phát", "Trung học cơ sở", "Phường Tân Thuận Tây",
               email="thcs79902@q7.edu.vn"),
)


def entry(source, when, *, kind=FileKind.XLSX, fate=None, reason="", parent="", sender="", size=24_576,
          time_source=TimeSource.MAIL_DATE):
    name = source.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return Entry(source, name, digest, size, when, time_source, sender, kind, parent, fate, reason,
                 Path(name) if fate is None else None)


def answered(rubric, blank=(), typed=None):
    """The sample answers of `rubric` keyed for scoring, with `blank` criteria left empty and `typed` changed."""
    answers = scoring_answers(rubric, sample_answers(rubric))
    for key in blank:
        answers[key] = None
    answers.update(typed or {})
    return answers


def submission(e, code, rubric, findings=(), *, blank=(), typed=None, scored=True, in_roster=True):
    answers = answered(rubric, blank, typed)
    return Submission(e, None, school_code=code, in_roster=in_roster, rubric_id=rubric.id,
                      school_fields={"CDS_SCHOOL_CODE": code}, answers=answers,
                      result=score(rubric, answers) if scored else None, findings=tuple(findings))


def at(day, hour, minute=0):
    """A time in October 2025, Vietnam time (as a mail's Date header gives it)."""
    return datetime(2025, 10, day, hour, minute, tzinfo=VN)


def build():
    """(entries, submissions): the inbox of the sample district, in discovery order."""
    zip_src = "inbox/dot1-tieu-hoc.zip"
    e = {
        "hoa_sen_old": entry("inbox/Hoa Sen lần 1.xlsx", at(1, 8), sender="mn79701@q7.edu.vn"),
        "hoa_sen": entry("inbox/Hoa Sen lần 2.xlsx", at(3, 14, 5), sender="mn79701@q7.edu.vn"),
        "tuoi_tho": entry("inbox/thu-79702.eml!Phiếu CĐS Tuổi Thơ.xlsx", at(2, 9, 30), parent="inbox/thu-79702.eml",
                          sender="mn79702@q7.edu.vn"),
        "zip": entry(zip_src, at(2, 10), kind=FileKind.ZIP, fate=Fate.CONTAINER, reason="Đã mở: 2 tệp bên trong"),
        "le_van_tam": entry(f"{zip_src}!79801.xlsx", at(2, 7, 45), parent=zip_src,
                            time_source=TimeSource.ARCHIVE_MEMBER),
        "pdf": entry(f"{zip_src}!Báo cáo.pdf", at(2, 7, 50), kind=FileKind.OTHER, parent=zip_src,
                     fate=Fate.NOT_A_WORKBOOK, reason="Tệp PDF: không phải bảng tính"),
        # An input file: its time is the file's mtime, kept in UTC by discover (08:30 in Vietnam).
        "huong": entry("inbox/79802.xlsx", datetime(2025, 10, 2, 1, 30, tzinfo=timezone.utc),
                       time_source=TimeSource.FILE_MTIME),
        "huong_copy": entry("inbox/79802 - Copy.xlsx", at(2, 8, 31), fate=Fate.DUPLICATE,
                            reason="Trùng nội dung với inbox/79802.xlsx", time_source=TimeSource.FILE_MTIME),
        "huu_tho": entry("inbox/79901 cũ.xlsx", at(2, 16)),
        "unlisted": entry("inbox/80001.xlsx", at(3, 8)),
        "unknown": entry("inbox/Phiếu không tên.xlsx", at(3, 9)),
        "foreign": entry("inbox/Danh sách lớp.xlsx", at(3, 9, 15)),
        "bomb": entry("inbox/nen.zip!bom.xlsx", at(3, 10), fate=Fate.REJECTED,
                      reason="Vượt giới hạn: tỉ lệ nén quá 200 lần (nghi là bom nén)", parent="inbox/nen.zip"),
    }
    f = {k: v.source for k, v in e.items()}
    subs = [
        submission(e["hoa_sen_old"], "79701", QUAN7, [
            finding(Code.E201, file=f["hoa_sen_old"], sheet="Nhóm 1", cell="E6", detail="1.2a", expected="số điểm")],
            blank=("1.2a",)),
        submission(e["hoa_sen"], "79701", QUAN7),
        submission(e["tuoi_tho"], "79702", QUAN7, [
            finding(Code.E206, file=f["tuoi_tho"], sheet="Nhóm 1", cell="E5", value="co", detail="1.1",
                    expected="Đạt hoặc Không đạt"),
            finding(Code.E301, file=f["tuoi_tho"], sheet="Nhóm 2", cell="E9", value="2.2", detail="Kế hoạch",
                    expected="5"),
            finding(Code.E201, file=f["tuoi_tho"], sheet="Nhóm 1", cell="E7", detail="1.2b",
                    expected="số điểm từ 0 đến 10")], blank=("1.2b", "2.3a", "2.4.1")),
        submission(e["le_van_tam"], "79801", NATIONAL, [
            finding(Code.E206, file=f["le_van_tam"], sheet="Nhóm 2", cell="E12", value="co", detail="2.3.1",
                    expected="Có hoặc Không")], typed={"1.4": 7.5, "2.3.1": 0, "2.3.2": 0, "2.3.3": 0, "2.4.1": 0}),
        submission(e["huong"], "79802", NATIONAL, [
            finding(Code.E208, file=f["huong"], sheet="Nhóm 1", cell="F30", value="80", detail="1", expected="62"),
            finding(Code.E203, file=f["huong"], sheet="Nhóm 1", cell="E9", value="15", detail="1.3.1",
                    expected="số điểm từ 0 đến 6")], blank=("1.3.1", "1.6.1", "1.7.1", "1.7.2", "1.5.1")),
        submission(e["huu_tho"], "79901", NATIONAL, [
            finding(Code.E113, file=f["huu_tho"], value="0123456789ab", expected=NATIONAL.short_hash,
                    detail=NATIONAL.id)], scored=False),
        submission(e["unlisted"], "80001", NATIONAL, [
            finding(Code.E404, file=f["unlisted"], sheet="Thông tin chung", cell="B4", value="80001")],
            in_roster=False),
        Submission(e["unknown"], Fate.UNIDENTIFIED, "Không xác định được tệp này của trường nào.",
                   school_fields={"CDS_SCHOOL_NAME": "Trường Không Rõ"},
                   findings=(finding(Code.E403, file=f["unknown"], sheet="Thông tin chung", cell="B4",
                                     detail="không có mã trường, tên trường không khớp danh sách"),)),
        Submission(e["foreign"], Fate.NOT_OUR_TEMPLATE, "Bảng tính không phải phiếu tự đánh giá của công cụ."),
    ]
    # 80001 is not in the roster: consolidate takes its name from what the file says.
    subs[6] = replace(subs[6], school_fields={"CDS_SCHOOL_CODE": "80001", "CDS_SCHOOL_NAME": "Trường Tiểu học Ngoài "
                      "Danh Sách", "CDS_SCHOOL_LEVEL": "Tiểu học", "CDS_COMMUNE": "Phường Phú Mỹ"})
    return list(e.values()), subs


def district() -> District:
    entries, subs = build()
    return consolidate(entries, subs, ROSTER)


def sheet_rows(path, sheet):
    """The values of a sheet as openpyxl reads them (formulas as text), one tuple per row."""
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def cached_rows(path, sheet):
    """The values of a sheet as a reader that does not recalculate sees them (formula results as stored)."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
