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
