"""Defined names read straight from the file: xlsx workbook.xml and ods content.xml, written here by hand.

(.xls is covered with real LibreOffice output in test_libreoffice_roundtrip.py.)
"""
from __future__ import annotations

import unicodedata
import zipfile

import pytest

from cds_batch.core.errors import CdsBatchError
from cds_batch.reading.defined_names import read_names

WORKBOOK_XML = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
  <sheets><sheet name="Nhóm 1" sheetId="1"/></sheets>
  <definedNames>
    <definedName name="CDS_V_1_1">'Nhóm 1'!$F$5</definedName>
    <definedName name="CDS_E_1_1">'{nfd}'!$E$5</definedName>
    <definedName name="CDS_ROUND">_cds!$B$6</definedName>
    <definedName name="CDS_QUOTE">'Trường''s list'!$A$1</definedName>
    <definedName name="CDS_EVIDENCE">'Danh mục minh chứng'!$A$6:$E$256</definedName>
    <definedName name="local_name" localSheetId="0">'Nhóm 1'!$A$1</definedName>
    <definedName name="CDS_BROKEN">#REF!</definedName>
    <definedName name="CDS_FORMULA">SUM('Nhóm 1'!$G$5:$G$9)</definedName>
    <definedName name="_xlnm.Print_Titles" localSheetId="0">'Nhóm 1'!$4:$4</definedName>
  </definedNames>
</workbook>
""".replace("{nfd}", unicodedata.normalize("NFD", "Nhóm 1"))

CONTENT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
  <office:body><office:spreadsheet>
    <table:table table:name="Nhóm 1">
      <table:named-expressions>
        <table:named-range table:name="local_name" table:base-cell-address="$'Nhóm 1'.$A$1"
            table:cell-range-address="$'Nhóm 1'.$A$1"/>
      </table:named-expressions>
    </table:table>
    <table:named-expressions>
      <table:named-range table:name="CDS_V_1_1" table:base-cell-address="$'Nhóm 1'.$F$5"
          table:cell-range-address="$'Nhóm 1'.$F$5"/>
      <table:named-range table:name="CDS_ROUND" table:base-cell-address="$_cds.$A$1"
          table:cell-range-address="$_cds.$B$6"/>
      <table:named-range table:name="CDS_EVIDENCE" table:base-cell-address="$'Danh mục minh chứng'.$A$6"
          table:cell-range-address="$'Danh mục minh chứng'.$A$6:.$E$256"/>
      <table:named-expression table:name="CDS_FORMULA" table:expression="of:=SUM([.A1:.A2])"/>
    </table:named-expressions>
  </office:spreadsheet></office:body>
</office:document-content>
"""


def zipped(path, member, text):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, text.encode("utf-8"))
    return path


def test_xlsx_workbook_names_with_quoted_and_nfd_sheets(tmp_path):
    names = read_names(zipped(tmp_path / "a.xlsx", "xl/workbook.xml", WORKBOOK_XML))
    assert names == {
        "CDS_V_1_1": ("Nhóm 1", "F5"),
        "CDS_E_1_1": ("Nhóm 1", "E5"),              # NFC, though the file spelled the sheet NFD
        "CDS_ROUND": ("_cds", "B6"),
        "CDS_QUOTE": ("Trường's list", "A1"),
        "CDS_EVIDENCE": ("Danh mục minh chứng", "A6:E256"),
    }


def test_ods_named_ranges_of_the_workbook_only(tmp_path):
    names = read_names(zipped(tmp_path / "a.ods", "content.xml", CONTENT_XML))
    assert names == {
        "CDS_V_1_1": ("Nhóm 1", "F5"),
        "CDS_ROUND": ("_cds", "B6"),
        "CDS_EVIDENCE": ("Danh mục minh chứng", "A6:E256"),
    }


@pytest.mark.parametrize("name, content", [
    ("broken.xlsx", b"not a zip"),
    ("empty.ods", None),
    ("note.txt", b"hello"),
])
def test_unreadable_files_raise_a_vietnamese_error(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        zipped(path, "mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    else:
        path.write_bytes(content)
    with pytest.raises(CdsBatchError, match="Không đọc được tên vùng"):
        read_names(path)
