"""Read stage: one returned workbook → the school's raw answers, each with the sheet!cell it came from.

In: a workbook path (.xlsx/.xlsm, .ods, .xls) and the rubric `identify` chose for it.
Out: a frozen `SchoolResponse`: identity, school fields, answers (keyed as scoring wants them),
evidence notes, cached group totals and the evidence index, every value normalised once (`Cell`),
plus `Note`s for what the reader had to do or saw (names lost, legacy font converted, date
reinterpreted …) for `validate` to turn into findings. A file that cannot be read at all raises
`ReadError` (→ an `unreadable` ledger entry), and so does one beyond `ReadLimits` or built to harm
the reader (a DTD, a far-away cell that would make calamine allocate hundreds of GB): `guard`
measures each sheet before calamine builds it.

Cells are located by the defined names of the template contract (`layout.contract`), which office
suites move with the cells when a school inserts rows; where names are missing the criterion codes
of the code column say where (`layout.find_by_code`). Values come from python-calamine, reading
each sheet once; what it cannot see (error cells, percent formats, fonts, properties) comes from
`cell_info` and `properties`.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Mapping, TypeVar, cast

from python_calamine import CalamineWorkbook

from cds_batch.core.library_text import explain
from cds_batch.core.cells import parse_ref
from cds_batch.core.cells import a1
from cds_batch.form import layout as L
from cds_batch.core.errors import CdsBatchError
from cds_batch.reading.defined_names import upper_names
from cds_batch.reading.guard import check_sheet, check_sheet_count, open_package
from cds_batch.reading.package import SUFFIX, ReadError, ReadLimits
from cds_batch.reading.cell_info import Wanted, cell_infos, only_blanks_matter
from cds_batch.reading.properties import custom_properties
from cds_batch.reading.locate import named_cell, locate
from cds_batch.core.findings import Code, Detail
from cds_batch.reading.values import Cell, ErrorValue, Note, identity_text, normalise, plain, report_date
from cds_batch.rubric.model import Rubric
from cds_batch.core.text import fold

__all__ = ["Cell", "ErrorValue", "Note", "ReadError", "ReadLimits", "SchoolResponse", "Workbook",
           "read_identity", "read_workbook"]
T = TypeVar("T")

Rows = list[list[object]]
Spot = tuple[str, str]   # (sheet, A1 ref)
_IDENTITY_KEYS = frozenset(f.name for f in L.IDENTITY_FIELDS)


@dataclass(frozen=True)
class SchoolResponse:
    """Everything one workbook says, normalised, with the sheet!cell of every value."""

    entry_source: str
    format: str                       # 'xlsx', 'xlsm', 'ods', 'xls' (by content)
    identity: dict[str, str | None]   # the six CDS_ identity values
    identity_source: str              # 'cells', 'properties', 'cells+properties' or 'none'
    school: dict[str, Cell]           # CDS_SCHOOL_CODE … → cell
    answers: dict[str, Cell]          # '1.1', '2.3a_1' … → cell
    evidence_notes: dict[str, Cell]   # criterion code → its CDS_E_ cell
    totals: dict[int, Cell]           # group id → the CDS_T_ cell as cached
    evidence_rows: tuple[tuple[Cell, ...], ...]
    located_by: str                   # 'names', or 'codes' when any cell had to be found by code or label
    notes: tuple[Note, ...]

    def raw_answers(self) -> dict[str, object]:
        """Answer key → value, ready for `scoring.score`."""
        return {key: cell.value for key, cell in self.answers.items()}


def _calamine(name: str, call: Callable[[], T]) -> T:
    """`call()` to python-calamine, with what it raises on a broken file turned into a ReadError: its
    own error types and, from its Rust core, a panic (pyo3's PanicException is a BaseException)."""
    try:
        return call()
    except BaseException as exc:
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise   # KeyboardInterrupt, SystemExit
        raise ReadError(f"Không đọc được tệp '{name}': tệp hỏng hoặc sai cấu trúc ({explain(exc)}). Hãy mở lại "
                        "bằng Excel hoặc LibreOffice, lưu dạng .xlsx rồi gửi lại.") from exc


class Workbook:
    """One returned workbook opened once: the package, its calamine values (each sheet's rows read
    at most once, after the sheet was measured against the limits), and, on demand, its defined
    names and custom properties.

    :param limits: what the file may hold (`ReadLimits()` when omitted); a file beyond them raises
        ReadError, here or when a sheet is first read.
    """

    def __init__(self, path: Path, limits: ReadLimits | None = None) -> None:
        self.path = path
        self.package = open_package(path, limits)
        try:
            self.wb = _calamine(path.name, lambda: CalamineWorkbook.from_filelike(io.BytesIO(self.package.data)))
            names = _calamine(path.name, lambda: list(self.wb.sheet_names))
            check_sheet_count(self.package, len(names))
        except ReadError:
            self.close()
            raise
        self.sheets = {unicodedata.normalize("NFC", n): n for n in names}
        self._rows: dict[str, Rows] = {}

    @property
    def format(self) -> str:
        return self.package.format

    @cached_property
    def names(self) -> dict[str, Spot]:
        try:
            return upper_names(self.package)   # shared between files: never changed
        except ReadError:
            raise   # a hostile part (a DTD) ends the file
        except CdsBatchError:
            return {}   # unreadable names are lost names: the code column still says where

    @cached_property
    def properties(self) -> dict[str, object]:
        return custom_properties(self.package)

    def find(self, wanted: str) -> str | None:
        """The sheet named `wanted`, or one whose name differs only in case, accents or spaces."""
        if wanted in self.sheets:
            return wanted
        return next((s for s in self.sheets if fold(s) == fold(wanted)), None)

    def rows(self, sheet: str) -> Rows:
        """The sheet's values from A1, read once; ReadError when it breaks a limit or calamine cannot read it."""
        if sheet not in self._rows:
            actual = self.sheets.get(sheet)
            rows: Rows = []
            if actual:
                check_sheet(self.package, actual)
                rows = _calamine(self.path.name, lambda: cast(
                    Rows, self.wb.get_sheet_by_name(actual).to_python(skip_empty_area=False)))
            self._rows[sheet] = rows
        return self._rows[sheet]

    def raw(self, spot: Spot) -> object:
        r, c = parse_ref(spot[1])
        rows = self._rows.get(spot[0])
        if rows is None:
            rows = self.rows(spot[0])
        if r < len(rows):
            row = rows[r]
            if c < len(row):
                return row[c]
        return ""

    @cached_property
    def identity(self) -> tuple[dict[str, str | None], str, tuple[Note, ...]]:
        """The six identity values, where they came from ('cells', 'properties' …) and the notes
        that says; worked out once, for `read_identity` and `read_workbook` alike."""
        notes: list[Note] = []
        values, source = _identity(self, self.names, self.properties, notes)
        return values, source, tuple(notes)

    def close(self) -> None:
        if hasattr(self, "wb"):
            self.wb.close()
        self.package.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _identity(book: Workbook, names: Mapping[str, Spot], props: Mapping[str, object],
              notes: list[Note]) -> tuple[dict[str, str | None], str]:
    by_key: dict[str, Spot] = {}
    meta = book.find(L.SHEET_META)
    if meta is not None:   # fallback: the key in column A, the value beside it
        for r, row in enumerate(book.rows(meta)):
            if row and isinstance(row[0], str) and row[0].strip() in _IDENTITY_KEYS:
                by_key.setdefault(row[0].strip(), (meta, a1(r, 1)))
    values: dict[str, str | None] = {}
    used: set[str] = set()
    for f in L.IDENTITY_FIELDS:
        spot = named_cell(names, book, f.name) or by_key.get(f.name)
        cell = identity_text(book.raw(spot)) if spot else None
        prop = identity_text(props.get(f.name))
        if cell is not None:
            used.add("cells")
            if prop is not None and prop != cell and spot is not None:
                notes.append(Note(Code.E110, spot[0], spot[1], cell,
                                  Detail.IDENTITY_CONFLICT.text(label=f.label, cell=cell[:12], prop=prop[:12])))
        elif prop is not None:
            used.add("properties")
            notes.append(Note(Code.E109, "", "", prop, f.label))
        values[f.name] = cell if cell is not None else prop
    return values, "+".join(sorted(used)) or "none"


def _plain_row(book: Workbook, spots: tuple[Spot, ...]) -> tuple[Cell, ...]:
    """The cells of one evidence-index row (`spots`: consecutive cells of one row), when the file has
    nothing more to tell about them than their values: taken from the row as a whole, at a third
    of the cost of one `cell` at a time (a school lists dozens of rows)."""
    sheet = spots[0][0]
    r, left = parse_ref(spots[0][1])
    rows = book.rows(sheet)
    values = rows[r][left:left + len(spots)] if r < len(rows) else []
    values += [""] * (len(spots) - len(values))
    return tuple(Cell(sheet, ref, plain(v)) for (_, ref), v in zip(spots, values))


def read_identity(source: Path | Workbook) -> dict[str, str | None]:
    """The six CDS_ identity values, cheaply (names, the hidden `_cds` cells, custom properties)."""
    if isinstance(source, Path):
        with Workbook(source) as book:
            return read_identity(book)
    return dict(source.identity[0])


def read_workbook(source: Path | Workbook, rubric: Rubric, entry_source: str) -> SchoolResponse:
    """Read one returned workbook made for `rubric`.

    :param entry_source: the ledger's display path of the entry, carried into the result.
    """
    if isinstance(source, Path):
        with Workbook(source) as opened:
            return read_workbook(opened, rubric, entry_source)
    book, names, fmt = source, source.names, source.format
    notes: list[Note] = []
    if book.path.suffix.lower() != SUFFIX[fmt]:
        notes.append(Note(Code.E111, "", "", book.path.suffix, fmt))
    identity, identity_source, identity_notes = book.identity
    notes.extend(identity_notes)
    where = locate(book, names, rubric, notes)
    located = (*where.answers.values(), *where.notes.values(), *where.totals.values(), *where.school.values())
    raws = {spot: book.raw(spot) for spot in located}
    wanted: Wanted = {}
    blanks_only = only_blanks_matter(book.package)
    for spot, raw in raws.items():
        if not blanks_only or raw in ("", None):
            wanted.setdefault(spot[0], set()).add(spot[1])
    infos = cell_infos(book.package, wanted)

    def cell(spot: Spot) -> Cell:
        raw = raws.get(spot, raws)   # `raws` itself: not read yet (an evidence cell)
        if raw is raws:
            raw = book.raw(spot)
        info = infos.get(spot)
        if info is None:   # most cells: calamine's value says it all
            return Cell(spot[0], spot[1], plain(raw))
        if info.formula and not info.cached:   # saved by a program that does not calculate (openpyxl)
            notes.append(Note(Code.E107, spot[0], spot[1], None, ""))
        return normalise(spot[0], spot[1], raw, info, notes)

    school = {name: cell(spot) for name, spot in where.school.items()}
    if "CDS_REPORT_DATE" in school:
        school["CDS_REPORT_DATE"] = report_date(school["CDS_REPORT_DATE"], notes)
    totals: dict[int, Cell] = {}
    for gid, spot in where.totals.items():
        totals[gid] = cell(spot)
    with_infos = {sheet for sheet, _ in infos}
    evidence = tuple(row for row in (tuple(map(cell, spots)) if spots[0][0] in with_infos else _plain_row(book, spots)
                                     for spots in where.evidence)
                     if any(c.value is not None for c in row))
    return SchoolResponse(
        entry_source=entry_source, format=fmt, identity=dict(identity), identity_source=identity_source, school=school,
        answers={k: cell(s) for k, s in where.answers.items()},
        evidence_notes={k: cell(s) for k, s in where.notes.items()}, totals=totals, evidence_rows=evidence,
        located_by="codes" if where.by_code else "names", notes=tuple(notes))
