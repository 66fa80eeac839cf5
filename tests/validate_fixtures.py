"""Builders for the validate tests: a school's workbook as typed, and what it went through on the way back.

A workbook starts from the real template (`write_school_template`) for `RUBRIC` and the school
`SCHOOL`, gets the answers of a pipe table typed into its named cells with openpyxl (a person
typing), the evidence index filled, and then one of the edits below (a row deleted, a sheet
renamed, an identity cell changed …). The clean workbook gives no finding at all, so every finding
a test sees comes from what that test did.

openpyxl cannot store a formula's result, and a workbook saved that way is reported (E107). Excel
stores the result, so by default the group totals are saved as the numbers Excel would show.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping

import openpyxl
import yaml
from openpyxl.packaging.custom import StringProperty

from cds_batch.form import layout as L
from cds_batch.intake.discover import Entry, FileKind, TimeSource
from cds_batch.checking.examine import Context, Submission, examine
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.loading import from_dict
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import score
from cds_batch.templates.writer import write_school_template

from .builders.answers import scoring_answers
from .builders.sample_round import ISSUE
from .builders.workbook import cell_of, type_evidence
from .read_fixtures import typed_value
from .template_helpers import SCHOOL

RUBRIC_YAML = """\
id: thu-nghiem
name: Bộ chỉ số thử nghiệm
version: "1"
levels:
  basis: percent
  bands:
    - {level: 1, name: Mức 1, min: 0, max: 50, max_inclusive: false}
    - {level: 2, name: Mức 2, min: 50, max: 100}
groups:
  - id: 1
    name: Hạ tầng
    criteria:
      - {code: "1.1", name: Kế hoạch chuyển đổi số, kind: condition, evidence: [Kế hoạch]}
      - {code: "1.2", name: Trang thiết bị, kind: points, max: 10, step: 0.5, evidence: [Biên bản kiểm kê]}
      - code: "1.3"
        name: Tỷ lệ giáo viên dùng học liệu số
        kind: percentage
        evidence: [Báo cáo]
        bands:
          - {min: 0, max: 50, max_inclusive: false, points: 0}
          - {min: 50, max: 100, points: 5}
      - code: "1.4"
        name: Hệ thống quản lý học tập
        kind: choice
        evidence: [Hợp đồng]
        options: [{label: Thuê, points: 2}, {label: Tự xây dựng, points: 5}]
  - id: 2
    name: Quản trị
    sections:
      - {code: "2.2", name: Phần mềm quản trị, cap: 4}
    criteria:
      - {code: "2.1", name: Bộ phận phụ trách, kind: condition, on_fail: none, evidence: [Quyết định]}
      - code: "2.2a"
        name: Quy chế sử dụng phần mềm
        kind: condition
        section: "2.2"
        on_fail: zero_section
        evidence: [Quy chế]
      - code: "2.2b"
        name: Phân hệ phần mềm
        kind: checklist
        section: "2.2"
        evidence: [Hợp đồng]
        items: [{label: Quản lý học sinh, points: 2}, {label: Kế toán, points: 2}]
      - {code: "2.3", name: Họp trực tuyến, kind: points, max: 6, evidence: [Biên bản]}
"""


def rubric_from(text: str) -> Rubric:
    rubric, found = from_dict(yaml.safe_load(text), "thu-nghiem.yaml", {})
    assert rubric is not None, [f.message for f in found]
    return rubric


RUBRIC = rubric_from(RUBRIC_YAML)
# The same rubric id after the office changed a maximum: workbooks made before carry the old hash.
RUBRIC_CHANGED = rubric_from(RUBRIC_YAML.replace("max: 10, step: 0.5", "max: 12, step: 0.5"))
OTHER_SCHOOL = SchoolInfo(code="79002", name="Trường Mầm non Sen Hồng", email="senhong@example.edu.vn")
ROSTER = (SCHOOL, OTHER_SCHOOL)
CONTEXT = Context(rubrics=(RUBRIC,), roster=ROSTER, round_label=ISSUE.round_label)
RECEIVED = datetime(2025, 10, 20, 8, 0, tzinfo=timezone(timedelta(hours=7)))


def typed(table: str) -> dict[str, object]:
    """'| CDS_V_1_2 | 7.5 |' rows → {'CDS_V_1_2': 7.5}: numbers stay numbers, quoted text stays text,
    an empty cell is None (the school left it blank)."""
    out: dict[str, object] = {}
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("name", "") or set(cells[0]) <= {"-"}:
            continue
        out[cells[0]] = typed_value(cells[1])
    return out


def rows(table: str) -> tuple[tuple[object, ...], ...]:
    """Evidence index rows as the sheet shows them; every cell stays text, an empty cell is None."""
    out = []
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == L.EVIDENCE_HEADERS[0] or set(cells[0]) <= {"-"}:
            continue
        out.append(tuple(c or None for c in cells))
    return tuple(out)


# A school that did everything right: every answer in the template's own words, every point backed
# by an evidence row. Tests change one thing of it.
CLEAN = {**typed("""
| name            | typed                            |
|-----------------|----------------------------------|
| CDS_V_1_1       | Đạt                              |
| CDS_V_1_2       | 7.5                              |
| CDS_V_1_3       | 85                               |
| CDS_V_1_4       | Thuê                             |
| CDS_V_2_1       | Đạt                              |
| CDS_V_2_2A      | Đạt                              |
| CDS_V_2_2B_1    | Có                               |
| CDS_V_2_2B_2    | Không                            |
| CDS_V_2_3       | 6                                |
| CDS_E_1_2       | MC-1.2-01                        |
| CDS_CONTACT_NAME | Nguyễn Thị Hòa, Phó Hiệu trưởng |
| CDS_CONTACT_PHONE | "0912345678"                   |
"""), "CDS_REPORT_DATE": date(2025, 10, 15)}

EVIDENCE = rows("""
| Mã minh chứng | Tiêu chí | Tên minh chứng / trích yếu       | Số, ngày văn bản | Nơi lưu / đường link |
|---------------|----------|----------------------------------|------------------|----------------------|
| MC-1.1-01     | 1.1      | Kế hoạch chuyển đổi số 2025      | 12/KH-MN         | Tủ hồ sơ             |
| MC-1.2-01     | 1.2      | Biên bản kiểm kê thiết bị        | 03/BB-MN         | Tủ hồ sơ             |
| MC-1.3-01     | 1.3      | Báo cáo sử dụng học liệu số      | 05/BC-MN         | drive.example/1      |
| MC-1.4-01     | 1.4      | Hợp đồng thuê hệ thống LMS       | 07/HĐ            | Kế toán              |
| MC-2.2b-01    | 2.2b     | Hợp đồng phần mềm quản lý        | 09/HĐ            | Kế toán              |
| MC-2.3-01     | 2.3      | Biên bản họp trực tuyến          | 11/BB-MN         | drive.example/2      |
""")

Edit = Callable[[openpyxl.Workbook], "openpyxl.Workbook | None"]


def blank_template(folder: Path, rubric: Rubric = RUBRIC, school: SchoolInfo | None = SCHOOL) -> Path:
    """The template the office sent (prefilled for `school`), written by the package itself."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_school_template(rubric, folder, school, ISSUE)


def workbook(template: Path, target: Path, changes: Mapping[str, object] | None = None,
             evidence: tuple[tuple[object, ...], ...] = EVIDENCE, edit: Edit | None = None,
             totals: bool = True, rubric: Rubric = RUBRIC) -> Path:
    """`CLEAN` with `changes` typed over it into `template`, the evidence index filled, the group
    totals saved as Excel shows them (unless `totals` is False), then `edit`; saved as `target`."""
    values = {**CLEAN, **(changes or {})}
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        cell_of(wb, name).value = value
    if totals:
        result = score(rubric, scoring_answers(rubric, values))
        for group in rubric.groups:
            cell_of(wb, L.total_name(group.id)).value = number(result.group(group.id).score)
    type_evidence(wb, evidence)
    if edit is not None:
        wb = edit(wb) or wb
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def entry(path: Path, source: str | None = None, received_at: datetime = RECEIVED, sender: str = "") -> Entry:
    """The ledger entry `discover` makes for a workbook lying in the inbox."""
    return Entry(source=source or f"inbox/{path.name}", name=path.name, sha256="", size=path.stat().st_size,
                 received_at=received_at, time_source=TimeSource.FILE_MTIME, sender=sender,
                 kind=FileKind.XLSX, parent="", fate=None, reason="", path=path)


def examined(path: Path, ctx: Context = CONTEXT) -> Submission:
    return examine(entry(path), ctx)


# --- what happened to the workbook on its way back -----------------------------------------------

def set_identity(wb: openpyxl.Workbook, name: str, value: str, *, in_properties: bool = True) -> None:
    """Change an identity value in the hidden `_cds` cell and, unless told not to, in the file's
    custom properties too (as a workbook of another template or rubric would have both)."""
    cell_of(wb, name).value = value
    if in_properties:
        props = wb.custom_doc_props
        kept = [p for p in props.props if p.name != name]
        props.props = [*kept, StringProperty(name=name, value=value)]


def drop_identity(wb: openpyxl.Workbook) -> None:
    """No identity left anywhere: the `_cds` sheet and the custom properties are gone."""
    del wb[L.SHEET_META]
    wb.custom_doc_props.props = []


def values_only(wb: openpyxl.Workbook, keep_meta: bool = True, titles: str = "") -> openpyxl.Workbook:
    """A school copied every cell's value into a new workbook: same sheets, no names, no formulas;
    `titles` ('Sheet', 'Trang tính', 'Feuil'): pasted into the new workbook's own sheets, titled
    `titles`1, `titles`2 … as the office suite names them."""
    copy = openpyxl.Workbook()
    copy.remove(copy.active)
    for n, ws in enumerate((ws for ws in wb.worksheets if ws.title != L.SHEET_META or keep_meta), start=1):
        new = copy.create_sheet(f"{titles}{n}" if titles else ws.title)
        for row in ws.iter_rows(values_only=True):
            new.append([None if isinstance(v, str) and v.startswith("=") else v for v in row])
    return copy


def delete_row(wb: openpyxl.Workbook, sheet: str, row: int) -> None:
    """Delete 1-based `row` of `sheet` as Excel does: names on it become #REF!, names below move up."""
    ws = wb[sheet]
    below = [rng for rng in ws.merged_cells.ranges if rng.min_row > row]
    for rng in below:
        ws.unmerge_cells(rng.coord)
    ws.delete_rows(row, 1)
    for rng in below:
        rng.shift(0, -1)
        ws.merge_cells(rng.coord)
    for name in list(wb.defined_names):
        dn = wb.defined_names[name]
        m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+)", dn.attr_text)
        if not m or m.group(1) != sheet:
            continue
        at = int(m.group(3))
        dn.attr_text = "#REF!" if at == row else f"'{sheet}'!${m.group(2)}${at - 1 if at > row else at}"
