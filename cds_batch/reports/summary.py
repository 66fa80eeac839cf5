"""Report, district summary: the workbook the office reads, prints and files after a run.

In: the consolidated `District`, the run's rubrics, the office and round, and (from the second
round on) the changes since the earlier run.
Out: one .xlsx, written atomically: "Tổng hợp" (a row per school), "Theo đơn vị" and "Theo đơn vị
và cấp học" (only when the schools span several management units: `units`), "Thống kê" (schools per
level by cấp học, with charts), "Chi tiết tiêu chí" (points per criterion, per rubric), "Cần sửa" (every
error and warning), "Tệp không dùng được" (every received file that could not be used), "Chưa
nộp" (grouped by unit when there are several), "Thay đổi so với đợt trước" (only with changes),
"Công nhận" and "Điều chỉnh đánh giá ngoài" (only with an external review: `report_review_tables`),
"Sổ nhận file" (the ledger), plus the hidden results sheet the province roll-up reads. Every sheet
prints on A4 one page wide. Byte-identical for the same inputs.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator, Sequence

from xlsxwriter.utility import xl_col_to_name, xl_range

from cds_batch.core.numbers import decimal_text
from cds_batch.core.atomic import atomic_path
from cds_batch.district.consolidate import District, Status
from cds_batch.reports.contract import (
    PAYLOAD_SHEET, SHEET_CHANGES, SHEET_CRITERIA, SHEET_DIFFERENCES, SHEET_FIX, SHEET_LEDGER, SHEET_MISSING,
    SHEET_OVERVIEW, SHEET_RECOGNITION, SHEET_STATS, SHEET_UNIT_LEVELS, SHEET_UNITS, SHEET_UNUSABLE, payload_cells
)
from cds_batch.reports.data_files import school_object
from cds_batch.reports.labels import SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.book import Book, TextSheet
from cds_batch.district.recognition import NOT_ELIGIBLE, Recognition
from cds_batch.reports.review_tables import differences_table, recognition_table
from cds_batch.reports.summary_sheets import write_criteria, write_stats
from cds_batch.reports.standing import district_standing
from cds_batch.reports.tables import (
    PROVISIONAL_NOTE, Look, Table, TableCell, change_table, fix_table, ledger_table, missing_table, overview,
    overview_table, spans_units, unit_label, unusable_table
)
from cds_batch.reports.units import unit_level_table, unit_table
from cds_batch.reports.rounds import Change
from cds_batch.rubric.model import Rubric

__all__ = ["SHEET_FIX", "overview_table", "write_summary"]   # the web page imports SHEET_FIX from here


def write_summary(district: District, rubrics: Sequence[Rubric], target: Path, *, office: str, round_label: str,
                  changes: Sequence[Change] | None = None, recognition: Recognition | None = None) -> None:
    """Write the district summary workbook to `target` atomically.

    :param rubrics: the run's rubrics; their group ids are the overview's columns.
    :param changes: `rounds.Change`s since the earlier round; None leaves that sheet out.
    :param recognition: the external review applied (run --review); None leaves its two sheets out.
    """
    title = f"Tổng hợp kết quả tự đánh giá mức độ chuyển đổi số - {round_label}"
    with atomic_path(target) as tmp, Book(tmp, title=title, office=office, round_label=round_label, big=True,
                                          comments="Tạo bằng cds_batch từ các phiếu tự đánh giá đã nhận.") as book:
        _write_overview(book, district, rubrics, office, round_label)
        by_unit = spans_units(district, office)
        if by_unit:
            _unit_sheets(book, district, rubrics, office)
        write_stats(book, book.sheet(SHEET_STATS, landscape=False), district, rubrics)
        write_criteria(book, book.sheet(SHEET_CRITERIA, landscape=True), district, rubrics)
        fixes = fix_table(district)
        _table_sheet(book, SHEET_FIX, fixes, landscape=True, title="DANH SÁCH LỖI VÀ CẢNH BÁO CẦN SỬA", note=(
            f"{len(fixes.rows)} dòng. Mỗi dòng là một lỗi hoặc cảnh báo trong tệp được dùng của một trường, hoặc "
            "trong tệp chưa xếp được cho trường nào. Lỗi: trường phải sửa và gửi lại; cảnh báo: cần kiểm tra lại. "
            f"Mọi tệp không dùng được (không phải bảng tính, rỗng, hỏng, có mật khẩu…) ở trang '{SHEET_UNUSABLE}'."),
            empty="Không có lỗi hay cảnh báo nào cần sửa.")
        unusable = unusable_table(district)
        _table_sheet(book, SHEET_UNUSABLE, unusable, landscape=True, title="DANH SÁCH TỆP KHÔNG DÙNG ĐƯỢC", note=(
            f"{len(unusable.rows)} tệp. Mọi tệp đã nhận (kể cả trong tệp nén, thư) mà công cụ không dùng được: không "
            "phải bảng tính, tệp rỗng, hỏng, có mật khẩu, không phải mẫu phiếu, không rõ của trường nào, hoặc bị từ "
            "chối vì giới hạn an toàn. Hãy xem lý do và đề nghị trường gửi lại. Tệp cũ đã có tệp mới hơn thay và tệp "
            f"trùng không ở đây; mọi tệp đều có trong trang '{SHEET_LEDGER}'."),
            empty="Không có tệp nào không dùng được.")
        missing = missing_table(district, office)
        grouped = (" Xếp theo đơn vị quản lý: mỗi đơn vị một khối liền nhau, để gửi từng đơn vị danh sách trường "
                   "của mình (lọc cột 'Đơn vị quản lý' để in riêng một đơn vị).") if by_unit else ""
        _table_sheet(book, SHEET_MISSING, missing, landscape=by_unit, title="DANH SÁCH TRƯỜNG CHƯA NỘP",
                     note=f"{len(missing.rows)} trường trong danh sách chưa có tệp nào được nhận.{grouped}",
                     empty="Tất cả các trường trong danh sách đã nộp.")
        if changes is not None:
            _table_sheet(book, SHEET_CHANGES, change_table(changes), landscape=False,
                         title="THAY ĐỔI SO VỚI ĐỢT TRƯỚC", note=f"{len(changes)} thay đổi.",
                         empty="Không có thay đổi nào so với đợt trước.")
        if recognition is not None:
            _recognition_sheets(book, recognition, rubrics)
        _table_sheet(book, SHEET_LEDGER, ledger_table(district), landscape=True, title="SỔ NHẬN FILE", note=(
            "Mọi tệp đã nhận, kể cả tệp bên trong tệp nén hoặc thư, theo thứ tự tìm thấy, với kết quả xử lý. "
            "Thời điểm nhận tính theo giờ Việt Nam; cột 'Nguồn ngày nhận' cho biết thời điểm lấy từ đâu: ngày gửi "
            "thư, thời gian của tệp ghi trong tệp nén, hoặc thời gian sửa tệp (đổi khi tệp được chép lại)."),
            empty="Không nhận được tệp nào.")
        _write_payload(book, district, office, recognition)
        book.close()


def _recognition_sheets(book: Book, recognition: Recognition, rubrics: Sequence[Rubric]) -> None:
    decided = sum(s.decision is not None for s in recognition.schools)
    withheld = sum(s.withheld for s in recognition.schools)
    apart = (f" {withheld} trường chọn Công nhận nhưng {NOT_ELIGIBLE.lower()} (cột 'Điều kiện công nhận' ghi "
             "tiêu chí còn thiếu)." if withheld else "")
    _table_sheet(book, SHEET_RECOGNITION, recognition_table(recognition, rubrics), landscape=True,
                 title="KẾT QUẢ ĐÁNH GIÁ NGOÀI VÀ CÔNG NHẬN", note=(
                     f"{len(recognition.schools)} trường đã chấm, {decided} trường có quyết định (bảng đánh giá "
                     f"ngoài: {recognition.file}). Điểm và mức đánh giá ngoài được tính lại từ điểm của người đánh "
                     "giá theo đúng bộ chỉ số; mức được công nhận chỉ có khi quyết định là Công nhận và mọi tiêu chí "
                     "còn lỗi trong phiếu tự đánh giá đã có giá trị đánh giá ngoài." + apart),
                 empty="Không có trường nào có phiếu tự đánh giá đã chấm.")
    _table_sheet(book, SHEET_DIFFERENCES, differences_table(recognition), landscape=True,
                 title="CÁC TIÊU CHÍ ĐƯỢC ĐIỀU CHỈNH KHI ĐÁNH GIÁ NGOÀI", note=(
                     f"{len(recognition.differences)} tiêu chí có điểm đánh giá ngoài khác điểm trường tự đánh giá: "
                     "ai điều chỉnh, lý do, và ô tương ứng trong bảng đánh giá ngoài."),
                 empty="Người đánh giá không điều chỉnh tiêu chí nào.")


def _write_payload(book: Book, district: District, office: str, recognition: Recognition | None) -> None:
    """The results.json objects in a hidden sheet, so the province reads a mailed or renamed copy (`province`)."""
    ws = book.wb.add_worksheet(PAYLOAD_SHEET, worksheet_class=TextSheet)
    for row, text in enumerate(payload_rows(district, office, recognition)):
        ws.write_string(row, 0, text)
    ws.hide()


def payload_rows(district: District, office: str, recognition: Recognition | None = None) -> Iterator[str]:
    """The cells of the hidden results sheet: `contract.payload_cells` of `data_files.results(district, ...)`.

    Made one school at a time, not from the list of every school's object and the whole JSON text
    (together about 200 MB at 45,000 schools).
    """
    return payload_cells(school_object(row, office, recognition) for row in district.schools)


def _table_sheet(book: Book, name: str, table: Table, *, landscape: bool, title: str, note: str, empty: str,
                 totals: Sequence[Sequence[TableCell]] = ()) -> None:
    """A sheet with its title, a note, then the table; `totals` are rows under it, grey, outside the filter."""
    ws = book.sheet(name, landscape=landscape)
    last, width = len(table.columns) - 1, sum(c.width for c in table.columns)
    book.line(ws, 0, title, last, "title", width)
    book.line(ws, 1, note, last, "note", width)
    end = book.table(ws, 3, table, empty=empty)
    for row, cells in enumerate(totals, start=end):
        book.write_row(ws, row, table.columns, cells, total=True)


# --- By management unit ---------------------------------------------------------------------------

def _unit_sheets(book: Book, district: District, rubrics: Sequence[Rubric], office: str) -> None:
    """"Theo đơn vị" and "Theo đơn vị và cấp học" (only for a round whose schools span several units)."""
    units, levels = unit_table(district, rubrics, office), unit_level_table(district, rubrics, office)
    _table_sheet(book, SHEET_UNITS, units.table, landscape=True, totals=units.totals,
                 title="TỔNG HỢP THEO ĐƠN VỊ QUẢN LÝ", note=(
                     f"{len(units.table.rows)} đơn vị. Hạng theo điểm trung bình của các trường đã chấm (trung bình "
                     "% điểm tối đa của các nhóm); mức của trường Cần sửa là mức tạm tính. M1, M2, M3: số trường ở "
                     "mức 1, 2, 3 của từng nhóm và mức chung; 'Chưa xếp mức': tệp đã nộp nhưng chưa chấm được. "
                     "Trường mà danh sách không ghi đơn vị quản lý, và trường ngoài danh sách, tính vào "
                     f"{unit_label(office)}. Trường chưa nộp của từng đơn vị ở trang '{SHEET_MISSING}'; số trường "
                     f"theo đơn vị và cấp học ở trang '{SHEET_UNIT_LEVELS}'."),
                 empty="")
    _table_sheet(book, SHEET_UNIT_LEVELS, levels.table, landscape=True, totals=levels.totals,
                 title="TỔNG HỢP THEO ĐƠN VỊ QUẢN LÝ VÀ CẤP HỌC", note=(
                     "Mỗi dòng: các trường của một đơn vị ở một cấp học, đếm như trang "
                     f"'{SHEET_UNITS}'. Các dòng cuối: tổng của từng cấp học trên mọi đơn vị."),
                 empty="")


# --- "Tổng hợp" ---------------------------------------------------------------------------------

def _maxima(rubrics: Sequence[Rubric]) -> str:
    return "; ".join(f"{r.id}: " + ", ".join(f"nhóm {g.id} tối đa {decimal_text(g.effective_max)}" for g in r.groups)
                     for r in rubrics)


def _write_overview(book: Book, district: District, rubrics: Sequence[Rubric], office: str, round_label: str) -> None:
    ws = book.sheet(SHEET_OVERVIEW, landscape=True)
    table = overview(district, rubrics, office)
    last, width = len(table.columns) - 1, sum(c.width for c in table.columns)
    counts = district.counts()
    listed = sum(counts[s] for s in (Status.VALID, Status.NEEDS_FIX, Status.MISSING))
    lines = [
        (f"Đơn vị: {office}" if office else "Đơn vị: (không ghi)", "subtitle"),
        (f"Đợt: {round_label}" if round_label else "Đợt: (không ghi)", "subtitle"),
        (f"Số trường: {len(district.schools)} ({listed} trong danh sách, {counts[Status.UNLISTED]} ngoài danh "
         "sách). " + "; ".join(f"{s.label}: {counts[s]}" for s in Status) + ". "
         f"Tệp đã nhận (kể cả trong tệp nén, thư): {len(district.ledger)}; chi tiết ở trang '{SHEET_LEDGER}'. "
         f"Tệp không dùng được: {len(district.unusable)} (trang '{SHEET_UNUSABLE}').",
         "text"),
        (f"Điểm tính theo bộ chỉ số của từng trường ({_maxima(rubrics)}). Điểm và mức in nghiêng, màu xám là "
         f"tạm tính: hồ sơ còn lỗi (xem trang '{SHEET_FIX}'). Dòng cuối: số trường và điểm trung bình của các "
         "dòng đang hiện (tự tính lại khi lọc).", "note"),
        *[(notice, "standing") for notice in [district_standing(district, rubrics)] if notice],
    ]
    book.line(ws, 0, "TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ MỨC ĐỘ CHUYỂN ĐỔI SỐ", last, "title", width)
    for row, (text, style) in enumerate(lines, start=1):
        book.line(ws, row, text, last, style, width)
    top = len(lines) + 2
    end = book.table(ws, top, table, freeze_cols=3)
    if table.rows:
        _provisional_look(book, ws, table, top + 1, top + len(table.rows))
        _total_row(book, ws, table, top + 1, top + len(table.rows), end)


def _provisional_look(book: Book, ws: Any, table: Table, first: int, last: int) -> None:
    """Scores and levels of a provisional row in grey italics, driven by its note cell."""
    heads = table.header
    note_col = xl_col_to_name(heads.index("Ghi chú"))
    looks = [c.look for c in table.columns]
    lo = looks.index(Look.SCORE) if Look.SCORE in looks else looks.index(Look.LEVEL)
    hi = len(looks) - 1 - looks[::-1].index(Look.LEVEL)
    ws.conditional_format(first, lo, last, hi, {
        "type": "formula", "criteria": f'=${note_col}{first + 1}="{PROVISIONAL_NOTE}"', "format": book.fmt("italic")})


def _total_row(book: Book, ws: Any, table: Table, first: int, last: int, row: int) -> None:
    """Counts and averages of the visible rows (SUBTOTAL ignores rows the filter hides), with cached values."""
    for col, c in enumerate(table.columns):
        values = [v for r in table.rows if isinstance(v := r[col], (int, float))]
        rng = xl_range(first, col, last, col)
        if c.header == SCHOOL_CODE:
            ws.write_string(row, col, "Cộng", book.fmt("total:code"))
        elif c.header == SCHOOL_NAME:
            ws.write_formula(row, col, f"=SUBTOTAL(103,{xl_range(first, col - 1, last, col - 1)})",
                             book.fmt("total:count"), len(table.rows))
        elif c.look is Look.SCORE:
            mean = float(sum((Fraction(v) for v in values), Fraction(0)) / len(values)) if values else ""
            ws.write_formula(row, col, f'=IFERROR(SUBTOTAL(101,{rng}),"")', book.fmt("total:score"), mean)
        elif c.header in ("Số lỗi", "Số cảnh báo"):
            ws.write_formula(row, col, f"=SUBTOTAL(109,{rng})", book.fmt("total:int"), sum(values))
        else:
            ws.write_blank(row, col, None, book.fmt(f"total:{c.look.value}"))
