"""Rosters: header found anywhere and matched without accents or case; text normalised; every bad row named."""
from __future__ import annotations

import unicodedata

import pytest
import xlsxwriter

from cds_batch.core.findings import Code, finding
from cds_batch.rubric.roster import RosterError, SchoolInfo, roster_schools
from cds_batch.reading.roster_file import check_roster, load_roster

from tests.builders.office import soffice_convert

HOA_SEN = SchoolInfo(code="79001", name="Trường Mầm non Hoa Sen", level="Mầm non", commune="Phường Tân Phong",
                     district="Quận 7", province="Thành phố Hồ Chí Minh", email="hoasen@example.edu.vn")
LE_LOI = SchoolInfo(code="79002", name="Trường THCS Lê Lợi", level="THCS", commune="Phường Tân Hưng",
                    district="Quận 7", province="Thành phố Hồ Chí Minh", rubric="qd4725-phothong")

CSV = """\
DANH SÁCH TRƯỜNG QUẬN 7;;;;;;;
;;;;;;;
MÃ TRƯỜNG;Tên  trường;Cấp học;Xã / Phường;quan/huyen;Tỉnh/Thành phố;E-mail;Bộ chỉ số
79001;Trường Mầm non  Hoa Sen ;Mầm non;Phường Tân Phong;Quận 7;Thành phố Hồ Chí Minh;hoasen@example.edu.vn;
;;;;;;;
79002;Trường THCS Lê Lợi;THCS;Phường Tân Hưng;Quận 7;Thành phố Hồ Chí Minh;;qd4725-phothong
"""


TONES = "\u0300\u0301\u0303\u0309\u0323"   # huyền, sắc, ngã, hỏi, nặng: combining in Windows-1258


def cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: base letters precomposed (ơ, â), tone marks combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            tone = next(m for m in marks if m in TONES)
            out += unicodedata.normalize("NFC", marks.replace(tone, "")).encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: t.encode("utf-8-sig"),
    lambda t: unicodedata.normalize("NFD", t).encode("utf-8"),   # a Mac-made file
    cp1258,
], ids=["utf-8", "utf-8-bom", "utf-8-nfd", "cp1258"])
def test_csv_in_every_encoding_gives_the_same_schools(tmp_path, encode):
    path = tmp_path / "ds.csv"
    path.write_bytes(encode(CSV))
    assert check_roster(path) == ((HOA_SEN, LE_LOI), [])


def test_cp1258_really_differs_from_utf8():
    assert cp1258("Trường") != "Trường".encode("utf-8")
    assert cp1258("Trường").decode("cp1258") != "Trường"   # decomposed until NFC is applied


def write_xlsx(path, rows):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    wb.close()


XLSX_ROWS = [
    ["Phòng GDĐT Quận 7"],
    [],
    [None, "STT", "Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Quận/Huyện", "Tỉnh/Thành phố", "Email"],
    [None, 1, 79001, "Trường Mầm non Hoa Sen", "Mầm non", "Phường Tân Phong", "Quận 7", "Thành phố Hồ Chí Minh",
     "hoasen@example.edu.vn"],
    [None, 2, None, "Trường Tiểu học Không Mã"],
    [None, 3, "79001", "Trường trùng mã"],
    [None, 4, "79003", None],
]


def test_xlsx_header_anywhere_numeric_codes_and_every_bad_row_named(tmp_path):
    path = tmp_path / "ds.xlsx"
    write_xlsx(path, XLSX_ROWS)
    schools, found = check_roster(path)
    assert schools == (HOA_SEN, SchoolInfo(code="79003", name=""))
    where = dict(file="ds.xlsx", sheet="Danh sách")
    assert found == [
        finding(Code.T103, cell="C5", line=5, value="Trường Tiểu học Không Mã", **where),
        finding(Code.T104, cell="C6", line=6, value="79001", expected=4, **where),
        finding(Code.T105, cell="C7", line=7, value="79003", **where),
    ]
    with pytest.raises(RosterError) as bad:
        load_roster(path)
    message = str(bad.value)
    assert "ds.xlsx" in message and "dòng 5" in message and "dòng 6" in message and "trùng với dòng 4" in message


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_rosters(tmp_path, fmt):
    source = tmp_path / "ds.xlsx"
    write_xlsx(source, XLSX_ROWS[:4])
    converted = soffice_convert(source, fmt, tmp_path / fmt)
    assert check_roster(converted) == ((HOA_SEN,), [])


@pytest.mark.parametrize("text, code", [
    ("Tên trường,Email\nA,a@b.vn\n", Code.T102),
    ("Mã trường,Tên trường\n\n", Code.T106),
])
def test_unusable_csv(tmp_path, text, code):
    path = tmp_path / "ds.csv"
    path.write_text(text, encoding="utf-8")
    schools, found = check_roster(path)
    assert schools == () and [f.code for f in found] == [code]


def test_unsupported_or_missing_file(tmp_path):
    odd = tmp_path / "ds.docx"
    odd.write_bytes(b"PK")
    assert [f.code for f in check_roster(odd)[1]] == [Code.T101]
    assert [f.code for f in check_roster(tmp_path / "none.csv")[1]] == [Code.T101]
    broken = tmp_path / "ds.xlsx"
    broken.write_bytes(b"not a workbook")
    assert [f.code for f in check_roster(broken)[1]] == [Code.T101]


def _units(header: list[str], *rows: list[str]) -> list[str]:
    schools, found = roster_schools("ds.csv", [("", [header, *rows])])
    assert not found
    return [s.unit for s in schools]


@pytest.mark.parametrize("label", ["Đơn vị quản lý", "Cơ quan quản lý", "CƠ QUAN CHỦ QUẢN", "Đơn vị chủ quản"])
def test_the_management_unit_column_names_each_schools_unit(label):
    assert _units(["Mã trường", "Tên trường", "Xã/Phường", label],
                  ["1", "THPT A", "Xã Hải Thịnh", "Sở GDĐT Ninh Bình"],
                  ["2", "THCS B", "Xã Hải Thịnh", "UBND xã Hải Thịnh"],
                  ["3", "TH C", "Xã Giao Minh", ""]) == ["Sở GDĐT Ninh Bình", "UBND xã Hải Thịnh", "Xã Giao Minh"]


def test_without_the_column_the_commune_is_the_unit_and_an_old_rosters_district_before_it():
    assert _units(["Mã trường", "Tên trường", "Xã/Phường"], ["1", "A", "Xã Hải Thịnh"], ["2", "B", "Xã Giao Minh"]) \
        == ["Xã Hải Thịnh", "Xã Giao Minh"]
    assert _units(["Mã trường", "Tên trường", "Xã/Phường", "Quận/Huyện"], ["1", "A", "Phường 1", "Quận 7"],
                  ["2", "B", "Phường 2", "Quận 8"]) == ["Quận 7", "Quận 8"]


def test_a_roster_of_one_commune_or_district_is_one_unit_the_office_itself():
    assert _units(["Mã trường", "Tên trường", "Xã/Phường"], ["1", "A", "Xã Hải Thịnh"], ["2", "B", ""]) == ["", ""]
    assert _units(["Mã trường", "Tên trường", "Xã/Phường", "Quận/Huyện"], ["1", "A", "Phường 1", "Quận 7"],
                  ["2", "B", "Phường 2", "Quận 7"]) == ["", ""]
    assert _units(["Mã trường", "Tên trường"], ["1", "A"]) == [""]
