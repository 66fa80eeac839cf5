"""Report tables: the rows of the district summary's sheets, as plain values.

In: a consolidated `District`, the run's rubrics and (optionally) the changes since the last round.
Out: `Table`s (columns with header, width and look; rows of str / int / float / datetime / None),
which `report_summary` writes as they are and the CLI can also write as CSV. Scores become int or
float (exact for the halves and quarters rubrics use); times become naive Vietnam time (UTC+7).
Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Sequence, Union

from cds_batch.core.numbers import sheet_number
from cds_batch.district.consolidate import District, LedgerRow, SchoolRow
from cds_batch.intake.containers import local_time
from cds_batch.core.findings import Finding, Severity
from cds_batch.reports.rounds import Change
from cds_batch.reports.labels import (
    CARRIED, FATE_LABELS, KIND_LABELS, ROW_NO, SCHOOL_CODE, SCHOOL_NAME, TIME_SOURCE_LABELS, UNIT, UNNAMED_OFFICE
)
from cds_batch.core.text import fold
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo

TableCell = Union[str, int, float, datetime, None]


class Look(Enum):
    """How a column is printed: its number format, alignment and wrapping."""

    TEXT = "text"        # one line, left
    WRAP = "wrap"        # wrapped text
    CODE = "code"        # short centred text (codes, kinds)
    INT = "int"          # whole numbers, centred
    SCORE = "score"      # points: one or two decimals
    LEVEL = "level"      # a level 1..3, centred (italic when provisional)
    STATUS = "status"    # a status or severity label, coloured by value
    DATE = "date"        # dd/mm/yyyy hh:mm
    SIZE = "size"        # bytes with thousands separators
    HASH = "hash"        # a long hex digest in small type, wrapped anywhere


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    look: Look = Look.TEXT


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[TableCell, ...], ...]

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]


RECEIVED_FROM = "Nguồn ngày nhận"   # the column saying where a received time comes from
KIND = "Loại tệp"
PROVISIONAL_NOTE = "Mức tạm tính (còn lỗi)"
UNSCORED_NOTE = "Chưa chấm được (xem trang Cần sửa)"
NO_LEVEL_OF_EDUCATION = "Chưa rõ cấp học"


def place(f: Finding) -> str:
    """'Nhóm 1!E7' (sheet!cell), or what part of it is known."""
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    return f.sheet or f.cell


def group_ids(rubrics: Sequence[Rubric]) -> list[int]:
    """Every group id of the run's rubrics, ascending (the columns of the overview)."""
    return sorted({g.id for r in rubrics for g in r.groups})


def note(row: SchoolRow) -> str:
    """Why a school's levels are not final, or ''."""
    if row.used is None:
        return ""
    if row.used.result is None:
        return UNSCORED_NOTE
    return PROVISIONAL_NOTE if row.provisional else ""


# --- Management units ----------------------------------------------------------------------------

def school_unit(info: SchoolInfo, office: str) -> str:
    """The school's management unit: its roster's (`rubric.roster.with_units`), else the office running the
    round (a school of its own, or one not in the roster). results.json's `unit` holds the same."""
    return info.unit or office


def unit_label(unit: str) -> str:
    """The words a table shows for a unit: its name, or `UNNAMED_OFFICE` when the round's office is unnamed."""
    return unit or UNNAMED_OFFICE


def spans_units(district: District, office: str) -> bool:
    """Whether the round's schools belong to more than one management unit (the office's own schools, in a
    roster that names units for the others, are one more): the summary then has its tables by unit and its
    school lists a unit column. A roster of one unit keeps the layout of a round before units existed."""
    return len({school_unit(row.info, office) for row in district.schools}) > 1


def unit_order(unit: str) -> tuple[str, str]:
    """Sort key of units by name as a reader looks them up (ignoring case and diacritics)."""
    return fold(unit_label(unit)), unit


# --- "Tổng hợp" ---------------------------------------------------------------------------------

UNIT_COLUMN = Column(UNIT, 14, Look.WRAP)   # narrow: Tổng hợp prints one page wide, already ~8 pt


def overview(district: District, rubrics: Sequence[Rubric], office: str = "") -> Table:
    """One row per school in `district.schools` order: identity, scores and levels, status, file.

    :param office: the office running the round; when the schools span several units (`spans_units`),
        a column after "Xã/Phường" names each school's unit.
    """
    ids = group_ids(rubrics)
    by_unit = spans_units(district, office)
    columns = [Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 10, Look.CODE), Column(SCHOOL_NAME, 25, Look.WRAP),
               Column("Cấp học", 12, Look.WRAP), Column("Xã/Phường", 13, Look.WRAP),
               *((UNIT_COLUMN,) if by_unit else ()), Column("Bộ chỉ số", 12, Look.WRAP)]
    for gid in ids:
        columns += [Column(f"Điểm nhóm {gid}", 8, Look.SCORE), Column(f"Mức nhóm {gid}", 7, Look.LEVEL)]
    columns += [Column("Mức chung", 7, Look.LEVEL), Column("Trạng thái", 12, Look.STATUS),
                Column("Ghi chú", 13, Look.WRAP), Column("Số lỗi", 6, Look.INT), Column("Số cảnh báo", 8, Look.INT),
                Column("Tệp được dùng", 22, Look.WRAP), Column("Ngày nhận", 16, Look.DATE),
                Column(RECEIVED_FROM, 13, Look.WRAP)]
    rows = []
    for n, row in enumerate(district.schools, start=1):
        s, info = row.used, row.info
        result = s.result if s is not None else None
        scores: list[TableCell] = []
        for gid in ids:
            g = next((g for g in result.groups if g.id == gid), None) if result is not None else None
            scores += [sheet_number(g.score), g.level] if g is not None else [None, None]
        unit = (unit_label(school_unit(info, office)),) if by_unit else ()
        rows.append((n, info.code, info.name, info.level, info.commune, *unit, s.rubric_id if s else None, *scores,
                     result.overall_level if result is not None else None, row.status.label, note(row) or None,
                     s.errors if s else None, s.warnings if s else None,
                     s.entry.source if s else None, local_time(s.entry.received_at) if s else None,
                     TIME_SOURCE_LABELS[s.entry.time_source] if s else None))
    return Table(tuple(columns), tuple(rows))


def overview_table(district: District, rubrics: Sequence[Rubric],
                   office: str = "") -> tuple[list[str], list[list[object]]]:
    """The header and the body rows of the "Tổng hợp" sheet (no title or total rows), e.g. for a CSV.

    The same rows the sheet is written from: scores are int or float, levels int, cells without
    a value None; only the received time, a date cell on the sheet, is given as 'dd/mm/yyyy hh:mm'.
    """
    table = overview(district, rubrics, office)
    return table.header, [[f"{v:%d/%m/%Y %H:%M}" if isinstance(v, datetime) else v for v in r] for r in table.rows]


# --- "Cần sửa" ----------------------------------------------------------------------------------

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1}


# The "Cần sửa" sheet's columns; the web page finds them again by these headers.
FIX_COLUMNS = (Column(SCHOOL_CODE, 10, Look.CODE), Column(SCHOOL_NAME, 22, Look.WRAP), Column("Tệp", 26, Look.WRAP),
               Column("Vị trí", 14, Look.WRAP), Column("Mã lỗi", 7, Look.CODE), Column("Mức độ", 10, Look.STATUS),
               Column("Nội dung", 60, Look.WRAP))


def fix_table(district: District) -> Table:
    """Every error and warning of the used and the unplaced submissions, in school, file, severity order.

    An unplaced file with no such finding (unreadable, not our template) gets one error row made
    from its ledger reason, so every file the office must chase is on this sheet.
    """
    columns = FIX_COLUMNS
    order = {row.info.code: n for n, row in enumerate(district.schools)}
    keyed: list[tuple[tuple[int, str, int, int], tuple[TableCell, ...]]] = []
    placed = [(row.info.code, row.info.name, row.used) for row in district.schools if row.used is not None]
    loose = [(s.school_code or "", s.school_fields.get("CDS_SCHOOL_NAME", ""), s) for s in district.unplaced]
    for code, name, s in placed + loose:
        school = order.get(code, len(order)) if code else len(order)
        shown = [f for f in s.findings if f.severity in _RANK]
        for seq, f in enumerate(shown):
            file = f.file or s.entry.source
            keyed.append(((school, file, _RANK[f.severity], seq),
                          (code, name, file, place(f), f.code.name, f.severity.value, f.message)))
        if not any(f.severity is Severity.ERROR for f in shown) and s.fate is not None:
            label = FATE_LABELS.get(s.fate, s.fate.value)
            keyed.append(((school, s.entry.source, 0, -1),
                          (code, name, s.entry.source, "", "", Severity.ERROR.value,
                           f"{label}: {s.reason}" if s.reason else label)))
    keyed.sort(key=lambda pair: pair[0])
    return Table(columns, tuple(cells for _, cells in keyed))


# --- "Chưa nộp", "Thay đổi so với đợt trước", "Sổ nhận file" -------------------------------------

MISSING_COLUMNS = (Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 10, Look.CODE),
                   Column(SCHOOL_NAME, 32, Look.WRAP), Column("Cấp học", 14, Look.WRAP),
                   Column("Xã/Phường", 20, Look.WRAP), Column("Email", 28, Look.WRAP))


def missing_table(district: District, office: str = "") -> Table:
    """The roster schools with nothing received, with what the office needs to chase them.

    When the schools span several units (`spans_units`), grouped by unit (units by name, schools in
    roster order), with the unit named in a second column: each unit's list is one block to send it.
    """
    missing = [r.info for r in district.schools if r.used is None]
    if not spans_units(district, office):
        return Table(MISSING_COLUMNS, tuple((n, i.code, i.name, i.level, i.commune, i.email)
                                            for n, i in enumerate(missing, start=1)))
    columns = (MISSING_COLUMNS[0], Column(UNIT, 22, Look.WRAP), *MISSING_COLUMNS[1:])
    grouped = sorted(missing, key=lambda i: unit_order(school_unit(i, office)))   # stable: roster order within
    return Table(columns, tuple((n, unit_label(school_unit(i, office)), i.code, i.name, i.level, i.commune, i.email)
                                for n, i in enumerate(grouped, start=1)))


def change_table(changes: Sequence[Change]) -> Table:
    """One row per change since the earlier round."""
    columns = (Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 10, Look.CODE), Column(SCHOOL_NAME, 30, Look.WRAP),
               Column("Thay đổi", 16, Look.WRAP), Column("Đợt trước", 24, Look.WRAP), Column("Đợt này", 24, Look.WRAP))
    return Table(columns, tuple((n, c.school_code, c.school_name, c.kind.value, c.before, c.after)
                                for n, c in enumerate(changes, start=1)))


def fate_label(r: LedgerRow) -> str:
    """What became of a ledger entry, in words: 'Không phải bảng tính', 'Đã dùng (dùng lại từ đợt trước)'."""
    return f"{FATE_LABELS[r.fate]} ({CARRIED.lower()})" if r.carried else FATE_LABELS[r.fate]


def ledger_table(district: District) -> Table:
    """The whole ledger in discovery order: every file and member received and what became of it."""
    return entries_table(district.ledger)


def entries_table(ledger: Sequence[LedgerRow]) -> Table:
    """The rows of a ledger (a district run's, or the province roll-up's inputs) in their order."""
    columns = (Column(ROW_NO, 5, Look.INT), Column("Nguồn", 28, Look.WRAP), Column("Tên tệp", 18, Look.WRAP),
               Column(KIND, 12, Look.WRAP), Column("Kích thước (byte)", 11, Look.SIZE),
               Column("Thời điểm nhận", 16, Look.DATE), Column(RECEIVED_FROM, 13, Look.WRAP),
               Column("Người gửi", 16, Look.WRAP), Column("Kết quả", 15, Look.WRAP),
               Column(SCHOOL_CODE, 10, Look.CODE), Column("Lý do", 32, Look.WRAP), Column("SHA-256", 17, Look.HASH))
    rows = []
    for n, r in enumerate(ledger, start=1):
        e = r.entry
        rows.append((n, e.source, e.name, KIND_LABELS[e.kind], e.size, local_time(e.received_at),
                     TIME_SOURCE_LABELS[e.time_source], e.sender, fate_label(r), r.school_code, r.reason, e.sha256))
    return Table(columns, tuple(rows))


# --- "Tệp không dùng được" ---------------------------------------------------------------------

# The columns of the list of files that could not be used; the web page shows the same ones.
UNUSABLE_COLUMNS = (Column(ROW_NO, 5, Look.INT), Column("Tệp", 34, Look.WRAP), Column(KIND, 16, Look.WRAP),
                    Column("Kết quả", 16, Look.WRAP), Column(SCHOOL_CODE, 10, Look.CODE),
                    Column("Lý do", 50, Look.WRAP))


def unusable_table(district: District) -> Table:
    """Every received file that could not be used (`District.unusable`), in discovery order."""
    return Table(UNUSABLE_COLUMNS, tuple((n, r.entry.source, KIND_LABELS[r.entry.kind], fate_label(r),
                                          r.school_code or None, r.reason)
                                         for n, r in enumerate(district.unusable, start=1)))
