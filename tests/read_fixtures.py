"""Builders for the reader tests: filled templates, their quirky variants, and LibreOffice re-saves.

Filling goes through openpyxl (a person typing into the cells); openpyxl writes formulas without
cached values, which is what lets LibreOffice recalculate them (`=1/0` → #DIV/0!) on load.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from cds_batch.form import layout as L
from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Rubric
from cds_batch.templates.text import Issue
from cds_batch.templates.writer import write_school_template

from .conftest import rubric_file
from .template_helpers import SCHOOL, SOFFICE_TIMEOUT

ISSUE = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")

# One of each answer kind the reader must understand, a percentage among them.
QUIRKS_RUBRIC = """\
    groups:
      - id: 1
        name: Hạ tầng
        criteria:
          - {code: "1.1", name: Kế hoạch, kind: condition, evidence: [x]}
          - {code: "1.2", name: Điểm, kind: points, max: 10, evidence: [x]}
          - {code: "1.3", name: Điểm lẻ, kind: points, max: 10, step: 0.5, evidence: [x]}
          - code: "1.4"
            name: Tỷ lệ giáo viên
            kind: percentage
            evidence: [x]
            bands:
              - {min: 0, max: 50, max_inclusive: false, points: 0}
              - {min: 50, max: 100, points: 5}
      - id: 2
        name: Dữ liệu
        criteria:
          - code: "2.1"
            name: Phần mềm
            kind: checklist
            evidence: [x]
            max: 4
            items: [{label: Quản lý, points: 2}, {label: Kế toán, points: 2}]
    """


def quirks_rubric(tmp_path: Path) -> Rubric:
    return load_rubric(rubric_file(tmp_path, QUIRKS_RUBRIC, "quirks.yaml"))


def template(rubric: Rubric, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_school_template(rubric, folder, SCHOOL, ISSUE)


def fill(source: Path, target: Path, values: dict[str, object], *, formats: dict[str, str] | None = None,
         fonts: dict[str, str] | None = None, evidence: tuple[tuple[object, ...], ...] = ()) -> Path:
    """Type `values` into the named cells of `source` (with number formats and fonts per name where
    given) and `evidence` rows into the evidence index; save as `target`."""
    wb = openpyxl.load_workbook(source)
    for name, value in values.items():
        (sheet, ref), = wb.defined_names[name].destinations
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        if formats and name in formats:
            cell.number_format = formats[name]
        if fonts and name in fonts:
            cell.font = Font(name=fonts[name], size=12)
    ws = wb[L.SHEET_EVIDENCE]
    for n, row in enumerate(evidence):
        for col, value in enumerate(row):
            ws.cell(L.EVIDENCE_HEADER_ROW + 2 + n, col + 1, value)
    wb.save(target)
    return target


def values_only_copy(source: Path, target: Path) -> Path:
    """A school copied every cell's value into a new workbook: same sheets, no names, no styles."""
    src = openpyxl.load_workbook(source, data_only=True)
    copy = openpyxl.Workbook()
    copy.remove(copy.active)
    for ws in src.worksheets:
        new = copy.create_sheet(ws.title)
        for row in ws.iter_rows(values_only=True):
            new.append(list(row))
    copy.save(target)
    return target


def insert_rows(source: Path, target: Path, sheet: str, before: int, count: int) -> Path:
    """Insert `count` rows above 1-based row `before` of `sheet`, moving the defined names below it
    as an office suite does (openpyxl moves the cells but not the names or merged ranges, so those
    are moved here; validations and formulas are left where they were, which reading does not need)."""
    wb = openpyxl.load_workbook(source)
    ws = wb[sheet]
    below = [rng for rng in ws.merged_cells.ranges if rng.min_row >= before]
    for rng in below:
        ws.unmerge_cells(rng.coord)
    ws.insert_rows(before, count)
    for rng in below:
        rng.shift(0, count)
        ws.merge_cells(rng.coord)
    for name in list(wb.defined_names):
        dn = wb.defined_names[name]
        m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", dn.attr_text)
        if not m or m.group(1) != sheet:
            continue
        top, bottom = (int(r) + count if r and int(r) >= before else r for r in (m.group(3), m.group(5)))
        ref = f"${m.group(2)}${top}" + (f":${m.group(4)}${bottom}" if m.group(4) else "")
        dn.attr_text = f"'{sheet}'!{ref}"
    wb.save(target)
    return target


def without_sheet(source: Path, target: Path, sheet: str) -> Path:
    wb = openpyxl.load_workbook(source)
    del wb[sheet]
    wb.save(target)
    return target


def soffice_batch(sources: list[Path], fmt: str, outdir: Path) -> dict[Path, Path]:
    """Let LibreOffice Calc (headless) save every file of `sources` as `fmt` in one start."""
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97", "ods": "ods"}
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="cds_lo_profile_"))
    try:
        done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                               "--convert-to", filters[fmt], "--outdir", str(outdir), *map(str, sources)],
                              capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    saved = {s: outdir / f"{s.stem}.{fmt}" for s in sources}
    missing = [str(t) for t in saved.values() if not t.is_file()]
    assert not missing, f"LibreOffice did not write {missing}: {done.stdout} {done.stderr}"
    return saved


def cells_table(table: str) -> list[tuple[object, ...]]:
    """'| 1.2 | Nhóm 1 | F6 | 7 |' rows → [('1.2', 'Nhóm 1', 'F6', 7)]: the key, sheet and cell are
    text; in the value column numbers stay numbers, True/False are booleans, quoted text stays
    text and an empty cell is None."""
    rows: list[tuple[object, ...]] = []
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set(cells[0]) <= {"-"} or cells[0] in ("key", "name", "kind"):
            continue
        rows.append((*cells[:3], *(typed_value(c) for c in cells[3:])))
    return rows


def typed_value(text: str) -> object:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
