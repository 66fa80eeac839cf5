"""The answer convention shared by the template, the reader and the scoring engine.

In: one raw cell value as a reader returns it (str, int, float, bool, date, None, or a
`PercentCell` for a cell formatted as percent).
Out: `Parsed` — the value understood, or the problem that makes it unusable, and whether it had
to be reinterpreted ("7,5" → 7.5) so the validate stage can show that to the school.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Generic, Sequence, TypeVar, Union

from cds_batch.core.text import clean, fold

T = TypeVar("T")

# What the template offers in its dropdowns; anything else accepted is a reinterpretation.
CONDITION_YES, CONDITION_NO = "Đạt", "Không đạt"
ITEM_YES, ITEM_NO = "Có", "Không"
_YES = {"dat", "co", "x", "✓", "✔", "1", "true", "yes"}
_NO = {"khong dat", "chua dat", "khong", "0", "false", "no"}
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_POINTS_SUFFIX = re.compile(r"\s*(?:điểm|diem)$", re.IGNORECASE)


@dataclass(frozen=True)
class PercentCell:
    """A numeric cell whose number format is a percentage: 0.85 shown as 85%."""

    value: float


RawValue = Union[str, int, float, bool, Fraction, Decimal, PercentCell, None, object]


class Problem(Enum):
    MISSING = "missing"
    UNPARSEABLE = "unparseable"
    OUT_OF_RANGE = "out_of_range"
    NOT_AN_OPTION = "not_an_option"
    OFF_STEP = "off_step"


@dataclass(frozen=True)
class Parsed(Generic[T]):
    value: T | None = None
    problem: Problem | None = None
    reinterpreted: bool = False


def item_key(code: str, n: int) -> str:
    """The answer key of checklist item n (1-based) of criterion `code`: '2.3a_1'."""
    return f"{code}_{n}"


def is_blank(raw: RawValue) -> bool:
    return raw is None or (isinstance(raw, str) and clean(raw) == "")


def parse_flag(raw: RawValue, canonical: tuple[str, str]) -> Parsed[bool]:
    """Đạt/Không đạt or Có/Không and their synonyms (Có, x, ✓, 1, TRUE, Yes …), any case or accents."""
    if is_blank(raw):
        return Parsed(problem=Problem.MISSING)
    if isinstance(raw, bool):
        return Parsed(raw, reinterpreted=True)
    if isinstance(raw, (int, float, Fraction, Decimal)) and raw in (0, 1):
        return Parsed(bool(raw), reinterpreted=True)
    if isinstance(raw, str):
        text = clean(raw)
        key = fold(text)
        if key in _YES or key in _NO:
            return Parsed(key in _YES, reinterpreted=text not in canonical)
    return Parsed(problem=Problem.UNPARSEABLE)


def parse_number(raw: RawValue, *, percent: bool = False) -> Parsed[Fraction]:
    """An exact number from a cell: 7, 7.5, '7,5', '6 điểm'; for a percentage also '85%' and 85 %-cells.

    :param percent: the criterion is a percentage (0..100): a '%' sign and a percent-formatted
        cell are understood; for points they are an error, never a silent 0.85.
    """
    if is_blank(raw):
        return Parsed(problem=Problem.MISSING)
    if isinstance(raw, PercentCell):
        if not percent or not math.isfinite(raw.value):
            return Parsed(problem=Problem.UNPARSEABLE)
        return Parsed(Fraction(Decimal(repr(raw.value))) * 100, reinterpreted=True)
    if isinstance(raw, bool):
        return Parsed(problem=Problem.UNPARSEABLE)
    if isinstance(raw, int):
        return Parsed(Fraction(raw))
    if isinstance(raw, (Fraction, Decimal)):
        return Parsed(Fraction(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return Parsed(problem=Problem.UNPARSEABLE)
        return Parsed(Fraction(Decimal(repr(raw))))
    if not isinstance(raw, str):
        return Parsed(problem=Problem.UNPARSEABLE)
    text = clean(raw)
    stripped = _POINTS_SUFFIX.sub("", text)
    if percent and stripped.endswith("%"):
        stripped = stripped[:-1].strip()
    if not _NUMBER.match(stripped):
        return Parsed(problem=Problem.UNPARSEABLE)
    return Parsed(Fraction(Decimal(stripped.replace(",", "."))), reinterpreted=True)


def parse_choice(raw: RawValue, labels: Sequence[str], points: Sequence[Fraction]) -> Parsed[int]:
    """The index of the chosen option, by its label or by its points written as the label shows them."""
    if is_blank(raw):
        return Parsed(problem=Problem.MISSING)
    if isinstance(raw, str):
        key = fold(raw)
        for index, label in enumerate(labels):
            if fold(label) == key:
                return Parsed(index, reinterpreted=clean(raw) != label)
    number = parse_number(raw)
    if number.value is not None:
        hits = [i for i, p in enumerate(points) if p == number.value]
        if len(hits) == 1:
            return Parsed(hits[0], reinterpreted=True)
    return Parsed(problem=Problem.NOT_AN_OPTION)
