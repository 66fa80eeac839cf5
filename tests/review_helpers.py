"""Helpers for the review tests: the bundled samples district, the evidence its schools listed, and
LibreOffice Calc (over UNO) doing what an evaluator does to a review workbook: type points, comments
and decisions, sort the rows, filter them, save as .xlsx."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from python_calamine import CalamineWorkbook

from cds_batch.district.consolidate import District, SchoolRow, Status
from cds_batch.checking.examine import Submission
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.reading.roster_file import load_roster
from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Rubric
from cds_batch.pipeline.district_run import RunOptions, run_district
from cds_batch.checking.score import score
from cds_batch.core.text import fold

from .builders.office import UNO_FILTERS, run_uno
from .district_fixtures import entry

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "samples" / "inbox"
ROUND, OFFICE = json.loads((ROOT / "samples" / "inbox-plan.json").read_text(encoding="utf-8"))["round"], \
    "Phòng GDĐT Quận 7"


@dataclass(frozen=True)
class Samples:
    out: Path   # the run's output folder
    district: District
    roster: tuple[SchoolInfo, ...]
    rubrics: tuple[Rubric, ...]


def samples(out: Path) -> Samples:
    """`cds-batch run` on the bundled inbox (as a library call)."""
    roster = load_roster(ROOT / "samples" / "danh-sach-truong.csv")
    rubrics = (load_rubric("qd4725-phothong"), load_rubric("quan7-mamnon-2023"))
    report = run_district(RunOptions(inputs=(INBOX,), roster=roster, rubrics=rubrics, out=out, round_label=ROUND,
                                     office=OFFICE))
    return Samples(out, report.district, roster, rubrics)


def one_school(rubric: Rubric, answers: dict[str, object], code: str = "79001") -> District:
    """A district of one school that sent `answers`, scored with `rubric`."""
    sent = Submission(entry(f"hop-thu/{code}.xlsx", datetime(2025, 10, 1, tzinfo=timezone.utc)), None,
                      school_code=code, in_roster=True, rubric_id=rubric.id, answers=answers,
                      result=score(rubric, answers))
    return District((SchoolRow(SchoolInfo(code, f"Trường {code}"), Status.VALID, sent),), (), ())


def table_rows(text: str) -> list[list[str]]:
    """The body rows of a pipe table (header line dropped), cells stripped."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]


def typed(cell: str) -> object:
    """A cell of a pipe table as a person types it: '7' → 7, '-1' → -1, anything else stays text."""
    try:
        return int(cell)
    except ValueError:
        return cell


def find_row(path: Path, sheet: str, keys: dict[str, str]) -> tuple[list[object], dict[str, int], int]:
    """(the sheet's header labels → column, the row index whose key cells equal `keys`) in a saved workbook."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    for head, row in enumerate(rows):
        cols = {fold(str(v)): c for c, v in enumerate(row) if v not in (None, "")}
        if all(fold(k) in cols for k in keys):
            for r in range(head + 1, len(rows)):
                if all(str(rows[r][cols[fold(k)]]) == v for k, v in keys.items()):
                    return rows[r], cols, r
    raise AssertionError(f"no row {keys} on {sheet}")


# --- LibreOffice over UNO ------------------------------------------------------------------------

def header_row(ws, keys: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """The header row of an openpyxl sheet holding every one of `keys` (within the first 30 rows): its
    row number and each header's column index."""
    for r, row in enumerate(ws.iter_rows(max_row=30), start=1):
        texts = [c.value for c in row]
        if all(k in texts for k in keys):
            return r, {c.value: n for n, c in enumerate(row) if c.value}
    raise AssertionError(f"no header {keys} in {ws.title}")


# Run inside a LibreOffice session (`run_uno`). Cells are found by the header texts and the key columns,
# as a person finds them; sorting and filtering go through the sheet's own API.
_EVALUATE = r"""
def header(sheet, keys):
    for r in range(30):
        labels = {sheet.getCellByPosition(c, r).getString(): c for c in range(40)}
        labels.pop("", None)
        if all(k in labels for k in keys):
            return r, labels
    sys.exit("no header %s on %s" % (keys, sheet.Name))


def last_row(sheet):
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    return cursor.RangeAddress.EndRow


def find(sheet, head, cols, keys):
    for r in range(head + 1, last_row(sheet) + 1):
        if all(sheet.getCellByPosition(cols[k], r).getString() == v for k, v in keys.items()):
            return r
    sys.exit("no row %s on %s" % (keys, sheet.Name))


def put(cell, value):
    if isinstance(value, (int, float)):
        cell.setValue(value)
    else:
        cell.setString(value)


def edit(sheet, keys, rows):
    # rows: [[{key header: value}, {header: typed value}], ...]
    head, cols = header(sheet, keys)
    for where, values in rows:
        r = find(sheet, head, cols, where)
        for name, value in values.items():
            put(sheet.getCellByPosition(cols[name], r), value)


def table(sheet, keys):
    head, cols = header(sheet, keys)
    return head, cols, sheet.getCellRangeByPosition(0, head, max(cols.values()), last_row(sheet))


def sort(sheet, keys, by):
    head, cols, rng = table(sheet, keys)
    fields = []
    for name in by:
        f = uno.createUnoStruct("com.sun.star.table.TableSortField")
        f.Field, f.IsAscending = cols[name], False
        fields.append(f)
    uno.invoke(rng, "sort", (props(SortFields=uno.Any("[]com.sun.star.table.TableSortField", tuple(fields)),
                                   ContainsHeader=True),))


def only(sheet, keys, column, value):
    head, cols, rng = table(sheet, keys)
    descriptor = rng.createFilterDescriptor(True)
    f = uno.createUnoStruct("com.sun.star.sheet.TableFilterField")
    f.Field, f.IsNumeric, f.StringValue = cols[column], False, value
    f.Operator = uno.Enum("com.sun.star.sheet.FilterOperator", "EQUAL")
    descriptor.FilterFields = (f,)
    descriptor.ContainsHeader = True
    rng.filter(descriptor)


def edit_document(doc, job):
    criteria, schools = doc.Sheets.getByName(job["criteria"]), doc.Sheets.getByName(job["schools"])
    edit(criteria, job["criteria_keys"], job["criteria_rows"])
    edit(schools, job["school_keys"], job["school_rows"])
    for sheet, keys, by in ((criteria, job["criteria_keys"], job["criteria_sort"]),
                            (schools, job["school_keys"], job["school_sort"])):
        if by:
            sort(sheet, keys, by)
    if job["only"]:
        only(criteria, job["criteria_keys"], job["only"][0], job["only"][1])
"""


@dataclass(frozen=True)
class Evaluation:
    """What an evaluator does to one copy of the review workbook, saved as `target` (.xlsx)."""

    target: Path
    criteria_rows: list[tuple[dict[str, str], dict[str, object]]] = field(default_factory=list)
    school_rows: list[tuple[dict[str, str], dict[str, object]]] = field(default_factory=list)
    criteria_sort: tuple[str, ...] = ()   # headers to sort the criterion rows by, descending
    school_sort: tuple[str, ...] = ()
    only: tuple[str, str] | None = None   # (header, value): an autofilter showing only those rows


def libreoffice_evaluate(source: Path, jobs: list[Evaluation], *, criteria: str, schools: str,
                         criteria_keys: tuple[str, ...], school_keys: tuple[str, ...]) -> None:
    """Apply every job to `source` in one LibreOffice session."""
    run_uno(_EVALUATE, [{
        "source": str(source), "target": str(j.target), "filter": UNO_FILTERS["xlsx"], "criteria": criteria,
        "schools": schools, "criteria_keys": list(criteria_keys), "school_keys": list(school_keys),
        "criteria_rows": [list(r) for r in j.criteria_rows], "school_rows": [list(r) for r in j.school_rows],
        "criteria_sort": list(j.criteria_sort), "school_sort": list(j.school_sort),
        "only": list(j.only) if j.only else None} for j in jobs])
