"""The province summary workbook (tong-hop-tinh.xlsx): units ranked, criteria, every school, every input.

In: a `Province` from `province.roll_up`, and the rubrics known (for criterion names).
Out: one workbook written with the district summary's toolkit (`reports.book`): A4 landscape, a
title and a wrapped note above each table, headers as tall as their words, the header row repeated
on every page, one page wide unless that would shrink the type (a column per unit), then at a
readable scale across pages with the key columns repeated. Deterministic bytes, written atomically.
Sheets: Theo đơn vị (counts per level, average, rank, a unit of the roster that sent nothing marked,
chart), Công nhận (the external review's outcome per unit; only when some school was reviewed), Tiêu chí
(average points per criterion per unit), Các trường (every school with its unit, and its decision and
recognised level
when some school was reviewed), Cần xem (findings, among them every input not used, with its
reason), Sổ nhận file (every input and what became of it).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from cds_batch.core.atomic import atomic_path
from cds_batch.district.consolidate import Status
from cds_batch.district.recognition import NOT_ELIGIBLE, Decision
from cds_batch.province.rollup import Province, RecognitionCounts, combined
from cds_batch.reports.book import READABLE_WIDTH, Book
from cds_batch.reports.contract import (
    PROVINCE_SHEET_CRITERIA, PROVINCE_SHEET_DISTRICTS, PROVINCE_SHEET_FINDINGS, PROVINCE_SHEET_RECOGNITION,
    PROVINCE_SHEET_SCHOOLS, SHEET_LEDGER, SchoolRecord
)
from cds_batch.reports.labels import SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.standing import records_standing
from cds_batch.reports.tables import Column, Look, Table, TableCell, entries_table
from cds_batch.reports.units import PROVINCE_UNIT_COLUMNS
from cds_batch.rubric.model import Rubric

TOP = 2   # the header row of every table: under the title (row 0) and its note (row 1)


def write_province(province: Province, rubrics: Sequence[Rubric], target: Path, *, title: str) -> None:
    """Write the province workbook to `target` atomically."""
    with atomic_path(target) as tmp, Book(tmp, title=title, office="", round_label="",
                                          comments="Tạo bằng cds_batch từ kết quả của các đơn vị.") as book:
        _units(book, province, title, records_standing(province.schools, rubrics))
        if province.has_recognition:   # without any review the workbook stays as it always was
            _recognition(book, province, title)
        _criteria(book, province, rubrics, title)
        _schools(book, province, title)
        _findings(book, province, title)
        _table(book, SHEET_LEDGER, entries_table(province.ledger), title, (
            f"{len(province.ledger)} tệp đã nhận, kể cả tệp bên trong tệp nén hoặc thư, với kết quả xử lý: tệp không "
            f"dùng được có lý do ở đây và ở trang '{PROVINCE_SHEET_FINDINGS}'. Thời điểm nhận tính theo giờ Việt "
            "Nam."), empty="Không nhận được tệp nào.")
        book.close()


def _table(book: Book, name: str, table: Table, title: str, note: str, *, empty: str = "",
           repeat_cols: int = 0) -> tuple[Any, int]:
    """A sheet with the title, its note wrapped across the table, then the table; (sheet, next free row).

    :param repeat_cols: key columns printed again on every page when the sheet is too wide for one.
    """
    width = sum(c.width for c in table.columns)
    # Only a sheet with a column per unit grows past one page; the others print one page wide.
    wide = bool(repeat_cols) and width > READABLE_WIDTH
    ws = book.sheet(name, landscape=True, footer=f"{title} — {name}", width=width if repeat_cols else 0)
    # Printed across pages, the title and note stand over the key columns every page repeats, never cut
    # at a page's edge; on one page they span the table.
    last = repeat_cols - 1 if wide else len(table.columns) - 1
    span = sum(c.width for c in table.columns[:last + 1])
    book.line(ws, 0, f"{title} — {name}", last, "title", span)
    book.line(ws, 1, note, last, "note", span)
    end = book.table(ws, TOP, table, empty=empty, freeze_cols=repeat_cols)
    if wide:
        ws.repeat_rows(0, TOP)
        ws.repeat_columns(0, repeat_cols - 1)
    return ws, end


def _number(value: Fraction | int | None) -> TableCell:
    return float(value) if isinstance(value, Fraction) else value


# The district summary's per-unit columns (shared: counted alike), and why a unit has none of its own results.
UNIT_COLUMNS = (*PROVINCE_UNIT_COLUMNS, Column("Ghi chú", 11, Look.WRAP))
AVERAGE_COLUMN = len(UNIT_COLUMNS) - 2
NOT_REPORTED = "Chưa gửi kết quả"
UNIT_NOTE = ("Hạng theo điểm trung bình của các trường đã chấm (trung bình % điểm tối đa của hai nhóm); mức của "
             "trường Cần sửa là mức tạm tính. M1, M2, M3: số trường ở mức 1, 2, 3 của nhóm 1, nhóm 2 và mức "
             f"chung. {NOT_REPORTED}: đơn vị trong danh sách trường của tỉnh chưa gửi kết quả nào; các trường "
             "của đơn vị không có bài nộp được tính là chưa nộp.")


CHART_BESIDE = 6   # up to this many units, the chart fits on the table's page


def _units(book: Book, p: Province, title: str, standing: str | None) -> None:
    """The ranked units; `standing` says, under the title, when the levels come from a rubric not official."""
    rows = [(d.rank, d.name, d.schools, d.submitted, d.valid, d.needs_fix, d.missing,
             *(d.levels[k][n] for k in ("g1", "g2", "overall") for n in (1, 2, 3)), d.levels["overall"][0],
             _number(d.average_percent), "" if d.reported else NOT_REPORTED) for d in p.units]
    note = f"{standing} {UNIT_NOTE}" if standing else UNIT_NOTE
    ws, end = _table(book, PROVINCE_SHEET_DISTRICTS, Table(UNIT_COLUMNS, tuple(rows)), title, note,
                     empty="Không có đơn vị nào được tổng hợp: xem lý do ở trang "
                           f"'{PROVINCE_SHEET_FINDINGS}'.")
    if not p.units:
        return
    silent = sum(not d.reported for d in p.units)
    total = ("", "Toàn tỉnh", *(sum(getattr(d, k) for d in p.units)
                                for k in ("schools", "submitted", "valid", "needs_fix", "missing")),
             *(sum(d.levels[k][n] for d in p.units) for k in ("g1", "g2", "overall") for n in (1, 2, 3)),
             sum(d.levels["overall"][0] for d in p.units), None,
             f"{silent} đơn vị chưa gửi kết quả" if silent else "")
    book.write_row(ws, end, UNIT_COLUMNS, total, total=True)
    chart = book.wb.add_chart({"type": "bar"})
    last = AVERAGE_COLUMN
    chart.add_series({"name": "Điểm TB (% tối đa)", "categories": [PROVINCE_SHEET_DISTRICTS, TOP + 1, 1, end - 1, 1],
                      "values": [PROVINCE_SHEET_DISTRICTS, TOP + 1, last, end - 1, last]})
    chart.set_legend({"none": True})
    chart.set_title({"name": "Điểm trung bình theo đơn vị"})
    chart.set_y_axis({"reverse": True})   # the first ranked on top, as in the table
    if len(p.units) > CHART_BESIDE:   # the table fills the page: the chart starts the next one whole
        ws.set_h_pagebreaks([end + 1])
    # A bar of about 18 pixels per unit, so every name is labelled.
    ws.insert_chart(end + 2, 1, chart, {"x_scale": 1.6, "y_scale": max(1.2, (80 + 18 * len(p.units)) / 288)})


RECOGNITION_HEADER = ["Đơn vị", "Đã chấm", "Công nhận M1", "Công nhận M2", "Công nhận M3", "Yêu cầu bổ sung",
                      "Không công nhận", "Chưa có quyết định", "Chưa đánh giá ngoài",
                      "Công nhận khác mức tự đánh giá (số)", "Tỉ lệ khác mức (%)"]
RECOGNITION_COLUMNS = (Column(RECOGNITION_HEADER[0], 26, Look.WRAP),
                       *(Column(h, 11, Look.INT) for h in RECOGNITION_HEADER[1:-2]),
                       Column(RECOGNITION_HEADER[-2], 14, Look.INT), Column(RECOGNITION_HEADER[-1], 11, Look.INT))
RECOGNITION_NOTE = ("Đã chấm: trường đã nộp và có điểm tự đánh giá. Tỉ lệ khác mức = số trường được công nhận ở "
                    "mức khác mức tự đánh giá / số trường được công nhận; để trống khi chưa có trường nào được "
                    "công nhận.")


def _recognition(book: Book, p: Province, title: str) -> None:
    counts = [(d.name, d.recognition) for d in p.units]
    ws, end = _table(book, PROVINCE_SHEET_RECOGNITION, Table(RECOGNITION_COLUMNS, tuple(
        _recognition_cells(name, c) for name, c in counts)), title, RECOGNITION_NOTE)
    total = combined(d.recognition for d in p.units)
    book.write_row(ws, end, RECOGNITION_COLUMNS, _recognition_cells("Toàn tỉnh", total), total=True)
    for row, (_, c) in enumerate([*counts, ("", total)], start=TOP + 1):   # the share as a percentage
        if c.share is not None:
            ws.write_number(row, len(RECOGNITION_COLUMNS) - 1, float(c.share), book.fmt("percent"))


def _recognition_cells(name: str, c: RecognitionCounts) -> tuple[TableCell, ...]:
    return (name, c.scored, c.levels[1], c.levels[2], c.levels[3], c.more_evidence, c.not_recognised,
            c.undecided, c.not_reviewed, c.differing, None)


def _criteria(book: Book, p: Province, rubrics: Sequence[Rubric], title: str) -> None:
    names = {(r.id, c.code): c.name for r in rubrics for g in r.groups for c in g.criteria}
    units = [d.name for d in p.units]
    columns = (Column("Bộ chỉ số", 16, Look.WRAP), Column("Mã", 7, Look.CODE), Column("Tiêu chí", 40, Look.WRAP),
               *(Column(d, 12, Look.SCORE) for d in units))
    rows = tuple((rid, code, names.get((rid, code), ""), *(_number(by.get(d)) for d in units))
                 for (rid, code), by in sorted(p.criteria.items(), key=lambda kv: (kv[0][0], _code_key(kv[0][1]))))
    _table(book, PROVINCE_SHEET_CRITERIA, Table(columns, rows), title,
           "Điểm trung bình của mỗi tiêu chí theo đơn vị, trên các trường đã chấm của đơn vị; ô trống: đơn vị không "
           "có trường nào dùng bộ chỉ số đó.", empty="Chưa có trường nào được chấm.", repeat_cols=3)


def _code_key(code: str) -> list[Any]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.replace("_", ".").split(".")]


def _schools(book: Book, p: Province, title: str) -> None:
    reviewed = p.has_recognition
    columns = (Column("Đơn vị", 22, Look.WRAP), Column(SCHOOL_CODE, 10, Look.CODE), Column(SCHOOL_NAME, 34, Look.WRAP),
               Column("Cấp học", 12, Look.WRAP), Column("Điểm N1", 8, Look.SCORE), Column("Mức N1", 7, Look.LEVEL),
               Column("Điểm N2", 8, Look.SCORE), Column("Mức N2", 7, Look.LEVEL), Column("Mức chung", 8, Look.LEVEL),
               Column("Trạng thái", 14, Look.STATUS)) \
        + ((Column("Quyết định", 16, Look.WRAP), Column("Mức công nhận", 10, Look.LEVEL)) if reviewed else ())
    rows = []
    for s in p.schools:
        groups = {g["id"]: g for g in s.get("groups") or []}
        cells: list[TableCell] = [s["unit"], s.get("school_code"), s.get("school_name"),
                                  s.get("level_of_education")]
        for gid in (1, 2):
            g = groups.get(gid)
            cells += [g["score"], g["level"]] if g else [None, None]
        cells += [s.get("overall_level"), describe_status(str(s.get("status")))]
        rows.append(tuple(cells + (_review_cells(s) if reviewed else [])))
    _table(book, PROVINCE_SHEET_SCHOOLS, Table(columns, tuple(rows)), title,
           f"{len(rows)} trường của các đơn vị đã tổng hợp, theo đơn vị. Mức của trường Cần sửa là mức tạm tính.",
           empty="Không có trường nào.")


def describe_status(value: str) -> str:
    return Status(value).label if value in Status._value2member_map_ else value


def _review_cells(s: SchoolRecord) -> list[TableCell]:
    """Quyết định and Mức công nhận of one school; empty when it was not reviewed."""
    review = s.get("recognition")
    if not isinstance(review, dict):   # null, or absent in an older results.json
        return [None, None]
    level = review.get("recognised_level")
    if review.get("decision") == Decision.RECOGNISED.value and level is None:   # errors the review left uncured
        return [f"{describe_decision(review.get('decision'))} — {NOT_ELIGIBLE.lower()}", None]
    return [describe_decision(review.get("decision")), level]


def describe_decision(value: object) -> str:
    """The Vietnamese label of a decision; empty when there is none yet."""
    if value is None:
        return ""
    return Decision(value).label if value in Decision._value2member_map_ else str(value)


FINDING_COLUMNS = (Column("Tệp / thư mục", 40, Look.WRAP), Column("Mã", 7, Look.CODE),
                   Column("Mức độ", 11, Look.STATUS), Column("Nội dung", 82, Look.WRAP))


def _findings(book: Book, p: Province, title: str) -> None:
    rows = tuple((f.file, f.code.name, f.severity.value, f.message) for f in p.findings)
    _table(book, PROVINCE_SHEET_FINDINGS, Table(FINDING_COLUMNS, rows), title, (
        f"{len(rows)} dòng, trong đó {len(p.unused)} tệp đã nhận nhưng không dùng được, mỗi tệp với lý do. Lỗi: "
        "phải xin đơn vị gửi lại; cảnh báo: cần kiểm tra lại. Mọi tệp đã nhận ở trang "
        f"'{SHEET_LEDGER}'."), empty="Không có vấn đề nào cần xem: mọi tệp đã nhận đều được dùng.")
