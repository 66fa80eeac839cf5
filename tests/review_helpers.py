"""Helpers for the review tests: the bundled samples district, the evidence its schools listed, and
LibreOffice Calc (over UNO) doing what an evaluator does to a review workbook: type points, comments
and decisions, sort the rows, filter them, save as .xlsx."""
from __future__ import annotations

import json
import subprocess
import tempfile
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

from .corpus_builder import uno_python
from .district_fixtures import entry
from .template_helpers import SOFFICE_TIMEOUT

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

# Run by a Python that has LibreOffice's `uno` module. Cells are found by the header texts and the
# key columns, as a person finds them; sorting and filtering go through the sheet's own API.
_UNO_SCRIPT = r"""
import json, os, shutil, signal, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def props(**values):
    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name, p.Value = name, value
        out.append(p)
    return tuple(out)


def out_of_time(signum, frame):
    raise SystemExit("LibreOffice took too long")


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


spec = json.loads(sys.argv[1])
signal.signal(signal.SIGALRM, out_of_time)
signal.alarm(spec["seconds"])
profile = tempfile.mkdtemp(prefix="cds_lo_review_")
pipe = "cds_review_%d" % os.getpid()
office = subprocess.Popen(["soffice", "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--headless",
                           "--invisible", "--norestore", "--nologo", "--accept=pipe,name=%s;urp;" % pipe],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except NoConnectException:
            if office.poll() is not None:
                sys.exit("soffice stopped with code %s before accepting a connection" % office.returncode)
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    for job in spec["jobs"]:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["source"]), "_blank", 0, props(Hidden=True))
        if doc is None:
            sys.exit("LibreOffice could not open %s" % job["source"])
        criteria, schools = doc.Sheets.getByName(job["criteria"]), doc.Sheets.getByName(job["schools"])
        edit(criteria, job["criteria_keys"], job["criteria_rows"])
        edit(schools, job["school_keys"], job["school_rows"])
        for sheet, keys, by in ((criteria, job["criteria_keys"], job["criteria_sort"]),
                                (schools, job["school_keys"], job["school_sort"])):
            if by:
                sort(sheet, keys, by)
        if job["only"]:
            only(criteria, job["criteria_keys"], job["only"][0], job["only"][1])
        doc.storeToURL(uno.systemPathToFileUrl(job["target"]), props(FilterName="Calc MS Excel 2007 XML"))
        doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass   # the bridge may close under the call
    office.wait()
finally:
    if office.poll() is None:
        os.killpg(office.pid, signal.SIGKILL)
        office.wait()
    shutil.rmtree(profile, ignore_errors=True)
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
    spec = {"seconds": SOFFICE_TIMEOUT - 20, "jobs": [{
        "source": str(source), "target": str(j.target), "criteria": criteria, "schools": schools,
        "criteria_keys": list(criteria_keys), "school_keys": list(school_keys),
        "criteria_rows": [list(r) for r in j.criteria_rows], "school_rows": [list(r) for r in j.school_rows],
        "criteria_sort": list(j.criteria_sort), "school_sort": list(j.school_sort),
        "only": list(j.only) if j.only else None} for j in jobs]}
    with tempfile.TemporaryDirectory(prefix="cds_uno_review_") as folder:
        script = Path(folder) / "evaluate.py"
        script.write_text(_UNO_SCRIPT, encoding="utf-8")
        done = subprocess.run([uno_python(), str(script), json.dumps(spec)], capture_output=True, text=True,
                              timeout=SOFFICE_TIMEOUT)
    missing = [str(j.target) for j in jobs if not j.target.is_file()]
    assert done.returncode == 0 and not missing, f"LibreOffice (UNO) did not write {missing}: {done.stderr}"
