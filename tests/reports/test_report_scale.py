"""The shortcuts that let the reports scale to a province: each gives exactly what the plain way gives.

Streamed JSON and payload text, exact Fraction sums by denominator, the one-line shortcut of the
row-height estimate. Timings live in benchmarks/bench_reports.py, not here.
"""
from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cds_batch.reports.contract import PAYLOAD_FORMAT, payload_cells
from cds_batch.reports.data_files import results, write_json
from cds_batch.reports.book import lines, wrapped_lines
from cds_batch.reports.stats import exact_sum

from tests.district_fixtures import OFFICE, district

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@given(st.lists(JSON_VALUES, max_size=6) | JSON_VALUES)
def test_write_json_streams_the_text_json_dumps_gives(tmp_path_factory, data):
    target = tmp_path_factory.mktemp("json") / "x.json"
    write_json(target, data)
    assert target.read_text(encoding="utf-8") == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def test_write_json_of_the_district_results(tmp_path):
    schools = results(district(), OFFICE)
    write_json(tmp_path / "results.json", schools)
    assert (tmp_path / "results.json").read_text(encoding="utf-8") == json.dumps(
        schools, ensure_ascii=False, indent=1) + "\n"


def test_payload_cells_are_the_whole_json_text_cut_in_chunks():
    schools = results(district(), OFFICE)
    for chunk in (1, 7, 100, 1000, 30_000):
        for n in (0, 1, 2, len(schools)):
            text = json.dumps(schools[:n], ensure_ascii=False, separators=(",", ":"))
            plain = [PAYLOAD_FORMAT] + [text[i:i + chunk] for i in range(0, len(text), chunk)]
            assert list(payload_cells(iter(schools[:n]), chunk)) == plain


@given(st.lists(st.fractions(max_denominator=8), max_size=40))
def test_exact_sum_is_sum(values):
    assert exact_sum(values) == sum(values, Fraction(0))


@given(st.text(alphabet=" \nabcờ", max_size=40), st.integers(min_value=1, max_value=30))
def test_the_one_line_shortcut_counts_as_wrapping_does(text, width):
    assert lines(text, width) == wrapped_lines(text, width)
