"""How a big review workbook is cut into parts (`run_review.split`): in order, within Excel's rows, as
few parts as cutting at the limit gives, and the largest part as small as it can be, because each part
is written by a process of its own."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cds_batch.pipeline.review_outputs import ROWS_PER_BOOK, split


def cut_at_limit(sizes: list[int], limit: int) -> list[int]:
    """The criterion rows of each part when every part is filled up to the limit."""
    parts = [0]
    for n in sizes:
        if parts[-1] and parts[-1] + n > limit:
            parts.append(0)
        parts[-1] += n
    return parts


def rows_per_part(sizes: list[int], limit: int) -> list[int]:
    parts = split(list(range(len(sizes))), lambda i: sizes[i], limit=limit)
    assert [i for part in parts for i in part] == list(range(len(sizes)))   # every school once, in order
    return [sum(sizes[i] for i in part) for part in parts]


def test_a_province_is_cut_into_two_equal_workbooks():
    assert rows_per_part([29] * 43_650, ROWS_PER_BOOK) == [632_925, 632_925]


def test_a_district_is_one_workbook():
    assert rows_per_part([29] * 300, ROWS_PER_BOOK) == [8_700]
    assert rows_per_part([], ROWS_PER_BOOK) == [0]


@given(st.lists(st.integers(1, 40), max_size=80), st.integers(40, 400))
def test_parts_are_as_few_as_at_the_limit_and_no_larger(sizes, limit):
    got, at_limit = rows_per_part(sizes, limit), cut_at_limit(sizes, limit)
    assert len(got) == len(at_limit)
    assert max(got) <= max(at_limit) <= limit
