"""Report, summary sheets built from several small tables: "Thống kê" and "Chi tiết tiêu chí".

In: a `Book`, its new sheet, the district and the run's rubrics.
Out: the sheet filled: level counts by cấp học with one column chart per table (portrait); points
per criterion in one block per rubric, one table per group, with the average and the share at full
marks (landscape, each rubric from a new page).
"""
from __future__ import annotations

from typing import Any, Sequence

from cds_batch.district.consolidate import District
from cds_batch.reports.book import FONT_SIZE, Book, RowLook, height
from cds_batch.reports.stats import COUNTED_NOTE, LEAD, CriterionPart, LevelTable, criterion_blocks, level_tables
from cds_batch.reports.tables import Column
from cds_batch.rubric.model import Rubric

LEVEL_COLOURS = ("#E06666", "#F6B26B", "#6AA84F", "#6FA8DC", "#8E7CC3")
UNRATED_COLOUR = "#A6A6A6"
CHART_HEIGHT_PX, CHART_ROWS = 260, 15
PAGE_BUDGET_PT = 700   # printable height of a portrait A4 page with our margins, roughly
ROW_PT = 16


def write_stats(book: Book, ws: Any, district: District, rubrics: Sequence[Rubric]) -> None:
    """Schools per level (each group, then overall) by cấp học, each table followed by its chart."""
    tables = level_tables(district, rubrics)
    widest = max(tables, key=lambda t: len(t.table.columns)).table.columns
    for col, c in enumerate(widest):
        ws.set_column(col, col, c.width)
    last, width = len(widest) - 1, sum(c.width for c in widest)
    book.line(ws, 0, "THỐNG KÊ SỐ TRƯỜNG THEO MỨC CHUYỂN ĐỔI SỐ", last, "title", width)
    book.line(ws, 1, COUNTED_NOTE, last, "note", width)
    row, used, breaks = 3, 2 * ROW_PT + height((COUNTED_NOTE, width, FONT_SIZE)), []
    for lt in tables:
        need = (len(lt.table.rows) + 3) * ROW_PT + CHART_ROWS * 15
        if used + need > PAGE_BUDGET_PT:
            breaks.append(row)
            used = 0
        used += need
        book.line(ws, row, lt.title, last, "subtitle", width)
        book.write_header(ws, row + 1, lt.table.columns)
        for n, cells in enumerate(lt.table.rows, start=1):
            book.write_row(ws, row + 1 + n, lt.table.columns, cells, total=n == len(lt.table.rows))
        after = row + 2 + len(lt.table.rows)
        if len(lt.table.rows) > 1:
            _chart(book, ws, lt, row + 1, width)
            after += CHART_ROWS
        row = after + 1
    ws.set_h_pagebreaks(breaks)


def _chart(book: Book, ws: Any, lt: LevelTable, head: int, width: float) -> None:
    """A clustered column chart of one level table: cấp học on the axis, one series per level."""
    name, first, last = ws.get_name(), head + 1, head + len(lt.table.rows) - 1   # without the total row
    chart = book.wb.add_chart({"type": "column"})
    colours = [LEVEL_COLOURS[n % len(LEVEL_COLOURS)] for n in range(len(lt.levels))] + [UNRATED_COLOUR]
    for k, colour in enumerate(colours, start=1):
        chart.add_series({"name": [name, head, k], "categories": [name, first, 0, last, 0],
                          "values": [name, first, k, last, k], "fill": {"color": colour},
                          "data_labels": {"value": True}})
    top = max((v for r in lt.table.rows[:-1] for v in r[1:-1] if isinstance(v, int)), default=0)
    chart.set_title({"name": lt.title, "name_font": {"size": 11, "bold": True}})
    chart.set_y_axis({"min": 0, "major_unit": max(1, -(-top // 5)), "num_format": "0",
                      "name": "Số trường"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": int(width * 7.5), "height": CHART_HEIGHT_PX})
    ws.insert_chart(last + 2, 0, chart, {"x_offset": 2, "y_offset": 6})


# Printed size of the landscape criteria sheet, for its manual page breaks (LibreOffice, Times New Roman 12,
# measured on its PDF): one column-width unit prints 6.75 pt wide at 100 %; a page holds about 470 pt of rows.
UNIT_PT, PAGE_WIDTH_PT, PAGE_HEIGHT_PT, LINE_PT = 6.75, 784.0, 470.0, 18.0


class _Pages:
    """Manual page breaks for a sheet printed one page wide, so every page can start with its table header."""

    def __init__(self, width_units: float) -> None:
        scale = min(1.0, PAGE_WIDTH_PT / (width_units * UNIT_PT))   # fit to width shrinks the rows too
        self.budget, self.used = PAGE_HEIGHT_PT / scale, 0.0
        self.breaks: list[int] = []

    def fits(self, points: float) -> bool:
        return self.used + points <= self.budget

    def add(self, points: float) -> None:
        self.used += points

    def new_page(self, row: int) -> None:
        if self.used:
            self.breaks.append(row)
        self.used = 0.0


def write_criteria(book: Book, ws: Any, district: District, rubrics: Sequence[Rubric]) -> None:
    """School × criterion points: a block per rubric (each from a new page), a table per group.

    A table longer than a page continues on the next with its header written again, because one
    sheet can repeat only one set of header rows and every table here has its own.
    """
    blocks = criterion_blocks(district, rubrics)
    widths: dict[int, float] = {}
    for part in (p for b in blocks for p in b.parts):
        for col, c in enumerate(part.table.columns):
            widths[col] = max(widths.get(col, 0), c.width)
    for col, w in widths.items():
        ws.set_column(col, col, w)
    last, width = max(widths, default=0), sum(widths.values())
    note = ("Mỗi bộ chỉ số một bảng, chia theo nhóm tiêu chí; mỗi trường có kết quả một dòng (kể cả trường cần sửa: "
            "điểm tạm tính). Dòng 'Điểm tối đa' ghi điểm tối đa của tiêu chí; 'ĐK' là điều kiện bắt buộc (Đạt / "
            "Không đạt). Hai dòng cuối mỗi bảng: điểm trung bình và tỉ lệ trường đạt điểm tối đa (màu đỏ: ít trường "
            "đạt), để thấy tiêu chí nào các trường còn yếu.")
    book.line(ws, 0, "ĐIỂM TỪNG TIÊU CHÍ THEO BỘ CHỈ SỐ", last, "title", width)
    book.line(ws, 1, note, last, "note", width)
    pages = _Pages(width or 1)
    pages.add(2 * LINE_PT + height((note, width, FONT_SIZE)))
    row = 3
    for n, block in enumerate(blocks):
        if n:
            pages.new_page(row)
        r = block.rubric
        title = f"Bộ chỉ số: {r.name} ({r.id}, phiên bản {r.version}) - {block.schools} trường có kết quả"
        book.line(ws, row, title, last, "subtitle", width)
        pages.add(height((title, width, FONT_SIZE)))
        row += 1
        if not block.schools:
            book.line(ws, row, "Chưa có trường nào có kết quả theo bộ chỉ số này.", last, "text", width)
            row += 2
            continue
        for part in block.parts:
            row = _part(book, ws, part, row, pages) + 1
            pages.add(LINE_PT)
    ws.set_h_pagebreaks(pages.breaks)
    ws.freeze_panes(0, LEAD)


def _part(book: Book, ws: Any, part: CriterionPart, row: int, pages: _Pages) -> int:
    """Write one group's table from `row`, its header again on each new page; return the next free row."""
    cols, last = part.table.columns, len(part.table.columns) - 1
    title = f"Nhóm {part.group_id}: {part.group_name}"
    head_pt = 2 * LINE_PT + height(*((c.header, c.width * 0.9, FONT_SIZE) for c in cols))

    def header(row: int) -> int:
        ws.merge_range(row, 0, row, last, title, book.fmt("head"))
        ws.set_row(row, LINE_PT)
        book.write_header(ws, row + 1, cols)
        _summary_row(book, ws, row + 2, cols, "Điểm tối đa", part.maxima)
        pages.add(head_pt)
        return row + 3

    look = RowLook(cols)
    first = look.height(part.table.rows[0]) if part.table.rows else 0
    if not pages.fits(head_pt + first):
        pages.new_page(row)
    row = header(row)
    for cells in part.table.rows:
        tall = look.height(cells)
        if not pages.fits(tall):
            pages.new_page(row)
            row = header(row)
        book.write_row(ws, row, look, cells)
        pages.add(tall)
        row += 1
    if not pages.fits(2 * LINE_PT):
        pages.new_page(row)
        row = header(row)
    _summary_row(book, ws, row, cols, "Điểm trung bình", part.averages)
    _summary_row(book, ws, row + 1, cols, "Tỉ lệ trường đạt điểm tối đa", part.full_shares, percent=True)
    pages.add(2 * LINE_PT)
    ws.conditional_format(row + 1, LEAD, row + 1, last, {
        "type": "3_color_scale", "min_type": "num", "min_value": 0, "mid_type": "num", "mid_value": 0.5,
        "max_type": "num", "max_value": 1, "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B"})
    return row + 2


def _summary_row(book: Book, ws: Any, row: int, cols: Sequence[Column], text: str, values: Sequence[object],
                 percent: bool = False) -> None:
    """A grey row under the codes or under the schools: a label across the lead columns, then a value per column."""
    ws.merge_range(row, 0, row, LEAD - 1, text, book.fmt("total:label"))
    ws.set_row(row, LINE_PT)
    for col, (c, value) in enumerate(zip(cols[LEAD:], values), start=LEAD):
        f = book.fmt("total:percent" if percent else f"total:{c.look.value}")
        if value is None:
            ws.write_blank(row, col, None, f)
        elif isinstance(value, str):
            ws.write_string(row, col, value, f)
        elif isinstance(value, (int, float)):
            ws.write_number(row, col, value, f)
