"""Read stage, locating: where each answer, note, total, school field and evidence row of a workbook is.

In: the workbook's sheets (read once), its defined names and the rubric.
Out: `Where` — answer key / criterion code / group id / field name → (sheet, A1 ref), and the
evidence index rows — and Notes for every cell found another way than by its name.

By name first (office suites move names with the cells when rows are inserted); a name that is
missing or points at a sheet that no longer exists falls back to the code column of the group's
sheet (`layout.find_by_code`), the school fields to their labels in column A, the evidence index
to its header row. A group's sheet the school renamed is found by its code column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Protocol, Sequence

from cds_batch.core.cells import parse_ref
from cds_batch.core.memo import per_object
from cds_batch.core.cells import a1
from cds_batch.form import layout as L
from cds_batch.core.findings import Code, Detail
from cds_batch.reading.values import Note
from cds_batch.rubric.model import Group, Rubric
from cds_batch.core.text import fold

Spot = tuple[str, str]
_TOTAL_LABEL = fold("TỔNG ĐIỂM TẠM TÍNH")


class Sheets(Protocol):
    """What locating needs of an opened workbook (`reading.workbook.Workbook` is one): its sheet
    names, a sheet found by a name that may differ in case or accents, and a sheet's values."""

    @property
    def sheets(self) -> Mapping[str, str]: ...

    def find(self, wanted: str) -> str | None: ...

    def rows(self, sheet: str) -> Sequence[Sequence[object]]: ...


@dataclass
class Where:
    answers: dict[str, Spot] = field(default_factory=dict)
    notes: dict[str, Spot] = field(default_factory=dict)
    totals: dict[int, Spot] = field(default_factory=dict)
    school: dict[str, Spot] = field(default_factory=dict)
    evidence: list[tuple[Spot, ...]] = field(default_factory=list)   # per index row: its cells, left to right
    by_code: bool = False
    recognised: dict[str, str] = field(default_factory=dict)   # sheet found by its content → the template's title


def named_cell(names: Mapping[str, Spot], book: Sheets, name: str) -> Spot | None:
    spot = names.get(name)
    return spot if spot is not None and ":" not in spot[1] and spot[0] in book.sheets else None


def locate(book: Sheets, names: Mapping[str, Spot], rubric: Rubric, notes: list[Note]) -> Where:
    """Where every cell the contract names is in this workbook; see the module docstring."""
    where = Where()
    first = len(notes)
    if not any(n.startswith("CDS_") for n in names):
        notes.append(Note(Code.E101, "", "", None, Detail.NAMES_LOST.text()))
        quiet = True
    else:
        quiet = False
    for group in rubric.groups:
        _group(book, names, group, where, notes, quiet)
    _school(book, names, where, notes, quiet)
    _evidence(book, names, where)
    known = _known_sheets(rubric)
    used = {s for s, _ in (*where.answers.values(), *where.school.values())}
    for sheet in book.sheets:
        if fold(sheet) not in known and sheet not in used:
            notes.append(Note(Code.E105, sheet, "", None, ""))
    if quiet and where.recognised and not any(fold(sheet) in known for sheet in book.sheets):
        # Names and titles both gone (pasted into a new workbook): one warning says so and what each
        # sheet was taken for, instead of one note per renamed or unknown sheet.
        notes[first:] = [n for n in notes[first:] if n.code not in (Code.E101, Code.E102, Code.E105)]
        found = ", ".join(f"trang '{sheet}' là '{title}'" for sheet, title in where.recognised.items())
        notes.insert(first, Note(Code.E117, "", "", None, found))
    return where


@per_object
def _known_sheets(rubric: Rubric) -> frozenset[str]:
    """The folded names of the sheets a workbook made for `rubric` has."""
    known = {fold(s) for s in (L.SHEET_GUIDE, L.SHEET_INFO, L.SHEET_EVIDENCE, L.SHEET_META)}
    return frozenset(known | {fold(L.group_sheet(g.id)) for g in rubric.groups})


@dataclass(frozen=True)
class _Plan:
    """A group's rows as the reader looks them up: built once per group, not once per workbook."""

    keys: tuple[str, ...]
    lookups: tuple[tuple[str, str, str], ...]   # (what, key, defined name), in row order
    total: str


@per_object
def _plan(group: Group) -> _Plan:
    specs = L.group_rows(group)
    lookups: list[tuple[str, str, str]] = []
    for spec in specs:
        c = spec.criterion
        if spec.has_value:
            lookups.append(("answer", spec.key,
                            L.item_name(c.code, spec.n) if spec.kind is L.RowKind.ITEM else L.value_name(c.code)))
        if spec.kind is L.RowKind.CRITERION:
            lookups.append(("note", c.code, L.evidence_name(c.code)))
    return _Plan(tuple(s.key for s in specs), tuple(lookups), L.total_name(group.id))


def _group(book: Sheets, names: Mapping[str, Spot], group: Group, where: Where, notes: list[Note],
           quiet: bool) -> None:
    plan = _plan(group)
    missing: list[tuple[str, str, str]] = []   # (what, key, defined name)
    for what, key, name in plan.lookups:
        spot = named_cell(names, book, name)
        if spot:
            (where.answers if what == "answer" else where.notes)[key] = spot
        else:
            missing.append((what, key, name))
    total = named_cell(names, book, plan.total)
    if total:
        where.totals[group.id] = total
    if not missing and total:
        return
    sheet = _group_sheet(book, group, where, notes)
    if sheet is None:
        for what, key, _ in missing:
            if what == "answer":
                notes.append(Note(Code.E104, L.group_sheet(group.id), "", key, Detail.GROUP_SHEET_MISSING.text()))
        return
    rows = book.rows(sheet)
    found = L.find_by_code(rows, plan.keys)
    cols = _header_cols(rows)
    for what, key, name in missing:
        if key not in found or (what == "note" and L.Col.NOTE not in cols):
            if what == "answer":
                notes.append(Note(Code.E104, sheet, "", key, Detail.CODE_NOT_IN_COLUMN.text(key=key)))
            continue
        row, value_col = found[key]
        spot = (sheet, a1(row, value_col if what == "answer" else cols[L.Col.NOTE]))
        (where.answers if what == "answer" else where.notes)[key] = spot
        where.by_code = True
        if not quiet:
            notes.append(Note(Code.E101, spot[0], spot[1], key, Detail.ANSWER_NAME_LOST.text(key=key, name=name)))
    if not total and L.Col.POINTS in cols:
        for r, row_values in enumerate(rows):
            if any(isinstance(v, str) and fold(v).startswith(_TOTAL_LABEL) for v in row_values[:cols[L.Col.POINTS]]):
                where.totals[group.id] = (sheet, a1(r, cols[L.Col.POINTS]))
                break


def _header_cols(rows: Sequence[Sequence[object]]) -> dict[L.Col, int]:
    """Column index of each header label, on the first row that has the code and value labels."""
    labels = {fold(text): col for col, text in L.HEADERS.items()}
    for row in rows:
        folded = [fold(v) if isinstance(v, str) else "" for v in row]
        if fold(L.HEADERS[L.Col.CODE]) in folded and fold(L.HEADERS[L.Col.VALUE]) in folded:
            return {labels[f]: i for i, f in enumerate(folded) if f in labels}
    return {}


def _group_sheet(book: Sheets, group: Group, where: Where, notes: list[Note]) -> str | None:
    expected = L.group_sheet(group.id)
    sheet = book.find(expected)
    if sheet is not None:
        return sheet
    keys = _plan(group).keys
    hits = {s: len(L.find_by_code(book.rows(s), keys)) for s in book.sheets}
    best = max(hits, key=lambda s: hits[s], default=None)
    if best is None or hits[best] == 0:
        notes.append(Note(Code.E103, expected, "", None, Detail.SHEET_MISSING.text(expected=expected)))
        return None
    notes.append(Note(Code.E102, best, "", best, Detail.SHEET_RENAMED.text(expected=expected, found=best)))
    where.recognised[best] = expected
    return best


def _school(book: Sheets, names: Mapping[str, Spot], where: Where, notes: list[Note], quiet: bool) -> None:
    labels: dict[str, Spot] = {}
    info = book.find(L.SHEET_INFO)
    for f in L.SCHOOL_FIELDS:
        spot = named_cell(names, book, f.name)
        if spot:
            where.school[f.name] = spot
            continue
        if not labels:
            labels = _info_labels(book, info) if info is not None else {}
            if not labels:   # no "Thông tin chung" sheet: the labels wherever they stand
                labels = _labels_anywhere(book)
                if labels:
                    where.recognised.setdefault(next(iter(labels.values()))[0], L.SHEET_INFO)
        spot = labels.get(fold(f.label))
        if spot:
            where.school[f.name] = spot
            where.by_code = True
            if not quiet:
                notes.append(Note(Code.E101, spot[0], spot[1], f.name,
                                  Detail.FIELD_NAME_LOST.text(label=f.label, name=f.name)))


def _info_labels(book: Sheets, info: str) -> dict[str, Spot]:
    """The template's own layout: each label in column A, its value beside it."""
    labels: dict[str, Spot] = {}
    for r, row in enumerate(book.rows(info)):
        if row and isinstance(row[0], str):
            labels.setdefault(fold(row[0]), (info, a1(r, L.INFO_VALUE_COL)))
    return labels


_FIELD_LABELS = frozenset(fold(f.label) for f in L.SCHOOL_FIELDS)


def _labels_anywhere(book: Sheets) -> dict[str, Spot]:
    """The school fields' labels ("Mã trường", "Tên trường" …; a trailing ':' or '*' allowed) in any
    cell of the one sheet that has the most of them, each with its value: the cell to the right when
    filled, else the cell below when filled, else (a blank answer) the cell to the right."""
    best: dict[str, Spot] = {}
    for sheet in book.sheets:
        rows = book.rows(sheet)
        found: dict[str, Spot] = {}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                label = fold(value.rstrip(" :*")) if isinstance(value, str) else ""
                if label in _FIELD_LABELS and label not in found:
                    found[label] = (sheet, a1(r, c + 1) if _filled(rows, r, c + 1) or not _filled(rows, r + 1, c)
                                    else a1(r + 1, c))
        if len(found) > len(best):
            best = found
    return best


def _filled(rows: Sequence[Sequence[object]], r: int, c: int) -> bool:
    return r < len(rows) and c < len(rows[r]) and rows[r][c] not in ("", None)


def _evidence(book: Sheets, names: Mapping[str, Spot], where: Where) -> None:
    spot = names.get(L.EVIDENCE_NAME)
    if spot and ":" in spot[1] and spot[0] in book.sheets:
        sheet = spot[0]
        (top, left), (bottom, right) = (parse_ref(p) for p in spot[1].split(":"))
        first = top + 1   # the range includes the header row
    else:
        found = book.find(L.SHEET_EVIDENCE)
        hit = _evidence_header(book, found, beside=False) if found is not None else None
        if found is None:   # the sheet's title is lost: the sheet whose header row is the index's
            found, hit = next(((s, h) for s in book.sheets if s not in where.recognised
                               for h in [_evidence_header(book, s)] if h is not None), (None, None))
            if found is not None:
                where.recognised[found] = L.SHEET_EVIDENCE
        if found is None or hit is None:
            return
        sheet = found
        rows = book.rows(sheet)
        first, left = hit[0] + 1, hit[1]
        bottom, right = len(rows) - 1, left + len(L.EVIDENCE_HEADERS) - 1
    rows = book.rows(sheet)
    for r in range(first, min(bottom, len(rows) - 1) + 1):
        if any(v not in ("", None) for v in rows[r][left:right + 1]):
            where.evidence.append(_row_spots(sheet, r, left, right))


def _evidence_header(book: Sheets, sheet: str, beside: bool = True) -> tuple[int, int] | None:
    """(row, column) of the evidence index's first header ("Mã minh chứng"); `beside`: only with the
    second header ("Tiêu chí") next to it, as on a sheet known by its content alone."""
    head, second = fold(L.EVIDENCE_HEADERS[0]), fold(L.EVIDENCE_HEADERS[1])
    rows = book.rows(sheet)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, str) and fold(v) == head and (not beside or (
                    c + 1 < len(row) and isinstance(row[c + 1], str) and fold(row[c + 1]) == second)):
                return r, c
    return None


@lru_cache(maxsize=4096)   # the same index rows in every workbook of a run
def _row_spots(sheet: str, row: int, left: int, right: int) -> tuple[Spot, ...]:
    return tuple((sheet, a1(row, c)) for c in range(left, right + 1))
