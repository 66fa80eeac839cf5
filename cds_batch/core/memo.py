"""A memo keyed by object identity, for tables built once per rubric (or group) of a run."""
from __future__ import annotations

import weakref
from typing import Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def per_object(fn: Callable[[T], R]) -> Callable[[T], R]:
    """`fn(obj)`, computed once for each live object and kept while it lives. By identity, because
    a rubric's parts are frozen dataclasses whose hash and equality walk every criterion, which costs
    more than the lookup tables built from them save; each workbook of a run is read with the same few."""
    memo: dict[int, tuple[weakref.ref[T], R]] = {}

    def cached(obj: T) -> R:
        key = id(obj)
        hit = memo.get(key)
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = fn(obj)
        memo[key] = (weakref.ref(obj, lambda _: memo.pop(key, None)), value)
        return value

    return cached
