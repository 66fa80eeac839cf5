"""Builders: answers typed into the office's template with openpyxl, which stands in for a person at a
keyboard, and the edits a person makes to a workbook (rows inserted, values copied into a new file, a
sheet deleted).

In: a template (.xlsx), defined name → value, evidence index rows. Out: the saved workbook (a file, or
for the sample inbox its bytes with fixed dates and the group totals' results as Excel stores them).
openpyxl writes formulas without cached values, which is what lets LibreOffice recalculate them on load.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import openpyxl
from openpyxl.styles import Font

from cds_batch.form import layout as L
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import score

from .archives import rezipped, stamp
from .answers import Answers, scoring_answers
from .xml_fill import total_text

FIRST_EVIDENCE_ROW = L.EVIDENCE_HEADER_ROW + 2   # 1-based: the row under the evidence index's header


def cell_of(wb: openpyxl.Workbook, name: str) -> Any:
    """The openpyxl cell a single-cell defined name points at."""
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


def put(cell: Any, value: object, as_text: bool = False) -> None:
    """Type `value`; `as_text`: a text stays text even when it starts with '=' (Excel does so after a
    leading apostrophe; openpyxl would make it a formula)."""
    cell.value = value
    if as_text and isinstance(value, str):
        cell.data_type = "s"


def type_evidence(wb: openpyxl.Workbook, rows: Sequence[Sequence[object]], as_text: bool = False) -> None:
    """`rows` typed into the evidence index from its first row, column A on."""
    ws = wb[L.SHEET_EVIDENCE]
    for n, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            put(ws.cell(FIRST_EVIDENCE_ROW + n, col), value, as_text)


def fill(source: Path, target: Path, values: Mapping[str, object], *, formats: dict[str, str] | None = None,
         fonts: dict[str, str] | None = None, evidence: Sequence[Sequence[object]] = (),
         as_text: bool = False) -> Path:
    """Type `values` into the named cells of `source` (with number formats and fonts per name where
    given) and `evidence` rows into the evidence index; save as `target`."""
    wb = openpyxl.load_workbook(source)
    for name, value in values.items():
        cell = cell_of(wb, name)
        put(cell, value, as_text)
        if formats and name in formats:
            cell.number_format = formats[name]
        if fonts and name in fonts:
            cell.font = Font(name=fonts[name], size=12)
    type_evidence(wb, evidence, as_text)
    wb.save(target)
    return target


# --- the sample inbox's workbooks: saved as a school's Excel saves them ---------------------------------------

def saved_by_school(template: Path, rubric: Rubric, a: Answers, saved: datetime) -> bytes:
    """`a` typed into the named cells of `template`; the saved workbook's bytes, dated `saved`, with the
    group totals' results stored (see `cache_totals`)."""
    wb = openpyxl.load_workbook(template)
    for name, value in {**a.values, **a.fields}.items():
        put(cell_of(wb, name), value)
    type_evidence(wb, a.evidence)
    wb.properties.created = L.DOCUMENT_DATE
    wb.properties.lastModifiedBy = str(a.fields["CDS_CONTACT_NAME"]).split(",")[0]
    buf = io.BytesIO()
    wb.save(buf)
    totals = cache_totals(rubric, wb, scoring_answers(rubric, a.values))
    return rezipped(buf.getvalue(), stamp(saved), lambda name, data: totals(name, fix_modified(name, data, saved)))


def cache_totals(rubric: Rubric, wb: openpyxl.Workbook, answers: dict[str, object]):
    """A zip member edit that stores each group total's result, as Excel does when it saves.

    openpyxl keeps formulas but drops their results; the reader would then note every file as
    'never calculated', which no school's Excel file is. The number is the tool's own score of
    the answers, which is what the template's formula gives for them.
    """
    result = score(rubric, answers)
    cached: dict[str, dict[str, str]] = {}
    for g in rubric.groups:
        (sheet, ref), = wb.defined_names[L.total_name(g.id)].destinations
        member = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
        cached.setdefault(member, {})[ref.replace("$", "")] = total_text(result.group(g.id).score)

    def patch(name: str, data: bytes) -> bytes:
        for ref, value in cached.get(name, {}).items():
            pattern = re.compile(rf'(<c r="{ref}"[^>]*>\s*<f>.*?</f>)\s*(?:<v\s*/>|<v></v>)'.encode(), re.S)
            data, count = pattern.subn(lambda m: m.group(1) + f"<v>{value}</v>".encode(), data)
            assert count == 1, (name, ref)
        return data
    return patch


def fix_modified(name: str, data: bytes, saved: datetime) -> bytes:
    """docProps/core.xml with the school's save time: openpyxl's save() always stamps the current time
    into wb.properties.modified, so setting it beforehand has no effect."""
    if name != "docProps/core.xml":
        return data
    stamp_text = f"{saved.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}".encode()   # core.xml is in UTC
    data, count = re.subn(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m.group(1) + stamp_text, data)
    assert count == 1, name
    return data


# --- what people do to a workbook ------------------------------------------------------------------

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
