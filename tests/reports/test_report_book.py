"""A big report workbook (constant_memory) forgets each row once it is written, and the rows keep
their heights and formats in the file."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from cds_batch.reports.book import Book


def test_a_big_book_holds_no_row_it_has_written(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    with Book(path, title="t", office="o", round_label="r", comments="", big=True) as book:
        ws = book.sheet("Trang", landscape=False)
        held = []
        for row in range(1, 2001):
            ws.write_string(row, 0, f"dòng {row}", book.fmt("head"))
            ws.set_row(row, 18 + row % 7 * 0.75)   # whole pixels
            held.append(len(ws.row_info) + len(ws.row_sizes))
        book.close()
    assert max(held) <= 4   # the row being written (and the one before, until the next starts)
    sheet = openpyxl.load_workbook(path)["Trang"]
    heights = [sheet.row_dimensions[row + 1].height for row in range(1, 2001)]
    assert heights == [18 + row % 7 * 0.75 for row in range(1, 2001)]
    assert sheet.cell(2001, 1).value == "dòng 2000" and sheet.cell(2001, 1).font.b
