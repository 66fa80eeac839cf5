"""Real spreadsheet programs other than LibreOffice: a school's file saved by Gnumeric, SheetJS or ExcelJS
is read like LibreOffice's, with the same scores, and never called damaged because python-calamine
refused it (issue 22, point 6).

One filled workbook per program and format, each for a school of its own, all in one inbox, and one
`cds-batch run` over it, as an office runs it; the LibreOffice re-save is the reference. python-calamine
refuses the .ods that Gnumeric and SheetJS write (pretty-printed content.xml), and an .xlsx whose parts
are UTF-16: those go through the tolerant readers.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cds_batch.checking.score import score
from cds_batch.intake.discover import Fate
from cds_batch.checking.examine import Context, examine
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.reading.workbook import Workbook

from tests.builders.answers import scoring_answers
from tests.builders.office import soffice_convert
from tests.builders.other_programs import exceljs_convert, gnumeric_convert, sheetjs_convert, utf16_parts
from tests.hostile_files import write
from tests.hostile_helpers import NATIONAL, ROOT, ROUND, fill, school_values, write_roster
from tests.validate_fixtures import entry

pytestmark = pytest.mark.slow
EVIDENCE = [["MC1.1", "1.1", "Kế hoạch chuyển đổi số năm học 2025-2026", "12/KH-THCS, 05/09/2025", "Tủ hồ sơ"],
            ["MC1.2", "1.2", "Quyết định thành lập tổ chuyển đổi số", "15/QĐ-THCS", "https://truong.edu.vn/qd"]]
# (school code, program, format); the first is the reference.
SAVES = [("79100", "libreoffice", "xlsx"),
         ("79101", "gnumeric", "xlsx"), ("79102", "gnumeric", "xls"), ("79103", "gnumeric", "ods"),
         ("79104", "sheetjs", "xlsx"), ("79105", "sheetjs", "ods"), ("79106", "sheetjs", "xls"),
         ("79107", "exceljs", "xlsx")]
CONTEXT = Context(rubrics=(NATIONAL,), roster=(SchoolInfo(code="79001", name="Trường Tiểu học Hoa Sen"),),
                  round_label=ROUND)
REFUSED_BY_CALAMINE = {("gnumeric", "ods"), ("sheetjs", "ods")}


def saved_by(program: str, source: Path, fmt: str, target: Path) -> Path:
    if program == "libreoffice":
        return soffice_convert(source, fmt, target.parent / "lo").replace(target)
    if program == "gnumeric":
        return gnumeric_convert(source, fmt, target)
    if program == "sheetjs":
        return sheetjs_convert(source, fmt, target)
    return exceljs_convert(source, target)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The inbox of re-saved workbooks, and `cds-batch run` over it: (inbox, results by code, ledger)."""
    base = tmp_path_factory.mktemp("other-programs")
    inbox, made = base / "hop-thu", base / "made"
    rows = []
    for code, program, fmt in SAVES:
        name = f"Trường THCS {program.capitalize()} {fmt.upper()}"
        filled = made / f"{code}.xlsx"
        made.mkdir(exist_ok=True)
        fill(filled, school_values(code, name, "Trung học cơ sở"), evidence=EVIDENCE)
        saved_by(program, filled, fmt, inbox / f"{code}_{program}.{fmt}")
        rows.append([code, name, "Trung học cơ sở", "Phường Tân Phong", "Quận 7", "TP Hồ Chí Minh", ""])
    roster = write_roster(base / "ds.csv", rows)
    done = subprocess.run([sys.executable, "-m", "cds_batch", "run", str(inbox), "--roster", str(roster),
                           "--round", ROUND, "--out", str(base / "kq")], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    results = {s["school_code"]: s for s in json.loads((base / "kq" / "results.json").read_text(encoding="utf-8"))}
    ledger = json.loads((base / "kq" / "ledger.json").read_text(encoding="utf-8"))
    return inbox, results, ledger


@pytest.mark.parametrize("code, program, fmt", SAVES[1:], ids=[f"{p}-{f}" for _, p, f in SAVES[1:]])
def test_scored_like_the_libreoffice_save(run, code, program, fmt):
    _, results, _ = run
    reference, school = results[SAVES[0][0]], results[code]
    expected = score(NATIONAL, scoring_answers(NATIONAL, school_values(code, "")))
    assert reference["overall_level"] == expected.overall_level and reference["status"] != "missing"
    same = ("status", "groups", "overall_level", "criteria", "errors", "rubric_id")
    assert {k: school[k] for k in same} == {k: reference[k] for k in same}
    assert school["source"].endswith(f"{code}_{program}.{fmt}")


def test_every_file_is_used_and_none_is_called_damaged(run):
    _, _, ledger = run
    files = {Path(e["source"]).name: e for e in ledger}
    assert len(files) == len(SAVES)
    assert {n: e["fate"] for n, e in files.items() if e["fate"] != "used"} == {}
    assert [e["reason"] for e in ledger if "hỏng" in e["reason"] or "Cannot" in e["reason"]] == []


@pytest.mark.parametrize("program, fmt", sorted(REFUSED_BY_CALAMINE))
def test_calamine_refuses_these_valid_files_and_the_tolerant_reader_reads_them(run, program, fmt):
    """The case point 6 is about, found in the wild: if python-calamine learns to read these, this test
    says so, and another case must be found for the fallback."""
    inbox, _, _ = run
    path = next(inbox.glob(f"*_{program}.{fmt}"))
    with pytest.raises(Exception):
        book = CalamineWorkbook.from_path(str(path))
        for sheet in book.sheet_names:
            book.get_sheet_by_name(sheet).to_python()
    with Workbook(path) as opened:
        assert opened.source.name == "ods" and len(opened.sheets) == 6


# --- a valid .xlsx calamine refuses: XML parts in UTF-16 -------------------------------------------------

UTF16_PARTS = [("xl/workbook.xml",), ("xl/sharedStrings.xml",),
               ("xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml")]


@pytest.mark.parametrize("parts", UTF16_PARTS, ids=["workbook", "shared-strings", "group-sheets"])
def test_an_xlsx_with_utf16_parts_is_read_through_openpyxl_with_the_same_result(tmp_path, parts):
    filled = tmp_path / "phieu.xlsx"
    fill(filled, school_values("79001", "Trường Tiểu học Hoa Sen"), evidence=EVIDENCE)
    data = filled.read_bytes()
    if "xl/sharedStrings.xml" in parts:   # openpyxl writes inline strings: let LibreOffice share them
        data = soffice_convert(filled, "xlsx", tmp_path / "lo").read_bytes()
    utf16 = write(tmp_path / "utf16" / "phieu.xlsx", utf16_parts(data, parts))
    with pytest.raises(Exception):
        book = CalamineWorkbook.from_filelike(io.BytesIO(utf16.read_bytes()))
        for sheet in book.sheet_names:
            book.get_sheet_by_name(sheet).to_python()
    original = examine(entry(write(tmp_path / "utf8" / "phieu.xlsx", data)), CONTEXT)
    got = examine(entry(utf16), CONTEXT)
    assert got.fate is None and original.fate is None, got.reason
    assert (got.school_code, got.answers, got.result, got.evidence) == \
        (original.school_code, original.answers, original.result, original.evidence)
    assert [f.code for f in got.findings] == [f.code for f in original.findings]


# --- a file both readers refuse: the reason names the broken part, in Vietnamese -------------------------

def test_a_sheet_part_neither_reader_can_parse_is_named_in_vietnamese(tmp_path):
    filled = tmp_path / "phieu.xlsx"
    fill(filled, school_values("79001", "Trường Tiểu học Hoa Sen"))
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            broken = body.replace(b"<sheetData>", b"<sheetData><row r=\"1\"><c r=\"A1\"><<v>", 1)
            dst.writestr(info, broken if info.filename == "xl/worksheets/sheet4.xml" else body)
    sub = examine(entry(write(tmp_path / "hong" / "phieu.xlsx", out.getvalue())), CONTEXT)
    assert sub.fate is Fate.UNREADABLE
    assert "phần 'xl/worksheets/sheet4.xml'" in sub.reason and "không phải XML hợp lệ" in sub.reason, sub.reason
    assert sub.reason.isascii() is False and "Cannot" not in sub.reason and "error" not in sub.reason.lower()
