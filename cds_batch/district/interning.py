"""District, interning: the submissions of a run held with their equal parts shared.

In: `Submission`s as the reading workers (or the cache) hand them back.
Out: the same submissions, equal answers, criterion scores and group scores being one object each.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar, cast

from cds_batch.checking.examine import Submission
from cds_batch.checking.score import CriterionScore, GroupScore

T = TypeVar("T")


class Shared:
    """One copy of equal immutable parts across submissions: a province's tens of thousands of
    schools answer the same criteria with a handful of distinct scores and values, and holding
    them once takes a submission from about 14 KB to about 5 KB of memory. Keys are plain tuples of
    ints and strings: hashing the scores themselves (Fractions) cost more than reading a file."""

    def __init__(self) -> None:
        self._memo: dict[object, Any] = {}

    def _get(self, key: object, value: T) -> T:
        return cast(T, self._memo.setdefault(key, value))

    def value(self, v: T) -> T:
        """An answer value or key (str, int, float, date …), by type and value: 1 == 1.0 == True."""
        try:
            return self._get((type(v), v), v)
        except TypeError:   # unhashable
            return v

    def _criterion(self, c: CriterionScore) -> CriterionScore:
        if c.issues:   # carries raw values; rare, not shared
            return c
        key = ("c", c.code, c.kind, c.points.numerator, c.points.denominator, c.claimed.numerator,
               c.claimed.denominator, c.max.numerator, c.max.denominator, c.met, c.zero_reason)
        return self._get(key, c)

    def _group(self, g: GroupScore) -> GroupScore:
        key = ("g", g.id, g.score.numerator, g.score.denominator, g.max.numerator, g.max.denominator, g.level,
               g.level_name, g.failed_conditions)
        return self._get(key, g)

    def __call__(self, s: Submission) -> Submission:
        answers = {self.value(k): self.value(v) for k, v in s.answers.items()}
        result = s.result
        if result is not None:
            criteria = tuple(self._criterion(c) for c in result.criteria)
            groups = tuple(self._group(g) for g in result.groups)
            # Members are shared objects now, so their ids identify the tuples.
            result = replace(result, rubric_id=self.value(result.rubric_id),
                             rubric_hash=self.value(result.rubric_hash),
                             criteria=self._get(("cs", *map(id, criteria)), criteria),
                             groups=self._get(("gs", *map(id, groups)), groups))
        return replace(s, answers=answers, result=result, rubric_id=self.value(s.rubric_id))
