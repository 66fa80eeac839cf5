"""Review, spool: a review workbook's schools on disk, read back one at a time.

In: the schools to evaluate (`write.reviewed_rows`) and the run's rubrics by id.
Out: a `Spool` (a file of pickled schools with its `outline`: the rubrics used and the criterion rows),
which `write.write_review` takes in place of the rows; `criterion_rows` of one school.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from cds_batch.district.consolidate import SchoolRow
from cds_batch.rubric.model import Rubric


def outline(rows: Sequence[SchoolRow], by_id: Mapping[str, Rubric]) -> tuple[tuple[str, ...], int]:
    """What a review workbook must know before its first school: the rubrics used (in order of first
    use) and the criterion rows."""
    ids = tuple(dict.fromkeys(row.used.rubric_id for row in rows if row.used))
    return ids, sum(criterion_rows(row, by_id) for row in rows)


@dataclass(frozen=True)
class Spool:
    """A review workbook's schools pickled one after the other into a file, with their `outline`.

    A province's workbook is written by a process of its own: given the rows themselves, each such
    process held its 22,500 schools (330 MB) at once; reading them back from here it holds one.
    """

    path: Path
    schools: int
    rubric_ids: tuple[str, ...]
    lines: int

    @classmethod
    def write(cls, rows: Sequence[SchoolRow], by_id: Mapping[str, Rubric], path: Path) -> "Spool":
        with path.open("wb") as out:
            for row in rows:
                pickle.dump(row, out, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(path, len(rows), *outline(rows, by_id))

    def __iter__(self) -> Iterator[SchoolRow]:
        with self.path.open("rb") as f:
            for _ in range(self.schools):
                yield pickle.load(f)


def criterion_rows(row: SchoolRow, by_id: Mapping[str, Rubric]) -> int:
    """The rows a school takes on the criteria sheet: its rubric's criteria (none when that rubric is not loaded)."""
    rubric = by_id.get(row.used.rubric_id) if row.used is not None else None
    return sum(len(g.criteria) for g in rubric.groups) if rubric is not None else 0
