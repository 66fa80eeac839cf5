"""reports.labels: every status and the two severities that need attention have a colour, found by the
enum, and a status or finding cell of a report shows that colour."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cds_batch.core.findings import Severity
from cds_batch.district.consolidate import Status
from cds_batch.reports.book import Book
from cds_batch.reports.labels import BAD, COLOURS, GOOD, NOTICE, label


def test_every_status_has_a_colour_and_its_own_word():
    assert set(Status) <= set(COLOURS)
    assert [label(s) for s in Status] == [s.label for s in Status]
    assert len({label(w) for w in COLOURS}) == len(COLOURS)   # a conditional format per word


@pytest.mark.parametrize("word, colour", [
    (Status.VALID, GOOD), (Status.NEEDS_FIX, BAD), (Severity.ERROR, BAD), (Severity.WARNING, NOTICE),
    (Severity.INFO, None), (None, None),
])
def test_a_coloured_cell_takes_the_colour_of_its_word(tmp_path: Path, word, colour):
    path = tmp_path / "mau.xlsx"
    with Book(path, title="t", office="o", round_label="r", comments="") as book:
        ws = book.sheet("Trang", landscape=False)
        ws.write_string(0, 0, label(word) if word is not None else "", book.coloured(word))
        book.close()
    cell = openpyxl.load_workbook(path)["Trang"]["A1"]
    fill = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
    assert fill == (f"FF{colour[0][1:]}" if colour else None)
    assert cell.border.left.style == "thin"
