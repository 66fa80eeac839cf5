"""The per-unit sheets of a merged province's direct run, printed: 3,000 schools over 120 units (119 communes'
People's Committees and the Sở's own upper-secondary schools), written as the summary and printed by
LibreOffice. Every page of "Theo đơn vị" and "Theo đơn vị và cấp học" is A4 landscape, starts with the
table's header and holds its first and last column, every unit is printed whole, and the type stays
readable (at least 8 pt as printed).

The district is built in memory: four scored results (shared by many schools), about one school in thirteen
missing and four units with no school submitted.
"""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import timedelta

import openpyxl
import pytest

from cds_batch.checking.examine import Submission
from cds_batch.checking.score import score
from cds_batch.district.consolidate import Status, consolidate
from cds_batch.reports.summary import write_summary
from cds_batch.rubric.roster import SchoolInfo

from tests.builders.office import soffice_convert
from tests.district_fixtures import NATIONAL, ROUND, answered, at, entry

pytestmark = pytest.mark.slow

OFFICE = "Sở GDĐT Ninh Bình"
SCHOOLS, UNITS = 3000, 120
FIRST = ("Hải", "Nghĩa", "Quỳnh", "Yên", "Kim", "Gia", "Hoa", "Trường", "Thanh", "Phú", "Đông", "Nam")
SECOND = ("Thịnh", "Hưng", "Lưu", "Mô", "Sơn", "Viễn", "Lư", "Khánh", "Bình", "Hòa")
LEVELS = ("Mầm non", "Tiểu học", "Trung học cơ sở")


def commune(n: int) -> str:
    """The People's Committee of the n-th commune; one in seventeen has a long name that wraps."""
    kind = "phường" if n % 5 == 0 else "xã"
    name = f"{FIRST[n % len(FIRST)]} {SECOND[n // len(FIRST)]}"
    return f"UBND {kind} {name}" + (" Đông Nam thuộc khu vực miền núi phía Tây" if n % 17 == 3 else "")


def merged_province():
    """(District, office): 3,000 schools round-robin over 119 communes and the Sở itself (unit '')."""
    roster = []
    for i in range(SCHOOLS):
        unit = i % UNITS
        own = unit == UNITS - 1
        roster.append(SchoolInfo(f"37{i:05d}", f"Trường {'THPT' if own else LEVELS[i % 3]} Số {i + 1}",
                                 "Trung học phổ thông" if own else LEVELS[(i // UNITS) % 3],
                                 "" if own else commune(unit).removeprefix("UBND ").capitalize(),
                                 email=f"c{i:05d}@ninhbinh.edu.vn", unit="" if own else commune(unit)))
    variants = [score(NATIONAL, answered(NATIONAL, blank)) for blank in (
        (), ("1.3.1", "1.6.1"), ("1.3.1", "1.6.1", "1.7.1", "1.7.2", "1.5.1", "2.3.1"),
        ("1.1", "1.2", "1.3.1", "1.4", "1.5.1", "1.6.1", "1.7.1", "2.1", "2.2", "2.3.1"))]
    entries, subs = [], []
    for i, school in enumerate(roster):
        if (i * 7919) % 13 == 0 or (i % UNITS) % 29 == 5:   # one school in 13 missing, and all of a few units
            continue
        e = entry(f"inbox/{school.code}.xlsx", at(1, 8) + timedelta(seconds=i))
        entries.append(e)
        subs.append(Submission(e, None, school_code=school.code, in_roster=True, rubric_id=NATIONAL.id,
                               school_fields={"CDS_SCHOOL_CODE": school.code}, answers={},
                               result=variants[(i * 31 + i // 7 + i % UNITS) % len(variants)]))
    return consolidate(entries, subs, tuple(roster)), OFFICE


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("units-print")
    district, office = merged_province()
    summary = folder / "tong-hop.xlsx"
    write_summary(district, [NATIONAL], summary, office=office, round_label=ROUND)
    # Only the two unit sheets are printed: the rest of a 3,000-school summary takes LibreOffice minutes.
    wb = openpyxl.load_workbook(summary)
    for ws in wb.worksheets:
        if ws.title not in ("Theo đơn vị", "Theo đơn vị và cấp học"):
            ws.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Theo đơn vị")
    units_only = folder / "theo-don-vi.xlsx"
    wb.save(units_only)
    pdf = soffice_convert(units_only, "pdf", folder)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout)
    return district, summary, pdf, [p for p in text.split("\f") if p.strip()], sizes


def pages_of(pages, sheet):
    return [p for p in pages if re.search(rf"{sheet}\s+Trang \d+/\d+\s*$", p.strip())]


def test_the_unit_sheet_of_120_units_holds_every_unit_once(printed):
    district, summary, *_ = printed
    rows = [r for r in openpyxl.load_workbook(summary)["Theo đơn vị"].iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(rows) if r[0] == "Hạng")
    body = rows[top + 1:top + 1 + UNITS]
    assert [r[0] for r in body] == list(range(1, UNITS + 1))
    assert {r[1] for r in body} == {commune(n) for n in range(UNITS - 1)} | {OFFICE}
    assert rows[top + 1 + UNITS][1] == "Tổng cộng" and rows[top + 1 + UNITS][2] == SCHOOLS
    missing = sum(1 for i in range(SCHOOLS) if (i * 7919) % 13 == 0 or (i % UNITS) % 29 == 5)
    assert sum(r[2] for r in body) == SCHOOLS and sum(r[6] for r in body) == missing == district.counts()[
        Status.MISSING]
    assert [r[-1] for r in body[-4:]] == [None] * 4   # the units where no school submitted rank last


def test_every_printed_page_is_a4_landscape_with_the_header_and_the_last_column(printed):
    _, _, _, pages, sizes = printed
    assert len(pages) == len(sizes) and {(round(float(w)), round(float(h))) for w, h in sizes} == {(842, 595)}
    for sheet, first in (("Theo đơn vị", r"Hạng\s+Đơn vị"), ("Theo đơn vị và cấp học", r"Đơn vị\s+Cấp học")):
        mine = pages_of(pages, re.escape(sheet))
        assert len(mine) >= 3, sheet   # 120 units do not fit one page: the header must repeat
        for n, page in enumerate(mine):
            lines = page.strip().splitlines()
            # The header, on top (under the title on the first page), its last column beside its first
            top = next(i for i, line in enumerate(lines) if re.search(rf"^\s*{first}\s", line))
            assert top < (16 if n == 0 else 8), (sheet, n)
            assert any("Điểm TB" in line for line in lines[top - 2:top + 2]), (sheet, n)
            assert any(re.search(r"\d+(\.\d+)?\s*$", line) for line in lines[top + 2:top + 6]), (sheet, n)


def test_every_unit_is_printed_whole(printed):
    _, _, _, pages, _ = printed
    text = "\n".join(pages_of(pages, "Theo đơn vị"))
    flat = re.sub(r"\s+", " ", text)
    for n in range(UNITS - 1):
        name = commune(n)
        if len(name) < 30:
            assert name in flat, name
        else:   # wrapped over two or three lines inside its cell: every word is there
            assert all(word in text for word in name.split()), name
    ranks = Counter(int(m) for m in re.findall(r"^\s*(\d{1,3})\s+UBND", text, re.M))
    assert set(ranks) <= set(range(1, UNITS + 1)) and max(ranks.values()) == 1


def test_the_printed_type_is_readable(printed):
    """Body text at least 8 pt: the height of a unit name's words in the PDF's word boxes."""
    _, _, pdf, _, _ = printed
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                           text=True, check=True, timeout=60).stdout
    heights = [float(y2) - float(y1) for y1, y2 in
               re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">UBND</word>', boxes)]
    assert len(heights) > 20
    # A word box is the font's ascent plus descent, about 1.15 em for Times New Roman (Liberation Serif).
    assert min(heights) / 1.15 >= 8.0, min(heights)
