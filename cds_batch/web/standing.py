"""The rubric's standing on a round's pages: the line the outputs carry (`rubric.model.standing_line`).

In: a `Round` (its rubric: a built-in id or the uploaded file) and, on the result page, the rubric ids
of the scored schools the run wrote. On the page a roster names only built-in rubrics, so the round's
own and those are every rubric a round's levels can come from (the round's own first: an office's
corrected copy of a built-in keeps its id).
Out: the line, or None when every rubric in play is official (or cannot be loaded: the run says why).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Collection, Iterable

from cds_batch.core.errors import RubricError
from cds_batch.reports.contract import SchoolRecord
from cds_batch.reports.standing import records_standing
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.rubric.model import Rubric, standing_line
from cds_batch.web.workspace import Round


def round_standing(r: Round, scored: Collection[str] | None = None) -> str | None:
    """The line for the round's rubric (round page) or for the rubrics of the `scored` schools (result page)."""
    path = Path(r.rubric_source)
    own = _load(r.rubric_source, path.stat().st_mtime_ns if r.settings.rubric_is_file and path.is_file() else 0)
    if scored is None:
        return standing_line([own] if own is not None else [])
    loaded = (own, *(_load(rid, 0) for rid in builtin_ids()))
    return standing_line([x for x in loaded if x is not None], scored=scored)


def province_standing(records: Iterable[SchoolRecord]) -> str | None:
    """The line for the province page: the rubrics (the built-in ones the page knows) of the schools with a level."""
    return records_standing(records, [x for x in (_load(rid, 0) for rid in builtin_ids()) if x is not None])


@lru_cache(maxsize=32)
def _load(source: str, stamp: int) -> Rubric | None:
    """A rubric, loaded once per source and file time (`stamp`); None when it cannot be used."""
    try:
        return load_rubric(source)
    except (RubricError, OSError):
        return None
