"""The run's external-review outputs: the review workbook(s) to fill, and, with --review, the recognition.

In: the consolidated `District`, the run's options, its cache, and the review read back (or None).
Out, beside the summary, every file written atomically:
  danh-gia-ngoai.xlsx          the evaluators' workbook (`review_book`), with the values of the review
                               given to --review written in again; split into danh-gia-ngoai-1.xlsx,
                               -2 … when one would pass Excel's rows per sheet (a province-sized run);
  danh-sach-cong-nhan.xlsx     with --review: the annex to the recognition decision (`report_recognition`);
  ket-qua-cong-nhan.html       with --review: the page for the office's portal (`report_page`).
A review workbook someone has edited since the tool wrote it, and which was not given to --review,
is never overwritten: the evaluators' work would be lost. It is reported as kept instead.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .cache import RunCache, inputs_digest
from .consolidate import District, SchoolRow
from .recognition import Recognition, Review
from .report_page import PAGE_FILE, write_publication_page
from .report_recognition import RECOGNITION_FILE, write_recognition_list
from .review_book import REVIEW_FILE, reviewed_rows, write_review
from .rubric.model import Rubric

ROWS_PER_BOOK = 1_000_000   # criterion rows of one review workbook: Excel's sheet holds 1,048,576


@dataclass(frozen=True)
class ReviewBooks:
    written: tuple[Path, ...]   # the review workbooks of this run (written now, or unchanged since the last)
    kept: tuple[Path, ...]      # edited since the tool wrote them and not read with --review: left as they are


def write_review_books(district: District, rubrics: Sequence[Rubric], out: Path, cache: RunCache, *,
                       office: str, round_label: str, prior: Review | None, read_from: Sequence[Path]) -> ReviewBooks:
    """The review workbook(s) of the run; `prior` (read from `read_from`) is carried forward."""
    by_id = {r.id: r for r in rubrics}
    parts = split(reviewed_rows(district), lambda row: _criteria(row, by_id))
    stem = Path(REVIEW_FILE).stem
    names = [REVIEW_FILE] if len(parts) == 1 else [f"{stem}-{n}.xlsx" for n in range(1, len(parts) + 1)]
    read = {p.resolve() for p in read_from}
    hashes = sorted((r.id, r.content_hash) for r in rubrics)
    written, kept = [], []
    for rows, name in zip(parts, names):
        target = out / name
        if target.exists() and target.resolve() not in read and not cache.ours(target):
            kept.append(target)
            continue
        mine = {row.info.code for row in rows}
        carried = _only(prior, mine)
        digest = inputs_digest([_identity(row) for row in rows], hashes, office, round_label, carried)
        if not cache.unchanged(target, digest):
            write_review(rows, rubrics, target, office=office, round_label=round_label, prior=carried)
            cache.written([(target, digest)])
        written.append(target)
    for stale in out.glob(f"{stem}*.xlsx"):   # parts of an earlier, bigger run
        if stale not in written and stale not in kept and cache.ours(stale):
            stale.unlink()
    return ReviewBooks(tuple(written), tuple(kept))


def write_recognition(recognition: Recognition, district: District, out: Path, *, office: str,
                      round_label: str) -> tuple[Path, Path]:
    """The annex to the recognition decision and the publication page; their paths."""
    annex, page = out / RECOGNITION_FILE, out / PAGE_FILE
    write_recognition_list(recognition, district, annex, office=office, round_label=round_label)
    write_publication_page(recognition, district, page, office=office, round_label=round_label)
    return annex, page


def split(rows: Sequence[SchoolRow], size: Callable[[SchoolRow], int],
          limit: int = ROWS_PER_BOOK) -> list[list[SchoolRow]]:
    """`rows` in order, cut into parts of at most `limit` criterion rows (one part at least)."""
    parts: list[list[SchoolRow]] = [[]]
    count = 0
    for row in rows:
        n = size(row)
        if parts[-1] and count + n > limit:
            parts.append([])
            count = 0
        parts[-1].append(row)
        count += n
    return parts


def _criteria(row: SchoolRow, by_id: Mapping[str, Rubric]) -> int:
    rubric = by_id.get(row.used.rubric_id) if row.used is not None else None
    return sum(len(g.criteria) for g in rubric.groups) if rubric is not None else 0


def _identity(row: SchoolRow) -> tuple[object, ...]:
    """What a school's rows of the review workbook are made from: the file read (its answers, result and
    evidence follow from it and the tool's code), the roster line and the status."""
    used = row.used
    assert used is not None
    return row.info, row.status, used.entry.sha256, used.rubric_id


def _only(review: Review | None, schools: set[str]) -> Review | None:
    """The part of `review` about `schools`."""
    if review is None:
        return None
    return replace(review, criteria=tuple(x for x in review.criteria if x.school_code in schools),
                   schools=tuple(x for x in review.schools if x.school_code in schools), findings=())
