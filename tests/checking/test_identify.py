"""Identify: which school a workbook belongs to (issue 5, step 3), never by guessing.

Rules: I1 the typed code wins when it agrees with the code the file was issued for; I2 a file
made for one school but filled with another's code is an error (E401) and stays with the school it
was made for; I3 a blank code falls back to the issued-for code, then the typed name (accents,
case, "Trường", TH/THCS/MN abbreviations ignored), then the sender's address, each with a warning
(E402); I4 a code outside the roster is listed as unlisted (E404); I5 an ambiguous name (E405) or
nothing to go on (E403) leaves the file unidentified.
"""
from __future__ import annotations

import pytest

from cds_batch.core.findings import Code
from cds_batch.checking.identify import Method, identify, name_key
from cds_batch.rubric.roster import SchoolInfo

ROSTER = (
    SchoolInfo("79701", "Trường Mầm non Hoa Sen", email="mn79701@q7.edu.vn"),
    SchoolInfo("79801", "Trường Tiểu học Cao Minh", email="th79801@q7.edu.vn"),
    SchoolInfo("79901", "Trường THCS Nguyễn Trãi"),
    SchoolInfo("79902", "Trường THCS Hòa Bình"),
    SchoolInfo("79903", "Trường Trung học cơ sở Hoà Bình"),  # the same name, old tone placement
)


@pytest.mark.parametrize("issued, typed, name, sender, expected", [
    # issued for | typed code | typed name | sender | → (code, method, in roster, finding codes)
    ("79801", "79801", "", "", ("79801", Method.TYPED_CODE, True, [])),
    ("", 79801.0, "", "", ("79801", Method.TYPED_CODE, True, [])),               # a numeric cell
    ("79801", "79701", "", "", ("79801", Method.ISSUED_FOR, True, [Code.E401])),
    ("79801", "", "", "", ("79801", Method.ISSUED_FOR, True, [Code.E402])),
    ("", "", "TH Cao Minh", "", ("79801", Method.NAME, True, [Code.E402])),
    ("", "", "tiểu học  CAO MINH", "", ("79801", Method.NAME, True, [Code.E402])),
    ("", "", "Trung học cơ sở Nguyễn Trãi", "", ("79901", Method.NAME, True, [Code.E402])),
    ("", "", "THCS Hòa Bình", "", (None, Method.NONE, False, [Code.E405])),
    ("", "", "MN Bé Ngoan", "MN79701@q7.edu.vn", ("79701", Method.SENDER, True, [Code.E402])),
    ("", "80123", "", "", ("80123", Method.TYPED_CODE, False, [Code.E404])),
    ("", "", "", "", (None, Method.NONE, False, [Code.E403])),
    ("", "", "Trường Lạ", "ai@example.com", (None, Method.NONE, False, [Code.E403])),
])
def test_identify(issued, typed, name, sender, expected):
    found = identify(issued, typed, name, sender, ROSTER)
    assert (found.code, found.method, found.in_roster, [c for c, _ in found.problems]) == expected


def test_name_keys_ignore_abbreviations_accents_and_the_word_truong():
    assert name_key("Trường TH Cao Minh") == name_key("Tiểu học Cao Minh") == "tieu hoc cao minh"
    assert name_key("Trường MN Hoà Bình") == name_key("mầm non hòa bình")


def test_identity_mismatch_message_names_both_codes():
    from cds_batch.core.findings import render

    (code, fields), = identify("79801", "79701", "", "", ROSTER).problems
    assert render(code, fields) == ("Tệp này được tạo cho trường có mã 79801 nhưng mã trường ghi trong tệp là "
                                    "'79701'. Hãy dùng đúng tệp của trường mình, hoặc sửa lại mã trường.")


# --- I6: a workbook pasted into a new file, names and sheet titles lost (issue 22, point 7) ----------
# The school by its "Mã trường" / "Tên trường" labels wherever they stand, the rubric by its criterion
# codes, each sheet by its content; one warning (E117) says the names were lost and what to do.

COPY_ROSTER = (SchoolInfo("79001", "Trường Tiểu học Hoa Sen"),)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A national-rubric workbook filled with answers and evidence, as a school returns it."""
    from tests.hostile_helpers import fill, school_values

    path = tmp_path_factory.mktemp("copied") / "79001 Hoa Sen.xlsx"
    fill(path, school_values("79001", "Trường Tiểu học Hoa Sen"),
         evidence=[["MC1.1", "1.1", "Kế hoạch chuyển đổi số", "12/KH", "Tủ hồ sơ"]])
    return path


def _examined(path, rubrics):
    from cds_batch.checking.examine import Context, examine
    from tests.hostile_helpers import ROUND
    from tests.validate_fixtures import entry

    return examine(entry(path), Context(rubrics=rubrics, roster=COPY_ROSTER, round_label=ROUND))


def _both_rubrics():
    from cds_batch.rubric import builtin_ids, load_rubric

    ids = builtin_ids()
    # The national rubric last: it is chosen by the codes, not by being the run's default.
    return tuple(load_rubric(i) for i in sorted(ids, key=lambda i: i == "qd4725-phothong"))


@pytest.mark.parametrize("titles", ["Sheet", "Trang tính", "Feuil"])
def test_a_pasted_copy_is_identified_and_scored_like_the_original(filled, tmp_path, titles):
    from tests.builders.pasted import pasted_copy

    rubrics = _both_rubrics()
    original = _examined(filled, rubrics)
    copy = _examined(pasted_copy(filled, tmp_path / "Book1.xlsx", titles), rubrics)
    assert original.fate is None and original.school_code == "79001", original.reason
    assert (copy.fate, copy.school_code, copy.in_roster, copy.rubric_id) == (None, "79001", True, "qd4725-phothong")
    assert (copy.answers, copy.result, copy.evidence) == (original.answers, original.result, original.evidence)
    codes = [f.code for f in copy.findings]
    assert Code.E117 in codes and Code.E403 not in codes
    assert not {Code.E101, Code.E102, Code.E105} & set(codes)   # said once, by E117
    e117 = next(f for f in copy.findings if f.code is Code.E117)
    assert f"trang '{titles}3' là 'Nhóm 1'" in e117.message
    assert f"trang '{titles}2' là 'Thông tin chung'" in e117.message
    e116 = next(f for f in copy.findings if f.code is Code.E116)
    assert "theo các mã tiêu chí trong tệp" in e116.message


def test_the_school_labels_are_found_wherever_they_stand(tmp_path):
    """'Mã trường' with its value below, 'Tên trường:' to the right, on the second sheet of a new file."""
    from cds_batch.reading.workbook import Workbook, read_workbook
    from cds_batch.rubric import load_rubric
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    ws = wb.create_sheet("Sheet2")
    ws["C4"], ws["C5"] = "Mã trường", "79001"
    ws["E8"], ws["F8"] = "Tên trường:", "Trường Tiểu học Hoa Sen"
    wb.save(tmp_path / "a.xlsx")
    with Workbook(tmp_path / "a.xlsx") as book:
        school = read_workbook(book, load_rubric("qd4725-phothong"), "a.xlsx").school
    code, name = school["CDS_SCHOOL_CODE"], school["CDS_SCHOOL_NAME"]
    assert (code.sheet, code.ref, code.value, name.sheet, name.ref, name.value) == \
        ("Sheet2", "C5", "79001", "Sheet2", "F8", "Trường Tiểu học Hoa Sen")


@pytest.mark.slow
def test_libreoffice_paste_into_a_new_document_through_the_cli(filled, tmp_path):
    """Real LibreOffice copies each sheet's cells into a new document (Sheet1 …); `cds-batch run` scores it
    like the original, for the right school, with the E117 warning in its feedback."""
    import json
    import os
    import subprocess
    import sys

    import openpyxl

    from tests.builders.pasted import libreoffice_pasted_copy
    from tests.hostile_helpers import ROOT, ROUND, write_roster

    roster = write_roster(tmp_path / "ds.csv", [["79001", "Trường Tiểu học Hoa Sen", "Tiểu học", "Phường Tân Phong",
                                                 "Quận 7", "TP Hồ Chí Minh", ""]])
    results = {}
    for name, make in (("goc", lambda p: p.write_bytes(filled.read_bytes())),
                       ("chep", lambda p: libreoffice_pasted_copy(filled, p))):
        inbox = tmp_path / name / "hop-thu"
        inbox.mkdir(parents=True)
        make(inbox / "Book1.xlsx")
        if name == "chep":
            assert openpyxl.load_workbook(inbox / "Book1.xlsx").sheetnames == [f"Sheet{n}" for n in range(1, 6)]
        done = subprocess.run([sys.executable, "-m", "cds_batch", "run", str(inbox), "--roster", str(roster),
                               "--round", ROUND, "--out", str(tmp_path / name / "kq")], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
                              timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        (school,) = json.loads((tmp_path / name / "kq" / "results.json").read_text(encoding="utf-8"))
        results[name] = school
    same = ("school_code", "status", "groups", "overall_level", "criteria", "rubric_id")
    assert results["chep"]["status"] != "missing"
    assert {k: results["chep"][k] for k in same} == {k: results["goc"][k] for k in same}
    feedback = tmp_path / "chep" / "kq" / "phan-hoi"
    texts = [str(c.value) for f in feedback.glob("*.xlsx") for ws in openpyxl.load_workbook(f).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("E117" in t or "mất tên vùng và tên trang" in t for t in texts)
