"""The province summary workbook (tong-hop-tinh.xlsx): districts ranked, criteria, every school.

In: a `Province` from `province.roll_up`, and the rubrics known (for criterion names).
Out: one XlsxWriter workbook, A4 on every sheet, deterministic bytes, written atomically.
Sheets: Theo đơn vị (counts per level, average, rank, chart), Công nhận (the external review's
outcome per district; only when some school was reviewed), Tiêu chí (average points per criterion
per district), Các trường (every school with its district, and its decision and recognised level
when some school was reviewed), Cần xem (findings).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import xlsxwriter

from cds_batch.core.atomic import atomic_path
from cds_batch.form.layout import DOCUMENT_DATE
from cds_batch.district.consolidate import Status
from cds_batch.province.rollup import Province, RecognitionCounts, combined
from cds_batch.district.recognition import Decision
from cds_batch.reports.book import TextSheet, header_text
from cds_batch.reports.labels import SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.contract import (
    PROVINCE_SHEET_CRITERIA, PROVINCE_SHEET_DISTRICTS, PROVINCE_SHEET_FINDINGS, PROVINCE_SHEET_RECOGNITION,
    PROVINCE_SHEET_SCHOOLS, SchoolRecord
)
from cds_batch.rubric.model import Rubric


class _Book:
    def __init__(self, wb: Any, title: str) -> None:
        self.wb = wb
        self.title = title
        base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                                   "align": "center", "valign": "vcenter"})
        self.text = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.int = wb.add_format({**base, "border": 1, "num_format": "0"})
        self.dec = wb.add_format({**base, "border": 1, "num_format": "0.00"})
        self.pct = wb.add_format({**base, "border": 1, "num_format": "0.0%"})
        self.big = wb.add_format({**base, "bold": True, "font_size": 14})

    def sheet(self, name: str, widths: Sequence[float], header: Sequence[str], landscape: bool = True) -> Any:
        ws = self.wb.add_worksheet(name, worksheet_class=TextSheet)
        ws.set_paper(9)
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer(f"&L{header_text(self.title, 200)}&RTrang &P/&N")
        ws.write_string(0, 0, f"{self.title} — {name}", self.big)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        for col, text in enumerate(header):   # district names among them: text, never a formula or link
            ws.write_string(2, col, text, self.head)
        ws.repeat_rows(2)
        ws.freeze_panes(3, 0)
        return ws

    def row(self, ws: Any, r: int, values: Sequence[object]) -> None:
        for c, v in enumerate(values):
            if isinstance(v, Fraction):
                ws.write_number(r, c, float(v), self.dec)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v, self.int if isinstance(v, int) else self.dec)
            else:
                ws.write_string(r, c, "" if v is None else str(v), self.text)

    def percent(self, ws: Any, r: int, c: int, share: Fraction | None) -> None:
        if share is None:
            ws.write_string(r, c, "", self.text)
        else:
            ws.write_number(r, c, float(share), self.pct)


def write_province(province: Province, rubrics: Sequence[Rubric], target: Path, *, title: str) -> None:
    """Write the province workbook to `target` atomically."""
    with atomic_path(target) as tmp:
        # Names and codes come from the districts' files: never turn one into a number, formula or link.
        wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": title, "created": DOCUMENT_DATE, "author": "cds_batch"})
        book = _Book(wb, title)
        _districts(book, province)
        if province.has_recognition:   # without any review the workbook stays as it always was
            _recognition(book, province)
        _criteria(book, province, rubrics)
        _schools(book, province)
        _findings(book, province)
        wb.close()


def _districts(book: _Book, p: Province) -> None:
    levels = [f"{g} M{n}" for g in ("Nhóm 1", "Nhóm 2", "Chung") for n in (1, 2, 3)]
    header = ["Hạng", "Đơn vị", "Số trường", "Đã nộp", "Hợp lệ", "Cần sửa", "Chưa nộp", *levels,
              "Chưa xếp mức", "Điểm TB (% tối đa)"]
    ws = book.sheet(PROVINCE_SHEET_DISTRICTS, [6, 26] + [8] * (len(header) - 3) + [11], header)
    r = 3
    for d in p.districts:
        counts = [d.levels[k][n] for k in ("g1", "g2", "overall") for n in (1, 2, 3)]
        book.row(ws, r, [d.rank, d.name, d.schools, d.submitted, d.valid, d.needs_fix, d.missing, *counts,
                         d.levels["overall"][0], d.average_percent])
        r += 1
    book.row(ws, r, ["", "Toàn tỉnh", *(sum(getattr(d, k) for d in p.districts)
                                        for k in ("schools", "submitted", "valid", "needs_fix", "missing")),
                     *(sum(d.levels[k][n] for d in p.districts) for k in ("g1", "g2", "overall") for n in (1, 2, 3)),
                     sum(d.levels["overall"][0] for d in p.districts), None])
    ws.write_string(r + 2, 0, "Hạng theo điểm trung bình của các trường đã chấm (trung bình % điểm tối đa của hai "
                              "nhóm); mức của trường Cần sửa là mức tạm tính.", book.text)
    if p.districts:
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "Điểm TB (% tối đa)", "categories": [PROVINCE_SHEET_DISTRICTS, 3, 1, r - 1, 1],
                          "values": [PROVINCE_SHEET_DISTRICTS, 3, len(header) - 1, r - 1, len(header) - 1]})
        chart.set_legend({"none": True})
        chart.set_title({"name": "Điểm trung bình theo đơn vị"})
        ws.insert_chart(r + 4, 1, chart, {"x_scale": 1.6, "y_scale": 1.2})


RECOGNITION_HEADER = ["Đơn vị", "Đã chấm", "Công nhận M1", "Công nhận M2", "Công nhận M3", "Yêu cầu bổ sung",
                      "Không công nhận", "Chưa có quyết định", "Chưa đánh giá ngoài",
                      "Công nhận khác mức tự đánh giá (số)", "Tỉ lệ khác mức (%)"]
RECOGNITION_NOTE = ("Đã chấm: trường đã nộp và có điểm tự đánh giá. Tỉ lệ khác mức = số trường được công nhận ở "
                    "mức khác mức tự đánh giá / số trường được công nhận; để trống khi chưa có trường nào được "
                    "công nhận.")


def _recognition(book: _Book, p: Province) -> None:
    ws = book.sheet(PROVINCE_SHEET_RECOGNITION, [26] + [10] * 8 + [14, 11], RECOGNITION_HEADER)
    for r, d in enumerate(p.districts, start=3):
        _recognition_row(book, ws, r, d.name, d.recognition)
    total = 3 + len(p.districts)
    _recognition_row(book, ws, total, "Toàn tỉnh", combined(d.recognition for d in p.districts))
    ws.write_string(total + 2, 0, RECOGNITION_NOTE, book.text)


def _recognition_row(book: _Book, ws: Any, r: int, name: str, c: RecognitionCounts) -> None:
    book.row(ws, r, [name, c.scored, c.levels[1], c.levels[2], c.levels[3], c.more_evidence, c.not_recognised,
                     c.undecided, c.not_reviewed, c.differing])
    book.percent(ws, r, len(RECOGNITION_HEADER) - 1, c.share)


def _criteria(book: _Book, p: Province, rubrics: Sequence[Rubric]) -> None:
    names = {(r.id, c.code): c.name for r in rubrics for g in r.groups for c in g.criteria}
    districts = [d.name for d in p.districts]
    ws = book.sheet(PROVINCE_SHEET_CRITERIA, [18, 8, 40] + [10] * len(districts),
                    ["Bộ chỉ số", "Mã", "Tiêu chí", *districts])
    for r, ((rid, code), by) in enumerate(sorted(p.criteria.items(), key=lambda kv: (kv[0][0], _code_key(kv[0][1]))),
                                          start=3):
        book.row(ws, r, [rid, code, names.get((rid, code), ""), *(by.get(d) for d in districts)])


def _code_key(code: str) -> list[Any]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.replace("_", ".").split(".")]


def _schools(book: _Book, p: Province) -> None:
    reviewed = p.has_recognition
    header = ["Đơn vị", SCHOOL_CODE, SCHOOL_NAME, "Cấp học", "Điểm N1", "Mức N1", "Điểm N2", "Mức N2",
              "Mức chung", "Trạng thái"] + (["Quyết định", "Mức công nhận"] if reviewed else [])
    widths = [22, 10, 34, 12, 8, 7, 8, 7, 8, 14] + ([16, 10] if reviewed else [])
    ws = book.sheet(PROVINCE_SHEET_SCHOOLS, widths, header)
    for r, s in enumerate(p.schools, start=3):
        groups = {g["id"]: g for g in s.get("groups") or []}
        cells: list[object] = [s["district"], s.get("school_code"), s.get("school_name"), s.get("level_of_education")]
        for gid in (1, 2):
            g = groups.get(gid)
            cells += [g["score"], g["level"]] if g else [None, None]
        cells += [s.get("overall_level"), describe_status(str(s.get("status")))]
        book.row(ws, r, cells + (_review_cells(s) if reviewed else []))
    ws.autofilter(2, 0, max(2, 2 + len(p.schools)), len(header) - 1)


def describe_status(value: str) -> str:
    return Status(value).label if value in Status._value2member_map_ else value


def _review_cells(s: SchoolRecord) -> list[object]:
    """Quyết định and Mức công nhận of one school; empty when it was not reviewed."""
    review = s.get("recognition")
    if not isinstance(review, dict):   # null, or absent in an older results.json
        return [None, None]
    return [describe_decision(review.get("decision")), review.get("recognised_level")]


def describe_decision(value: object) -> str:
    """The Vietnamese label of a decision; empty when there is none yet."""
    if value is None:
        return ""
    return Decision(value).label if value in Decision._value2member_map_ else str(value)


def _findings(book: _Book, p: Province) -> None:
    ws = book.sheet(PROVINCE_SHEET_FINDINGS, [40, 8, 12, 80], ["Tệp / thư mục", "Mã", "Mức độ", "Nội dung"])
    if not p.findings:
        ws.write_string(3, 0, "Không có vấn đề nào cần xem.", book.text)
    for r, f in enumerate(p.findings, start=3):
        book.row(ws, r, [f.file, f.code.name, f.severity.value, f.message])
