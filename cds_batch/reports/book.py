"""Report workbooks: the XlsxWriter set-up shared by the district summary and the school feedback.

In: a temporary path (from `atomic_path`), the document's title, office and round, and `Table`s.
Out: a `Book`: the house formats, A4 sheets that print at one page wide with page numbers, titles,
and tables written cell by cell with the look of their column (numbers stay numbers). Deterministic:
the document date is fixed and nothing depends on the clock.
"""
from __future__ import annotations

import shutil
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from cds_batch.core.atomic import encodable
from cds_batch.core.commit import new_scratch
from cds_batch.form.layout import DOCUMENT_DATE
from cds_batch.reports.labels import COLOURS, Word, label
from cds_batch.reports.tables import Column, Look, Table, TableCell

FONT_SIZE = 12
# Column widths one A4 landscape page takes at a 70 % scale (LibreOffice's PDF: 120 at 74 %), where 12 pt
# type is still read comfortably (8.4 pt); a sheet that grows wider prints at that scale on more pages.
READABLE_WIDTH, WIDE_SCALE = 172, 70
HEAD_BG, TOTAL_BG = "#D9E1F2", "#EDEDED"
_CELL = {"border": 1, "valign": "top"}
_LOOKS: dict[Look, dict[str, Any]] = {
    Look.TEXT: _CELL,
    Look.WRAP: {**_CELL, "text_wrap": True},
    Look.CODE: {**_CELL, "align": "center"},
    Look.INT: {**_CELL, "align": "center", "num_format": "0"},
    Look.SCORE: {**_CELL, "align": "center", "num_format": "0.0#"},
    Look.LEVEL: {**_CELL, "align": "center", "num_format": "0"},
    Look.STATUS: {**_CELL, "align": "center", "text_wrap": True},
    Look.DATE: {**_CELL, "align": "center", "num_format": "dd/mm/yyyy hh:mm"},
    Look.SIZE: {**_CELL, "num_format": "#,##0"},
    Look.HASH: {**_CELL, "text_wrap": True, "font_size": 8},
}
_NAMED: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"},
    "subtitle": {"bold": True},
    "note": {"italic": True, "text_wrap": True, "valign": "top"},
    "text": {"text_wrap": True, "valign": "top"},
    "head": {"bold": True, "border": 1, "bg_color": HEAD_BG, "align": "center", "valign": "vcenter",
             "text_wrap": True},
    "label": {**_CELL, "bold": True, "text_wrap": True},
    "percent": {**_CELL, "align": "center", "num_format": "0%"},
    "count": {**_CELL, "bold": True, "bg_color": TOTAL_BG, "align": "center", "num_format": '0" trường"'},
    "italic": {"italic": True, "font_color": "#595959"},
    "standing": {"bold": True, "text_wrap": True, "valign": "top", "font_color": "#9C0006"},   # `reports.standing`
}


def small(text: str, limit: int = 100) -> str:
    """Text for a header or footer section, in 9 pt.

    '&' is doubled (it starts a control code), and a space follows the size code when the text starts
    with a digit, which '&9' would otherwise read as part of the size ('&979801').
    """
    text = header_text(text, limit)
    return "&9" + (" " if text[:1].isdigit() else "") + text


def header_text(text: str, limit: int) -> str:
    """`text` for a header or footer: '&' doubled, at most `limit` characters once doubled.

    Excel drops a whole header or footer longer than 255 characters (XlsxWriter only warns), so a
    school name full of '&' must not double past the limit; nor may the cut split an '&&'.
    """
    if "&" not in text:
        return text[:limit]
    out, size = [], 0
    for ch in text[:limit]:
        piece = "&&" if ch == "&" else ch
        if size + len(piece) > limit:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)


@lru_cache(maxsize=8192)   # statuses, levels, communes, notes and reasons repeat down a district's rows
def lines(text: str, width: float, size: float = FONT_SIZE) -> int:
    """Lines a wrapped cell `width` characters wide needs, wrapping at spaces as Excel and LibreOffice do.

    Times New Roman 12 fits about 1.1 characters per width unit (measured on LibreOffice's PDF); one
    per unit leaves room for wide letters. A word longer than a line is broken anywhere.
    """
    capacity = max(1, int(width * FONT_SIZE / size))
    if len(text) <= capacity and "\n" not in text:   # most cells: one line, no need to wrap word by word
        return 1
    return wrapped_lines(text, capacity)


def wrapped_lines(text: str, capacity: int) -> int:
    """`lines` word by word, for `capacity` characters a line."""
    total = 0
    for part in text.split("\n"):
        count, used = 1, 0
        for word in part.split():
            if used and used + 1 + len(word) <= capacity:
                used += 1 + len(word)
                continue
            if used:
                count += 1
            full, rest = divmod(len(word), capacity)
            count, used = (count + full - 1, capacity) if full and not rest else (count + full, rest)
        total += count
    return total


def height(*cells: tuple[str, float, float]) -> float:
    """A row height (points) that shows every (text, width, font size) in full.

    LibreOffice does not autofit the rows of an XlsxWriter file, so a wrapped cell would be cut.
    """
    return max((lines(t, w, s) * s * 4 / 3 + 2 for t, w, s in cells), default=FONT_SIZE * 4 / 3 + 2)


_WRAPPED = (Look.WRAP, Look.STATUS, Look.HASH)


class RowLook:
    """What every row of a table shares, worked out once: which columns wrap, at what width and size.

    A district summary has tens of thousands of rows; asking each cell's column again cost a tenth of
    the time of writing the workbook.
    """

    def __init__(self, columns: Sequence[Column]) -> None:
        self.wrapped = tuple((i, c.width, 8 if c.look is Look.HASH else FONT_SIZE)
                             for i, c in enumerate(columns) if c.look in _WRAPPED)
        self.looks = tuple(c.look.value for c in columns)

    def height(self, cells: Sequence[TableCell]) -> float:
        """The height (points) of a row of `cells` that shows all its wrapped text."""
        n = len(cells)
        return height(*((v, w, size) for i, w, size in self.wrapped if i < n and isinstance(v := cells[i], str)))


class TextSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type information
    """A worksheet that writes any text it is given: a lone surrogate (from a file name's undecodable
    bytes) becomes U+FFFD instead of failing the whole workbook when the XML is encoded.

    `_write_string` is where `write_string`, `write`, `write_row` and `merge_range` all store a
    string (XlsxWriter 3.x); `tests/pipeline/test_hostile_outputs.py` fails if that stops being so.
    `_write_single_row` is where a constant_memory sheet writes a row out (`tests/reports/test_report_book.py`).
    """

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        return int(super()._write_string(row, col, encodable(string), cell_format))

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """Write the last row out (constant_memory) and forget its height and format, which XlsxWriter
        would keep to the end for every row (about 230 bytes a row: 145 MB in each review workbook of a
        province). Written rows are never needed again: a chart's anchor is placed by the rows from
        it down, which come after it, and these books have no picture or shape."""
        flushed = self.previous_row
        super()._write_single_row(current_row_num)
        self.row_info.pop(flushed, None)
        self.row_sizes.pop(flushed, None)


class Book:
    """One report workbook being written; `close()` finishes the file.

    Use it in a `with` block: leaving the block removes a big book's temporary rows, also on failure.
    """

    def __init__(self, path: Path, *, title: str, office: str, round_label: str, comments: str,
                 big: bool = False) -> None:
        """Start the workbook at `path`.

        :param big: rows of any size (the district summary): each row goes to a temporary file as soon
            as the next one starts (XlsxWriter's constant_memory; strings then stay in their cells), so
            memory does not grow with the rows, and every sheet must be written top to bottom. Otherwise
            the whole file is built in memory, which halves the time of a small one (no temporary file
            per part).
        """
        # A private folder for the rows, removed by `discard` even when the writing fails midway.
        # Named after this process, so the next run removes the folder of a run that was killed (`core.commit`).
        self._scratch = new_scratch("xlsx") if big else None
        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
            "constant_memory": big, "in_memory": not big, "tmpdir": str(self._scratch) if self._scratch else None,
            "default_format_properties": {"font_name": "Times New Roman", "font_size": FONT_SIZE}})
        self.wb.set_properties({"title": title[:250], "subject": round_label[:250], "author": office or "cds_batch",
                                "company": office, "created": DOCUMENT_DATE, "comments": comments})
        self.header = f"&L{small(office)}&R{small(round_label)}"
        self._formats: dict[str, Any] = {}
        self._row_formats: dict[tuple[tuple[str, ...], bool], list[Any]] = {}   # the formats of a row's cells

    def fmt(self, name: str) -> Any:
        """A named format ('head', 'note', …), a column look ('score'), or 'total:score' for a total row."""
        if name not in self._formats:
            total, _, base = name.rpartition(":")
            spec = dict(_NAMED[base]) if base in _NAMED else dict(_LOOKS[Look(base)])
            if total:
                spec.update(bold=True, bg_color=TOTAL_BG)
            self._formats[name] = self.wb.add_format(spec)
        return self._formats[name]

    def sheet(self, name: str, *, landscape: bool, footer: str = "", width: float = 0) -> Any:
        """A new sheet set up to print on A4, one page wide, with the office, round and page number.

        :param footer: the footer's left part; the sheet name by default.
        :param width: the columns' total width, when it may grow with the data (a column per district):
            past `READABLE_WIDTH` one page wide would shrink the type below reading size, so the sheet
            prints at `WIDE_SCALE` across several pages instead (repeat its key columns).
        """
        ws = self.wb.add_worksheet(name, worksheet_class=TextSheet)
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if width <= (READABLE_WIDTH if landscape else READABLE_WIDTH * 0.7):
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(WIDE_SCALE)
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
        ws.set_header(self.header)
        ws.set_footer(f"&L{small(footer or name, 150)}&R&9Trang &P/&N")
        return ws

    def line(self, ws: Any, row: int, text: str, last_col: int, style: str, width: float) -> None:
        """A line of text across columns 0..last_col (merged), tall enough to show it all."""
        size = 14 if style == "title" else FONT_SIZE
        if last_col > 0:
            ws.merge_range(row, 0, row, last_col, text, self.fmt(style))
        else:
            ws.write_string(row, 0, text, self.fmt(style))
        if style != "title" or lines(text, width, size) > 1:   # a title too long for its cells wraps, whole
            ws.set_row(row, height((text, width, size)))

    def write_header(self, ws: Any, row: int, columns: Sequence[Column]) -> float:
        """A header row in the columns' order; returns its height in points."""
        for col, c in enumerate(columns):
            ws.write_string(row, col, c.header, self.fmt("head"))
        tall = height(*((c.header, c.width * 0.9, FONT_SIZE) for c in columns))
        ws.set_row(row, tall)
        return tall

    def write_row(self, ws: Any, row: int, columns: Sequence[Column] | RowLook, cells: Sequence[TableCell],
                  total: bool = False) -> float:
        """One row of cells, each in its column's look, as tall as its longest wrapped text; returns the height.

        :param columns: the table's columns, or their `RowLook` when writing many rows of one table.
        """
        look = columns if isinstance(columns, RowLook) else RowLook(columns)
        formats = self._row_formats.get((look.looks, total))
        if formats is None:
            formats = [self.fmt(("total:" if total else "") + name) for name in look.looks]
            self._row_formats[look.looks, total] = formats
        for col, (f, value) in enumerate(zip(formats, cells)):
            if value is None or value == "":
                ws.write_blank(row, col, None, f)
            elif isinstance(value, str):
                ws.write_string(row, col, value, f)
            elif isinstance(value, datetime):
                ws.write_datetime(row, col, value, f)
            else:
                ws.write_number(row, col, value, f)
        tall = look.height(cells)
        ws.set_row(row, tall)
        return tall

    def table(self, ws: Any, top: int, table: Table, *, empty: str = "", freeze_cols: int = 0) -> int:
        """Header at `top`, then the rows; autofilter, frozen and repeated header. Returns the next free row.

        :param empty: the line written under the header when there is no row.
        :param freeze_cols: columns kept in view when scrolling right (besides the header row).
        """
        cols = table.columns
        for col, c in enumerate(cols):
            ws.set_column(col, col, c.width)
        self.write_header(ws, top, cols)
        look = RowLook(cols)
        for n, cells in enumerate(table.rows, start=1):
            self.write_row(ws, top + n, look, cells)
        end = top + len(table.rows)
        if not table.rows and empty:
            end += 1
            self.line(ws, end, empty, len(cols) - 1, "text", sum(c.width for c in cols))
        if table.rows:
            ws.autofilter(top, 0, end, len(cols) - 1)
        ws.freeze_panes(top + 1, freeze_cols)
        ws.repeat_rows(top)
        for col, c in enumerate(cols):
            if c.look is Look.STATUS and table.rows:
                self.colour_by_word(ws, top + 1, col, end, col)
        return end + 1

    def colour_by_word(self, ws: Any, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Fill status and severity cells in their colour (a conditional format on the word the cell shows,
        so it survives sorting)."""
        for word, (fill, font) in COLOURS.items():
            key = f"cf:{label(word)}"
            if key not in self._formats:
                self._formats[key] = self.wb.add_format({"bg_color": fill, "font_color": font})
            ws.conditional_format(first_row, first_col, last_row, last_col, {
                "type": "cell", "criteria": "==", "value": f'"{label(word)}"', "format": self._formats[key]})

    def coloured(self, word: Word | None = None) -> Any:
        """A bordered, centred cell in the colour of a status or severity (plain for None or a word without one)."""
        key = f"label:{label(word) if word is not None else ''}"
        if key not in self._formats:
            spec = dict(_LOOKS[Look.STATUS])
            if word in COLOURS:
                spec.update(bg_color=COLOURS[word][0], font_color=COLOURS[word][1])
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def close(self) -> None:
        self.wb.close()

    def discard(self) -> None:
        """Remove the temporary rows of a big book, whether or not it was closed."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
