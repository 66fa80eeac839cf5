"""Report, recognition in the summary: the tables the district summary gains from an external review.

In: a `Recognition` (`recognition.recognise`) and the run's rubrics.
Out: `Table`s (pure): "Công nhận" — each reviewed school's self-assessed and evaluated scores and
levels side by side, the decision, the recognised level and why a school decided "Công nhận" is not
eligible (or that a recognised school's errors were resolved by the evaluation), the reviewer and the
comment; "Điều chỉnh
đánh giá ngoài" — every criterion whose evaluated value is not the school's own, with who changed it,
why, and the cell of the review workbook it came from, so each override can be traced.
"""
from __future__ import annotations

from typing import Sequence

from cds_batch.core.numbers import full_decimal_text, sheet_number
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES
from cds_batch.district.recognition import Recognition, Value, decision_label
from cds_batch.reports.labels import ROW_NO, SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.tables import Column, Look, Table, TableCell, group_ids
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import SchoolResult

from cds_batch.reports.contract import SHEET_DIFFERENCES as SHEET_DIFFERENCES  # noqa: F401  (imported from here)
from cds_batch.reports.contract import SHEET_RECOGNITION as SHEET_RECOGNITION  # noqa: F401


def recognition_table(recognition: Recognition, rubrics: Sequence[Rubric]) -> Table:
    """One row per reviewed school: self-assessed, then evaluated, then the office's decision."""
    ids = group_ids(rubrics)
    columns = [Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 9, Look.CODE), Column(SCHOOL_NAME, 26, Look.WRAP)]
    for who in ("tự đánh giá", "đánh giá ngoài"):
        for gid in ids:
            columns += [Column(f"Điểm N{gid} {who}", 9, Look.SCORE), Column(f"Mức N{gid} {who}", 8, Look.LEVEL)]
        columns.append(Column(f"Mức chung {who}", 9, Look.LEVEL))
    columns += [Column("Số tiêu chí điều chỉnh", 9, Look.INT), Column("Quyết định", 14, Look.WRAP),
                Column("Mức được công nhận", 10, Look.LEVEL), Column("Điều kiện công nhận", 30, Look.WRAP),
                Column("Người đánh giá", 16, Look.WRAP),
                Column("Nhận xét", 30, Look.WRAP)]
    rows = []
    for n, s in enumerate(recognition.schools, start=1):
        rows.append((n, s.code, s.name, *_result(s.self_result, ids), *_result(s.result, ids), len(s.differences),
                     decision_label(s.decision), s.recognised_level, s.standing, s.reviewer, s.comment))
    return Table(tuple(columns), tuple(rows))


def differences_table(recognition: Recognition) -> Table:
    """One row per criterion the evaluators changed, with reviewer, comment and the review cell."""
    columns = (Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 9, Look.CODE), Column(SCHOOL_NAME, 22, Look.WRAP),
               Column("Mã tiêu chí", 8, Look.CODE), Column("Tiêu chí", 30, Look.WRAP),
               Column("Tự đánh giá", 9, Look.CODE), Column("Đánh giá ngoài", 9, Look.CODE),
               Column("Nhận xét", 28, Look.WRAP), Column("Người đánh giá", 16, Look.WRAP),
               Column("Ô trong bảng đánh giá ngoài", 14, Look.WRAP))
    rows = tuple((n, d.school_code, d.school_name, d.code, d.name, shown(d.self_value), shown(d.evaluated),
                  d.comment, d.reviewer, f"{d.sheet}!{d.cell}" if d.cell else "")
                 for n, d in enumerate(recognition.differences, start=1))
    return Table(columns, rows)


def shown(value: Value | None) -> str:
    """A criterion's value as the review workbook shows it: points, or Đạt / Không đạt for a condition."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return CONDITION_YES if value else CONDITION_NO
    return full_decimal_text(value)


def _result(result: SchoolResult, ids: Sequence[int]) -> list[TableCell]:
    cells: list[TableCell] = []
    for gid in ids:
        g = next((g for g in result.groups if g.id == gid), None)
        cells += [sheet_number(g.score), g.level] if g is not None else [None, None]
    return [*cells, result.overall_level]
