"""Report tables by management unit: the summary's "Theo đơn vị" and "Theo đơn vị và cấp học" sheets, and
the columns the province's "Theo đơn vị" sheet shares with them.

In: a consolidated `District`, the run's rubrics and the office running the round (the unit of a school
the roster assigns to none: `tables.school_unit`, as results.json's `unit`).
Out: per unit, counted as the province counts a unit's results: schools (unlisted ones included, in the
office's unit), submitted (not missing), valid, to fix, missing, schools per level of each group and
overall among the scored ones, those not rated, and the average of the scored schools' mean group score
as a percentage of the group's maximum; units ranked by that average. The same per unit and level of
education (cấp học). Pure: no I/O.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

from cds_batch.district.consolidate import District, SchoolRow, Status
from cds_batch.reports.tables import (
    NO_LEVEL_OF_EDUCATION, Column, Look, Table, TableCell, group_ids, school_unit, unit_label, unit_order
)
from cds_batch.rubric.model import Rubric

RANK = Column("Hạng", 6, Look.INT)
UNIT_NAME = Column("Đơn vị", 24, Look.WRAP)
LEVEL_OF_EDUCATION = Column("Cấp học", 17, Look.WRAP)
COUNTS = ("Số trường", "Đã nộp", "Hợp lệ", "Cần sửa", "Chưa nộp")
UNRATED = Column("Chưa xếp mức", 8, Look.INT)
AVERAGE = Column("Điểm TB (% tối đa)", 11, Look.SCORE)
TOTAL = "Tổng cộng"
ALL_LEVELS = "Mọi cấp học"


def level_headers(groups: Sequence[int], levels: Sequence[int]) -> list[str]:
    """'Nhóm 1 M1' … then 'Chung M1' …: schools at each level of each group, then of the overall level."""
    return [f"{g} M{n}" for g in (*(f"Nhóm {gid}" for gid in groups), "Chung") for n in levels]


def count_columns(groups: Sequence[int], levels: Sequence[int]) -> tuple[Column, ...]:
    """The columns after a unit's name: the counts, the schools per level, those not rated, the average."""
    return (*(Column(h, 8, Look.INT) for h in (*COUNTS, *level_headers(groups, levels))), UNRATED, AVERAGE)


# The province's "Theo đơn vị" sheet: the official rubric's groups 1 and 2 at levels 1 to 3.
PROVINCE_UNIT_COLUMNS = (RANK, UNIT_NAME, *count_columns((1, 2), (1, 2, 3)))


@dataclass
class UnitCounts:
    """The counts of one unit (or of one unit's schools of one cấp học, or of several summed)."""

    schools: int = 0
    by_status: Counter[Status] = field(default_factory=Counter)
    levels: Counter[tuple[int | None, int]] = field(default_factory=Counter)   # (group id, None: overall; level)
    unrated: int = 0     # submitted without an overall level among the columns' (not scored)
    percents: list[Fraction] = field(default_factory=list)   # per scored school: its mean group percentage

    def add(self, row: SchoolRow) -> None:
        """Count a school of the run."""
        result = row.used.result if row.used is not None else None
        self.count(row.status, [(g.id, g.level, g.score, g.max) for g in result.groups] if result is not None else [],
                   result.overall_level if result is not None else None)

    def count(self, status: Status | None, groups: Sequence[tuple[int, int, Fraction, Fraction]],
              overall: int | None) -> None:
        """Count a school by its status (None: one this code does not know), its groups' (id, level, score,
        maximum) and its overall level: the one counting rule of the run's and the province's units."""
        self.schools += 1
        if status is not None:
            self.by_status[status] += 1
        if status is Status.MISSING:
            return
        if status is None or not groups:
            self.unrated += 1
            return
        for gid, level, _, _ in groups:
            self.levels[gid, level] += 1
        self.levels[None, overall or 0] += 1
        parts = [score * 100 / top for _, _, score, top in groups if top]
        if parts:
            self.percents.append(sum(parts, Fraction(0)) / len(parts))

    @property
    def average(self) -> Fraction | None:
        return sum(self.percents, Fraction(0)) / len(self.percents) if self.percents else None

    def cells(self, groups: Sequence[int], levels: Sequence[int]) -> tuple[TableCell, ...]:
        """The values under `count_columns(groups, levels)`."""
        s = self.by_status
        unrated = self.unrated + sum(v for (gid, n), v in self.levels.items() if gid is None and n not in levels)
        return (self.schools, self.schools - s[Status.MISSING], s[Status.VALID], s[Status.NEEDS_FIX],
                s[Status.MISSING], *(self.levels[gid, n] for gid in (*groups, None) for n in levels), unrated,
                None if self.average is None else float(self.average))


def combined(parts: Sequence[UnitCounts]) -> UnitCounts:
    total = UnitCounts()
    for c in parts:
        total.schools += c.schools
        total.by_status.update(c.by_status)
        total.levels.update(c.levels)
        total.unrated += c.unrated
        total.percents += c.percents
    return total


@dataclass(frozen=True)
class UnitTable:
    """A table by unit and the total rows written under it (in the total look, outside the autofilter)."""

    table: Table
    totals: tuple[tuple[TableCell, ...], ...]


def _shape(rubrics: Sequence[Rubric]) -> tuple[list[int], list[int]]:
    """The group ids and the levels the columns count (every band of the run's rubrics)."""
    levels = sorted({b.level for r in rubrics for g in r.groups for b in g.levels.bands})
    return group_ids(rubrics), levels


def unit_table(district: District, rubrics: Sequence[Rubric], office: str) -> UnitTable:
    """One row per unit, ranked as the province ranks: the higher average first, a unit without one last,
    then by name; the total of every unit under it."""
    groups, levels = _shape(rubrics)
    counts: dict[str, UnitCounts] = {}
    for row in district.schools:
        counts.setdefault(school_unit(row.info, office), UnitCounts()).add(row)
    ranked = sorted(counts.items(), key=lambda kv: (-(kv[1].average or Fraction(-1)), unit_order(kv[0])))
    rows = tuple((rank, unit_label(unit), *c.cells(groups, levels))
                 for rank, (unit, c) in enumerate(ranked, start=1))
    total = (None, TOTAL, *combined(list(counts.values())).cells(groups, levels))
    return UnitTable(Table((RANK, UNIT_NAME, *count_columns(groups, levels)), rows), (total,))


def unit_level_table(district: District, rubrics: Sequence[Rubric], office: str) -> UnitTable:
    """One row per unit and cấp học (units by name, cấp học in the order the roster first gives them);
    under it, the total of each cấp học over every unit, then of all."""
    groups, levels = _shape(rubrics)
    counts: dict[tuple[str, str], UnitCounts] = {}
    order: dict[str, int] = {}
    for row in district.schools:
        level = row.info.level or NO_LEVEL_OF_EDUCATION
        order.setdefault(level, len(order))
        counts.setdefault((school_unit(row.info, office), level), UnitCounts()).add(row)
    keys = sorted(counts, key=lambda k: (unit_order(k[0]), order[k[1]]))
    rows = tuple((unit_label(unit), level, *counts[unit, level].cells(groups, levels)) for unit, level in keys)
    totals = tuple((TOTAL, level, *combined([c for (_, lv), c in counts.items() if lv == level]).cells(groups, levels))
                   for level in order)
    every = (TOTAL, ALL_LEVELS, *combined(list(counts.values())).cells(groups, levels))
    return UnitTable(Table((UNIT_NAME, LEVEL_OF_EDUCATION, *count_columns(groups, levels)), rows),
                     (*totals, every) if len(order) > 1 else totals)
