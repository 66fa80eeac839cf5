"""The benchmark corpus of a merged province (`make_corpus.py --units N`): its roster spreads the schools
over N management units as a Sở's roster does, and the tool reads them back as those units."""
from __future__ import annotations

import random
import re
from collections import Counter

from cds_batch.reading.roster_file import load_roster

from tests.builders.corpus_plan import SO_UNIT, make_schools, with_corpus_units, write_roster


def test_the_roster_spreads_the_schools_over_the_units_asked_for(tmp_path):
    schools = make_schools(600, random.Random("1:names"))
    placed = with_corpus_units(schools, 40, random.Random("1:units"))
    assert [s.code for s in placed] == [s.code for s in schools]
    sizes = Counter(s.unit for s in placed)
    assert len(sizes) == 40
    assert {s.unit for s in placed if s.level == "THPT"} == {SO_UNIT}
    communes = [u for u in sizes if u.startswith("UBND ")]
    assert len(communes) >= 37 and all(re.fullmatch(r"UBND (xã|phường|đặc khu) \S.*", u) for u in communes)
    commune_sizes = [sizes[u] for u in communes if "đặc khu" not in u]
    assert min(commune_sizes) >= 1 and max(commune_sizes) >= 3 * min(commune_sizes)   # uneven, as real ones
    assert all(s.district == "" for s in placed)
    assert placed == with_corpus_units(schools, 40, random.Random("1:units"))


def test_the_tool_reads_the_units_back_from_the_roster(tmp_path):
    schools = with_corpus_units(make_schools(200, random.Random("2:names")), 12, random.Random("2:units"))
    roster = write_roster(tmp_path / "roster.csv", schools)
    header = roster.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Đơn vị quản lý" in header and "Quận/Huyện" not in header
    assert {s.code: s.unit for s in load_roster(roster)} == {s.code: s.unit for s in schools}


def test_without_units_the_roster_is_the_district_one_as_before(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", make_schools(50, random.Random("3:names")))
    assert roster.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[4] == "Quận/Huyện"
