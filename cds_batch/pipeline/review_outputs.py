"""The run's external-review outputs: the review workbook(s) to fill, and, with --review, the recognition.

In: the consolidated `District`, the run's options, its cache, the review read back (or None), and the
run's `Staging` (every file is written there and committed with the run's other outputs).
Out, beside the summary:
  danh-gia-ngoai.xlsx          the evaluators' workbook (`review_book`), split into danh-gia-ngoai-1.xlsx,
                               -2 … when one would pass Excel's rows per sheet (a province-sized run);
                               with the values of a review read from elsewhere written in again;
  danh-gia-ngoai-bo-sung-N.xlsx  the schools a workbook the evaluators kept in the folder lacks;
  danh-sach-cong-nhan.xlsx     with --review: the annex to the recognition decision (`report_recognition`);
  ket-qua-cong-nhan.html       with --review: the page for the office's portal (`report_page`).
A review workbook in the folder that the evaluators filled is never written over (`plan_review_books`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import partial
from itertools import count, islice
from pathlib import Path
from typing import Callable, Sequence

from cds_batch.core.commit import Staging
from cds_batch.district.cache import RunCache, inputs_digest
from cds_batch.district.consolidate import District, SchoolRow
from cds_batch.district.recognition import Recognition, Review
from cds_batch.reports.page import PAGE_FILE, write_publication_page
from cds_batch.reports.recognition_list import RECOGNITION_FILE, write_recognition_list
from cds_batch.reports.contract import REVIEW_FILE
from cds_batch.review.spool import Spool, criterion_rows
from cds_batch.review.write import reviewed_rows, write_review
from cds_batch.rubric.model import Rubric

ROWS_PER_BOOK = 1_000_000   # criterion rows of one review workbook: Excel's sheet holds 1,048,576
STEM = Path(REVIEW_FILE).stem
OUR_NAMES = re.compile(re.escape(STEM) + r"(-bo-sung)?(-\d+)?\.xlsx")   # what this module may write


@dataclass(frozen=True)
class ReviewBooks:
    written: tuple[Path, ...]   # the review workbooks of this run (written now, or unchanged since the last)
    kept: tuple[Path, ...]      # filled by the evaluators (read with --review, or edited): never written over
    unread: tuple[Path, ...]    # of those, the ones not given to --review: nothing is written until they are


@dataclass(frozen=True)
class ReviewPlan:
    """The review workbooks of a run (module docstring): made in the main process (`plan_review_books`),
    written by `parts` (picklable and touching no cache: a big run writes each workbook in a process of
    its own), then recorded by `done`."""
    todo: tuple[tuple[tuple[SchoolRow, ...], Path, Review | None, str], ...]  # rows, target, values carried, digest
    books: tuple[Path, ...]     # this run's review workbooks: to write, or unchanged since the last run
    kept: tuple[Path, ...]
    unread: tuple[Path, ...]
    present: tuple[Path, ...]   # the tool's workbooks found in the folder
    rubrics: tuple[Rubric, ...]
    office: str
    round_label: str

    @property
    def rows(self) -> int:
        """Criterion rows to write: what writing costs."""
        by_id = {r.id: r for r in self.rubrics}
        return sum(criterion_rows(row, by_id) for rows, *_ in self.todo for row in rows)

    def parts(self, stage: Staging, spool: Path | None = None) -> list[Callable[[], None]]:
        """One call per review workbook to write (into `stage`), each picklable with only its own schools.

        :param spool: a folder where each workbook's schools are spooled (`Spool`) for a process of its
            own to read one at a time; None: the calls hold the schools themselves.
        """
        by_id = {r.id: r for r in self.rubrics}
        return [partial(write_review, Spool.write(rows, by_id, spool / f"{n}.pickle") if spool else rows,
                        self.rubrics, stage.place(target), office=self.office, round_label=self.round_label,
                        prior=carried)
                for n, (rows, target, carried, _) in enumerate(self.todo)]

    def done(self, cache: RunCache, stage: Staging) -> ReviewBooks:
        """Record the workbooks written into `stage`, and have the commit remove the ones no longer made."""
        cache.written([(stage.place(target), digest) for _, target, _, digest in self.todo])
        for stale in self.present:   # the tool's own workbooks of an earlier run that this run did not write again
            if stale not in self.books and stale not in self.kept:
                stage.drop(stale)
        return ReviewBooks(self.books, self.kept, self.unread)


def plan_review_books(district: District, rubrics: Sequence[Rubric], out: Path, cache: RunCache, *,
                      office: str, round_label: str, prior: Review | None, read_from: Sequence[Path]) -> ReviewPlan:
    """Which review workbooks to write, and which stay as they are.

    A review workbook in `out` that was read with --review, or that someone edited since the tool
    wrote it, is kept as it is: an input is never modified. The schools it holds are not written
    again; the schools it lacks (files that arrived since) go to `danh-gia-ngoai-bo-sung-N.xlsx`.
    An edited workbook that was not read stops the writing: its schools are unknown, and writing
    them again would put a school in two workbooks. A workbook whose inputs did not change since
    the tool wrote it is left as it is.
    """
    read = {p.resolve() for p in read_from}
    present = sorted(p for p in out.glob(f"{STEM}*.xlsx") if OUR_NAMES.fullmatch(p.name))
    kept = [p for p in present if p.resolve() in read or not cache.ours(p)]
    unread = [p for p in kept if p.resolve() not in read]
    if unread:
        return ReviewPlan((), (), tuple(kept), tuple(unread), (), tuple(rubrics), office, round_label)
    covered = _schools(prior) if kept else set()
    by_id = {r.id: r for r in rubrics}
    parts = split([row for row in reviewed_rows(district) if row.info.code not in covered],
                  lambda row: criterion_rows(row, by_id))
    names = _names(len(parts), {p.name for p in kept}) if any(parts) or not kept else []
    hashes = sorted((r.id, r.content_hash) for r in rubrics)
    todo, books = [], []
    for rows, name in zip(parts, names):
        target = out / name
        carried = _only(prior, {row.info.code for row in rows})
        digest = inputs_digest([_identity(row) for row in rows], hashes, office, round_label, carried)
        if not cache.unchanged(target, digest):
            todo.append((tuple(map(_shown, rows)), target, carried, digest))
        books.append(target)
    return ReviewPlan(tuple(todo), tuple(books), tuple(kept), (), tuple(present), tuple(rubrics), office,
                      round_label)


def _names(parts: int, taken: set[str]) -> list[str]:
    """The file names of `parts` review workbooks: the main name (or -1, -2 … when split), or, when the
    main workbook is kept, the first -bo-sung-N names not kept."""
    if REVIEW_FILE not in taken and not any(n.startswith(f"{STEM}-") for n in taken):
        return [REVIEW_FILE] if parts == 1 else [f"{STEM}-{n}.xlsx" for n in range(1, parts + 1)]
    free = (f"{STEM}-bo-sung-{n}.xlsx" for n in count(1))
    return list(islice((name for name in free if name not in taken), parts))


def _schools(review: Review | None) -> set[str]:
    if review is None:
        return set()
    return {x.school_code for x in review.criteria} | {x.school_code for x in review.schools}


def write_recognition(recognition: Recognition, district: District, stage: Staging, *, office: str,
                      round_label: str, rubrics: Sequence[Rubric] = (), signer: str = "") -> tuple[Path, Path]:
    """The annex to the recognition decision and the publication page, written into `stage`; their final paths."""
    annex, page = stage.out / RECOGNITION_FILE, stage.out / PAGE_FILE
    write_recognition_list(recognition, district, stage.place(annex), office=office, round_label=round_label,
                           signer=signer, rubrics=rubrics)
    write_publication_page(recognition, district, stage.place(page), office=office, round_label=round_label,
                           rubrics=rubrics)
    return annex, page


def split(rows: Sequence[SchoolRow], size: Callable[[SchoolRow], int],
          limit: int = ROWS_PER_BOOK) -> list[list[SchoolRow]]:
    """`rows` in order, cut into as few parts of at most `limit` criterion rows as will do (one part at
    least), the largest as small as it can be. Each part is written by a process of its own: a
    province's 1.27 million rows cut at the limit made parts of 1 million and 0.27 million rows, and
    the first was written long after the second."""
    sizes = [size(row) for row in rows]
    fewest = len(_greedy(sizes, limit))
    low, high = min(max(sizes, default=0), limit), limit
    while low < high:   # the smallest capacity that needs no more parts than the limit does
        mid = (low + high) // 2
        low, high = (low, mid) if len(_greedy(sizes, mid)) <= fewest else (mid + 1, high)
    parts, start = [], 0
    for length in _greedy(sizes, high):
        parts.append(list(rows[start:start + length]))
        start += length
    return parts


def _greedy(sizes: Sequence[int], capacity: int) -> list[int]:
    """How many rows each part takes, filling each up to `capacity` in order (one part at least)."""
    lengths, count = [0], 0
    for n in sizes:
        if lengths[-1] and count + n > capacity:
            lengths.append(0)
            count = 0
        lengths[-1] += 1
        count += n
    return lengths


def _identity(row: SchoolRow) -> tuple[object, ...]:
    """What a school's rows of the review workbook are made from: the file read (its answers, result and
    evidence follow from it and the tool's code), the roster line and the status."""
    used = row.used
    assert used is not None
    return row.info, row.status, used.entry.sha256, used.rubric_id


def _shown(row: SchoolRow) -> SchoolRow:
    """The row with only what the review workbook shows: no findings, other files or school fields, which
    were a third of what a review process received (a province's workbook is written by a process of its own)."""
    used = row.used
    assert used is not None
    return replace(row, superseded=(), used=replace(used, findings=(), school_fields={},
                                                    entry=replace(used.entry, path=None)))


def _only(review: Review | None, schools: set[str]) -> Review | None:
    """The part of `review` about `schools`."""
    if review is None:
        return None
    return replace(review, criteria=tuple(x for x in review.criteria if x.school_code in schools),
                   schools=tuple(x for x in review.schools if x.school_code in schools), findings=())
