"""A province from its units' results equals a direct run (issue 23, point 4).

A small merged province (three communes of five schools, and three THPT schools the Sở manages itself)
and its inbox filed by unit, with zips, mail, a mailbox, resubmissions and broken files in it
(`split_inbox`). Each unit's office runs its own round (`cds-batch run` on its folder, with its slice of
the roster and `--office` its own name) and sends its result as a folder, a mailed tong-hop.xlsx or a
zip; the Sở rolls them up (`cds-batch province --roster`). That must give every school the status,
scores and levels, and every unit the counts, that one direct run of the Sở over the whole inbox and
roster gives (`cds-batch run`, then `cds-batch province` of that one result), and so must the Sở taking
the schools' files straight (`cds-batch province <inbox> --roster`).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from cds_batch.cli import main

from tests.province.split_inbox import (
    AN_HOA, BINH_MINH, CAT_TIEN, MISSING, ROUND, SO, UNITS, WRONG_OFFICE, Built, build
)

# What a school's result is: the keys compared between the direct run and the roll-up. Not `warnings`:
# the office that received another unit's school's file warns that it is not on its roster (E404).
COMPARED = ("unit", "status", "provisional", "groups", "overall_level", "criteria", "errors", "rubric_id")


def cds(*args: str | Path) -> int:
    """The command line, in this process; its exit code."""
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
    return int(done.value.code or 0)


def run(inbox: Path, roster: Path, office: str, out: Path) -> Path:
    cds("run", inbox, "--roster", roster, "--office", office, "--round", ROUND, "--out", out, "--jobs", "1")
    return out


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Built:
    return build(tmp_path_factory.mktemp("tinh"))


@pytest.fixture(scope="module")
def unit_results(province) -> dict[str, Path]:
    """Each unit's own run: unit → its output folder."""
    base = province.inbox.parent / "ket-qua-don-vi"
    return {unit: run(province.folders[unit], province.slices[unit], unit, base / slug) for unit, slug in UNITS.items()}


@pytest.fixture(scope="module")
def sent(province, unit_results) -> Path:
    """What the units send the Sở: An Hòa its folder, Bình Minh its tong-hop.xlsx by mail (renamed), Cát
    Tiên its folder zipped, the Sở's own run its folder."""
    box = province.inbox.parent / "so-nhan"
    box.mkdir()
    shutil.copytree(unit_results[AN_HOA], box / "ket-qua xa An Hoa")
    shutil.copy(unit_results[BINH_MINH] / "tong-hop.xlsx", box / "Bao cao CDS xa Binh Minh.xlsx")
    shutil.make_archive(str(box / "ket-qua-cat-tien"), "zip", unit_results[CAT_TIEN].parent,
                        unit_results[CAT_TIEN].name)
    shutil.copytree(unit_results[SO], box / "ket-qua THPT")
    return box


@pytest.fixture(scope="module")
def rolled_up(province, sent) -> tuple[int, Path]:
    out = province.inbox.parent / "tinh-tu-don-vi"
    return cds("province", sent, "--roster", province.roster, "--out", out), out


@pytest.fixture(scope="module")
def direct(province) -> tuple[Path, Path]:
    """The Sở's direct run over everything, and the province roll-up of that one result."""
    base = province.inbox.parent
    out = run(province.inbox, province.roster, SO, base / "ket-qua-truc-tiep")
    assert cds("province", out, "--roster", province.roster, "--out", base / "tinh-truc-tiep") == 0
    return out, base / "tinh-truc-tiep"


def schools(out: Path) -> dict[str, dict[str, Any]]:
    records = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert len(records) == len({r["school_code"] for r in records})   # each school once
    return {r["school_code"]: {k: r.get(k) for k in COMPARED} for r in records}


def unit_rows(out: Path) -> list[list[object]]:
    """The "Theo đơn vị" sheet's rows: rank, unit, counts, levels, average, note; then the province total."""
    rows = CalamineWorkbook.from_path(str(out / "tong-hop-tinh.xlsx")).get_sheet_by_name("Theo đơn vị").to_python()
    return [r for r in rows[3:] if any(c != "" for c in r)]


def test_rolling_up_the_units_results_equals_one_direct_run(province, unit_results, rolled_up, direct):
    code, out = rolled_up
    assert code == 0   # every result used; the broken files stayed with the units that received them
    direct_run, direct_province = direct
    split = schools(out)
    assert split == schools(direct_province)
    # ... and the direct run's own records, each in the unit its roster row names.
    assert split == schools(direct_run)
    assert unit_rows(out) == unit_rows(direct_province)
    # Not vacuous: every status, units of different sizes and results, a resubmission, a wrong office.
    statuses = [s["status"] for s in split.values()]
    assert {st: statuses.count(st) for st in set(statuses)} == {"valid": 13, "needs_fix": 2, "missing": 3}
    assert sorted(c for c, s in split.items() if s["status"] == "missing") == sorted(MISSING)
    counts = {r[1]: tuple(r[2:7]) for r in unit_rows(out)}   # schools, submitted, valid, to fix, missing
    assert counts == {AN_HOA: (5, 4, 4, 0, 1), BINH_MINH: (5, 4, 3, 1, 1), CAT_TIEN: (5, 5, 4, 1, 0),
                      SO: (3, 2, 2, 0, 1), "Toàn tỉnh": (18, 15, 13, 2, 3)}
    assert len({s["overall_level"] for s in split.values()} - {None}) == 3
    an_hoa = schools(unit_results[AN_HOA])
    assert an_hoa[WRONG_OFFICE]["status"] == "unlisted" and an_hoa[WRONG_OFFICE]["unit"] == AN_HOA
    assert schools(unit_results[BINH_MINH])[WRONG_OFFICE]["status"] == "missing"
    assert split[WRONG_OFFICE]["unit"] == BINH_MINH and split[WRONG_OFFICE]["status"] == "valid"
    ledger = json.loads((unit_results[BINH_MINH] / "ledger.json").read_text(encoding="utf-8"))
    assert [e["fate"] for e in ledger if e["school_code"] == "37203"] == ["superseded", "used"]   # sent twice
    # No P101 for the school An Hòa had outside its roster: it counts once, in Bình Minh.
    to_look_at = CalamineWorkbook.from_path(str(out / "tong-hop-tinh.xlsx")).get_sheet_by_name("Cần xem")
    assert to_look_at.to_python()[3][0].startswith("Không có vấn đề nào cần xem")


def test_the_province_taking_the_schools_files_itself_groups_them_by_unit_alike(province, direct, tmp_path):
    code = cds("province", province.inbox, "--roster", province.roster, "--out", tmp_path / "tinh")
    assert code == 1   # the broken files, the letter and the empty file are inputs it could not use
    assert schools(tmp_path / "tinh") == schools(direct[1])
    assert unit_rows(tmp_path / "tinh") == unit_rows(direct[1])


def test_units_that_have_not_reported_are_listed_with_their_schools_missing(province, unit_results, tmp_path, capsys):
    code = cds("province", unit_results[AN_HOA], unit_results[SO], "--roster", province.roster, "--out", tmp_path)
    assert code == 0   # like a school that has not submitted: listed, not a failure
    assert "Đã tổng hợp 4 đơn vị (2 đơn vị chưa gửi kết quả), 18 trường." in capsys.readouterr().out
    rows = {r[1]: r for r in unit_rows(tmp_path)}
    assert sorted(name for name, r in rows.items() if r[-1] == "Chưa gửi kết quả") == sorted([BINH_MINH, CAT_TIEN])
    assert tuple(rows[CAT_TIEN][2:7]) == (5, 0, 0, 0, 5)
    # Bình Minh's school that mailed An Hòa is counted in Bình Minh; the unit itself still has not reported.
    assert tuple(rows[BINH_MINH][2:7]) == (5, 1, 1, 0, 4)
    assert rows["Toàn tỉnh"][-1] == "2 đơn vị chưa gửi kết quả"
    book = CalamineWorkbook.from_path(str(tmp_path / "tong-hop-tinh.xlsx"))
    found = book.get_sheet_by_name("Cần xem").to_python()[3:]
    assert [(r[1], r[3].split(":")[0]) for r in found] == [
        ("P111", f"{CAT_TIEN} chưa gửi kết quả"), ("P111", f"{BINH_MINH} chưa gửi kết quả")]
    assert "; 4 trường của đơn vị được tính là chưa nộp. Hãy nhắc đơn vị gửi" in found[1][3]
    records = schools(tmp_path)
    assert {c for c, s in records.items() if s["unit"] == CAT_TIEN and s["status"] == "missing"} == {
        f"3730{k}" for k in range(1, 6)}
