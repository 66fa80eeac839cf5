"""Templates, formulas: the provisional points a template works out for the school as it fills it in.

In: a criterion and its row (`form.layout.RowSpec`), or a group and its criteria's points cells.
Out: the Excel formula of the points cell (or of the group's total) and the value it has on an empty
sheet (cached in the file, so a reader that does not recalculate shows it); `quote`, a string literal.
"""
from __future__ import annotations

from fractions import Fraction

from cds_batch.core.cells import a1
from cds_batch.core.numbers import formula_literal
from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_YES, ITEM_YES
from cds_batch.rubric.model import Criterion, Group, Kind, OnFail


def quote(text: str) -> str:
    """`text` as an Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def points_formula(c: Criterion, spec: L.RowSpec) -> tuple[str, Fraction]:
    """The provisional points formula of a criterion row and its value on an empty sheet."""
    v = a1(spec.row, L.Col.VALUE)
    if c.kind is Kind.CONDITION:
        return "", Fraction(0)
    if c.kind is Kind.POINTS:
        return f"=IF(AND(ISNUMBER({v}),{v}>=0,{v}<={formula_literal(c.max_points)}),{v},0)", Fraction(0)
    choice = "0"
    for o in reversed(c.options):
        choice = f"IF({v}={quote(o.label)},{formula_literal(o.points)},{choice})"
    if c.kind is Kind.CHOICE:
        return f"={choice}", Fraction(0)
    if c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
        bands = "0"
        for b in reversed(c.bands):
            i = b.interval
            lo, hi = (">=" if i.lo_inclusive else ">"), ("<=" if i.hi_inclusive else "<")
            test = f"AND({v}{lo}{formula_literal(i.lo)},{v}{hi}{formula_literal(i.hi)})"
            bands = f"IF({test},{formula_literal(b.points)},{bands})"
        return f"=IF(ISNUMBER({v}),{bands},0)", Fraction(0)
    first, last = a1(spec.row + 1, L.Col.VALUE), a1(spec.row + len(c.items), L.Col.VALUE)
    if c.deduction is not None:   # checklist: base minus a deduction per item not marked Có
        base = choice if c.options else formula_literal(c.base or Fraction(0))
        raw = f'{base}-{formula_literal(c.deduction)}*({len(c.items)}-COUNTIF({first}:{last},"{ITEM_YES}"))'
        blank = (Fraction(0) if c.options else c.base or Fraction(0)) - c.deduction * len(c.items)
    else:
        rows = range(spec.row + 1, spec.row + 1 + len(c.items))
        raw = "+".join(f'IF({a1(r, L.Col.VALUE)}="{ITEM_YES}",{formula_literal(i.points or Fraction(0))},0)'
                       for r, i in zip(rows, c.items))
        blank = Fraction(0)
    formula, blank = f"MAX({formula_literal(c.floor)},{raw})", max(c.floor, blank)
    if c.cap is not None:
        formula, blank = f"MIN({formula_literal(c.cap)},{formula})", min(c.cap, blank)
    return f"={formula}", blank


def total_formula(group: Group, cells: dict[str, str], blank: dict[str, Fraction]) -> tuple[str, Fraction]:
    """The group's provisional total (without '=') and its value on an empty sheet.

    :param cells: criterion code → its points cell; :param blank: code → that cell's empty-sheet value.
    Each section is capped; a condition that zeroes the group and is not marked Đạt zeroes the total.
    """
    sections = {s.code: s for s in group.sections}
    loose = [cells[c.code] for c in group.criteria if c.code in cells and c.section not in sections]
    parts = [f"SUM({','.join(loose)})"] if loose else []
    value = sum((blank[c.code] for c in group.criteria if c.code in blank and c.section not in sections),
                Fraction(0))
    for s in group.sections:
        mine = [c.code for c in group.section_lines(s.code) if c.code in cells]
        if mine:
            parts.append(f"MIN({formula_literal(s.cap)},SUM({','.join(cells[m] for m in mine)}))")
            value += min(s.cap, sum((blank[m] for m in mine), Fraction(0)))
    conditions = [a1(spec.row, L.Col.VALUE) for spec in L.group_rows(group)
                  if spec.kind is L.RowKind.CRITERION and spec.criterion.kind is Kind.CONDITION
                  and spec.criterion.on_fail is OnFail.ZERO_GROUP]
    formula = "+".join(parts) or "0"
    if conditions:   # a condition not marked Đạt (blank included) zeroes the group, as the tool does
        failed = ",".join(f"{r}<>{quote(CONDITION_YES)}" for r in conditions)
        formula, value = f"IF(OR({failed}),0,{formula})", Fraction(0)
    return formula, value
