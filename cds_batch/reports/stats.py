"""Report statistics: level counts by level of education, and points per criterion per rubric.

In: a consolidated `District` and the run's rubrics.
Out: the tables of the "Thống kê" sheet (schools per level, for each group and overall, by cấp học)
and of the "Chi tiết tiêu chí" sheet (one block per rubric, in one part per group: school × criterion
points, with the average and the share of schools at full marks under each column). Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

from cds_batch.core.numbers import sheet_number
from cds_batch.district.consolidate import District, SchoolRow, Status
from cds_batch.rubric.model import Group, Kind, Rubric
from cds_batch.reports.labels import CONDITION_MAX_SHORT, MET, NOT_MET, SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.tables import NO_LEVEL_OF_EDUCATION, Column, Look, Table, TableCell
from cds_batch.checking.score import CriterionScore, SchoolResult

COUNTED = (Status.VALID, Status.NEEDS_FIX)
COUNTED_NOTE = ("Chỉ tính các trường trong danh sách đã nộp: trạng thái 'Hợp lệ' và 'Cần sửa' (mức của trường cần "
                "sửa là mức tạm tính). Không tính trường chưa nộp và trường ngoài danh sách. 'Chưa xếp mức': "
                "tệp chưa chấm được.")
UNRATED = "Chưa xếp mức"


@dataclass(frozen=True)
class LevelTable:
    """Schools per level of one measure (a group, or the overall level), one row per cấp học."""

    title: str
    levels: tuple[int, ...]
    table: Table     # Cấp học, Mức …, Chưa xếp mức, Tổng; the last row is the total


def _levels_of_education(district: District) -> list[str]:
    seen: dict[str, None] = {}
    for row in district.schools:
        if row.status is not Status.UNLISTED:
            seen.setdefault(row.info.level or NO_LEVEL_OF_EDUCATION, None)
    return list(seen)


def level_tables(district: District, rubrics: Sequence[Rubric]) -> tuple[LevelTable, ...]:
    """For each group id and for the overall level: counted schools per level and cấp học."""
    counted = [r for r in district.schools if r.status in COUNTED]
    measures: list[tuple[str, tuple[int, ...], Callable[[SchoolResult], int | None]]] = []
    for gid in sorted({g.id for r in rubrics for g in r.groups}):
        bands = sorted({b.level for r in rubrics for g in r.groups if g.id == gid for b in g.levels.bands})
        name = next(g.name for r in rubrics for g in r.groups if g.id == gid)
        measures.append((f"Nhóm {gid}: {name}", tuple(bands), _group_level(gid)))
    every = sorted({b.level for r in rubrics for g in r.groups for b in g.levels.bands})
    measures.append(("Mức chung của cơ sở giáo dục", tuple(every), lambda res: res.overall_level))
    categories = _levels_of_education(district)
    out = []
    for title, levels, level_of in measures:
        columns = (Column("Cấp học", 22, Look.WRAP), *(Column(f"Mức {n}", 9, Look.INT) for n in levels),
                   Column(UNRATED, 11, Look.INT), Column("Tổng", 9, Look.INT))
        rows: list[tuple[TableCell, ...]] = []
        totals = [0] * (len(levels) + 2)
        for category in categories:
            counts = [0] * (len(levels) + 2)
            for row in counted:
                if (row.info.level or NO_LEVEL_OF_EDUCATION) != category:
                    continue
                result = row.used.result if row.used is not None else None
                level = level_of(result) if result is not None else None
                counts[levels.index(level) if level in levels else len(levels)] += 1
                counts[-1] += 1
            totals = [a + b for a, b in zip(totals, counts)]
            rows.append((category, *counts))
        rows.append(("Tổng cộng", *totals))
        out.append(LevelTable(title, levels, Table(columns, tuple(rows))))
    return tuple(out)


def _group_level(gid: int) -> Callable[[SchoolResult], int | None]:
    return lambda res: next((g.level for g in res.groups if g.id == gid), None)


LEAD = 3   # the columns that name the school in a criterion table
POINTS_WIDTH = 6.5   # every column after the lead: the tables of a sheet share their columns


@dataclass(frozen=True)
class CriterionPart:
    """One group of one rubric: schools × its criteria and its total. The first `LEAD` columns name the school."""

    group_id: int
    group_name: str
    table: Table
    maxima: tuple[TableCell, ...]        # under each code: the most it gives ('ĐK' for a condition)
    averages: tuple[TableCell, ...]      # per column after the lead; None for conditions or when no school
    full_shares: tuple[TableCell, ...]   # share of schools at full marks (conditions: share met), 0..1


@dataclass(frozen=True)
class CriterionBlock:
    """One rubric's schools with a result; one part per group, so each part fits a page's width."""

    rubric: Rubric
    schools: int
    parts: tuple[CriterionPart, ...]


def _with_result(row: SchoolRow, rubric: Rubric) -> SchoolResult | None:
    result = row.used.result if row.used is not None else None
    return result if result is not None and result.rubric_id == rubric.id else None


def criterion_blocks(district: District, rubrics: Sequence[Rubric]) -> tuple[CriterionBlock, ...]:
    """One block per rubric, its schools (with a result, provisional or not) in district order."""
    blocks = []
    for rubric in rubrics:
        scored = [_Scored(row, res) for row in district.schools if (res := _with_result(row, rubric)) is not None]
        parts = tuple(_part(group, scored) for group in rubric.groups)
        blocks.append(CriterionBlock(rubric, len(scored), parts))
    return tuple(blocks)


class _Scored:
    """A school with its result, its criteria and groups indexed once (a district has tens of thousands)."""

    __slots__ = ("row", "criteria", "groups")

    def __init__(self, row: SchoolRow, result: SchoolResult) -> None:
        self.row = row
        self.criteria: dict[str, CriterionScore] = {}
        self.groups: dict[int, Fraction] = {}
        for s in result.criteria:   # the first of a code wins, as a scan would find it
            self.criteria.setdefault(s.code, s)
        for g in result.groups:
            self.groups.setdefault(g.id, g.score)


def _part(group: Group, scored: list[_Scored]) -> CriterionPart:
    columns = [Column(SCHOOL_CODE, 9, Look.CODE), Column(SCHOOL_NAME, 22, Look.WRAP),
               Column("Trạng thái", 9, Look.STATUS)]
    tops: list[Fraction | None] = []   # None: a condition
    values: list[list[Fraction | bool | None]] = [[] for _ in scored]
    for c in group.criteria:
        condition = c.kind is Kind.CONDITION
        columns.append(Column(c.code, POINTS_WIDTH, Look.STATUS if condition else Look.SCORE))
        tops.append(None if condition else c.max_points)
        for vals, school in zip(values, scored):
            got = school.criteria.get(c.code)
            vals.append(None if got is None else bool(got.met) if condition else got.points)
    columns.append(Column(f"Tổng nhóm {group.id}", POINTS_WIDTH, Look.SCORE))
    tops.append(group.effective_max)
    for vals, school in zip(values, scored):
        vals.append(school.groups.get(group.id))
    rows = tuple((school.row.info.code, school.row.info.name, school.row.status.label, *(_shown(v) for v in vals))
                 for school, vals in zip(scored, values))
    averages, shares = [], []
    for j, top in enumerate(tops):
        column = [vals[j] for vals in values if vals[j] is not None]
        averages.append(_average(column) if top is not None else None)
        shares.append(_share_full(column, top))
    maxima = tuple(CONDITION_MAX_SHORT if top is None else sheet_number(top) for top in tops)
    return CriterionPart(group.id, group.name, Table(tuple(columns), rows), maxima, tuple(averages), tuple(shares))


def _shown(v: Fraction | bool | None) -> TableCell:
    if isinstance(v, bool):
        return MET if v else NOT_MET
    return None if v is None else sheet_number(v)


def _average(column: list[Fraction | bool | None]) -> TableCell:
    points = [v for v in column if isinstance(v, Fraction)]
    return float(exact_sum(points) / len(points)) if points else None


def exact_sum(values: Sequence[Fraction]) -> Fraction:
    """sum(values) exactly, summing integer numerators per denominator first.

    The same Fraction as `sum(values, Fraction(0))`, about ten times faster: adding Fractions one by one
    normalises each partial sum, and a district column has tens of thousands of halves and quarters.
    """
    numerators: dict[int, int] = {}
    for v in values:
        numerators[v.denominator] = numerators.get(v.denominator, 0) + v.numerator
    return sum((Fraction(n, d) for d, n in numerators.items()), Fraction(0))


def _share_full(column: list[Fraction | bool | None], top: Fraction | None) -> TableCell:
    """The share of schools at the column's maximum (a condition: the share that met it)."""
    if not column:
        return None
    if top is None:
        return float(Fraction(sum(v is True for v in column), len(column)))
    if top <= 0:
        return None
    # v >= top on integers (denominators are positive): Fraction comparisons cost a microsecond each.
    n, d = top.numerator, top.denominator
    full = sum(isinstance(v, Fraction) and v.numerator * d >= n * v.denominator for v in column)
    return float(Fraction(full, len(column)))
