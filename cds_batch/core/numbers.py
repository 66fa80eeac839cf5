"""Every way the tool writes a number, defined once.

Scores are exact `Fraction`s; each output needs them in its own form: text for a Vietnamese reader
(a decimal comma), a spreadsheet cell, a JSON value, a literal inside an Excel formula.
"""
from __future__ import annotations

from fractions import Fraction

from cds_batch.core.text import clean

EMPTY_CELL = "(trống)"   # how a message shows a blank cell


def decimal_text(x: Fraction | None) -> str:
    """A number as Vietnamese readers expect it: 7,5 rather than 15/2 or 7.5 (at most 2 decimals)."""
    if x is None:
        return ""
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def sheet_number(x: Fraction) -> int | float:
    """A score as a spreadsheet number (and a formula's cached result): whole points stay int."""
    return x.numerator if x.denominator == 1 else float(x)


def json_number(x: Fraction) -> int | float:
    """A score in a JSON or CSV data file: whole points stay int, others to 4 decimals."""
    return x.numerator if x.denominator == 1 else round(float(x), 4)


def formula_literal(x: Fraction) -> str:
    """A number as an Excel formula writes it (always '.', never ',')."""
    return str(x.numerator) if x.denominator == 1 else repr(float(x))


def full_decimal_text(x: Fraction | int) -> str:
    """A spreadsheet number as text with a decimal comma, every digit kept: 7,5; 0,3333333333333333."""
    value = sheet_number(Fraction(x))
    return str(value).replace(".", ",")


def value_text(value: object) -> str:
    """A raw cell value as the school would recognise it in a message: '(trống)' for a blank."""
    if value is None:
        return EMPTY_CELL
    if isinstance(value, Fraction):
        return decimal_text(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")
    return clean(str(getattr(value, "value", value)))
