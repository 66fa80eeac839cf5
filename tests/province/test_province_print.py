"""The province workbook printed through LibreOffice: A4 landscape, type still readable with a column per
district of a big province, notes and headers whole (never cut at a cell's or a page's edge)."""
from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

import pytest

from cds_batch.province.report import UNIT_NOTE, write_province
from cds_batch.province.rollup import OfficeReport, roll_up
from cds_batch.rubric import load_rubric

from tests.builders.office import soffice_convert
from tests.province.test_province import school

DISTRICTS = [f"Phòng GDĐT Quận {n}" for n in range(1, 23)]   # as many as Hồ Chí Minh City has
TITLE = "Sở GDĐT TP. Hồ Chí Minh — Tổng hợp mức độ chuyển đổi số năm học 2025-2026"
# Word boxes of 12 pt type printed at 100 % are 15.6 points tall in LibreOffice's PDF; 10.5 is 8 pt.
READABLE = 10.5


def poppler(tool: str, *args: object) -> str:
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tinh")
    reports = [OfficeReport(name, f"{name}.xlsx", tuple(
        school(f"{n:02d}{k:03d}", "valid", (40 + n, 1 + n % 3), (50, 2), name) for k in range(4)))
        for n, name in enumerate(DISTRICTS, start=1)]
    target = folder / "tong-hop-tinh.xlsx"
    write_province(roll_up(reports), [load_rubric("qd4725-phothong")], target, title=TITLE)
    return soffice_convert(target, "pdf", folder)


@pytest.mark.slow
def test_every_page_is_a4_landscape_with_readable_type(pdf):
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", poppler("pdfinfo", "-f", 1, "-l", 999, pdf))
    assert sizes and {(round(float(w)), round(float(h))) for w, h in sizes} == {(842, 595)}
    for n in range(1, len(sizes) + 1):
        boxes = poppler("pdftotext", "-f", n, "-l", n, "-bbox", pdf, "-")
        heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
        footer = re.findall(r">([^<]*)</word>", boxes)
        if "Điểm trung bình theo đơn vị" in " ".join(footer):   # the chart's page: its own small labels
            continue
        assert statistics.median(heights) >= (9.5 if "nhận" in footer else READABLE), (n, footer[-6:])


@pytest.mark.slow
def test_notes_titles_and_headers_are_printed_whole_on_every_page_of_a_wide_sheet(pdf):
    pages = [" ".join(p.split()) for p in poppler("pdftotext", pdf, "-").split("\f") if p.strip()]
    text = " ".join(pages)
    assert UNIT_NOTE in text and "Điểm TB (%" in text and "tối đa)" in text   # the last header, wrapped
    criteria = [p for p in pages if f"{TITLE} — Tiêu chí" in p]   # the sheet's title, on every page
    assert len(criteria) >= 3 and all("Bộ chỉ số" in p for p in criteria)   # 22 districts: pages, key columns on each
    note = ("Điểm trung bình của mỗi tiêu chí theo đơn vị, trên các trường đã chấm của đơn vị; ô trống: đơn vị không "
            "có trường nào dùng bộ chỉ số đó.")
    assert all(p.startswith(f"{TITLE} — Tiêu chí {note}") for p in criteria)   # title and note whole, every page
    # Every district's column, on one page or another (a header wraps: "Phòng GDĐT" above "Quận 7").
    printed = [n for n in range(1, 23) if any(re.search(rf"Quận {n}(?!\d)", p) for p in criteria)]
    assert printed == list(range(1, 23))
