"""Hostile and broken input, the output side: what a school typed never runs in Excel, file names
hold on Windows, a killed run leaves every output old or new, and the command line ends every
failure with its documented exit code and a Vietnamese message.

Every test that runs the tool ends with `check_inputs_safe`: each input file is in ledger.json,
the inputs are byte-identical to before, and no traceback reached the console (but the one that
asks for the traceback with --debug).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from cds_batch import __version__, cli
from cds_batch.cli import commands
from cds_batch.core.atomic import STAGING_PREFIX, atomic_path, distinct_names, encodable, remove_leftovers, safe_stem
from cds_batch.core.commit import settle
from cds_batch.pipeline.failures import LOG_NAME
from cds_batch.reports.data_files import csv_cell, excel_code, write_excel_csv
from cds_batch.reports.tables import Column, Look, Table
from cds_batch.reports.book import Book, header_text, small
from cds_batch.reports.feedback import SUFFIX, feedback_filename, feedback_names
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.text import Issue
from cds_batch.templates.batch import write_school_templates
from cds_batch.templates.naming import template_filename
from cds_batch.templates.writer import write_template

from tests.hostile_helpers import (
    AT, COMMAND, HOSTILE, HOSTILE_FILE, HYPERLINK, MINUS, NATIONAL, PLUS, ROOT, ROSTER, SENDER, Inbox, build_inbox,
    check_inputs_safe, copy_of, digests, write_roster
)

OWN_FORMULAS = re.compile(r"=(SUBTOTAL|IFERROR)\(")   # the summary's total row, the only formulas it writes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    """The hostile inbox, built once (a second); each test works on its own copy."""
    return build_inbox(tmp_path_factory.mktemp("built"))


@pytest.fixture()
def inbox(built: Inbox, tmp_path: Path) -> Inbox:
    return copy_of(built, tmp_path)


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`cds_batch.cli.main(args)` in this process: (exit code, stdout, stderr)."""
    try:
        cli.main(args)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def cds(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`python -m cds_batch` as a separate process, output kept as bytes."""
    return subprocess.run([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=300)


# --- 1. CSV: a text Excel would run as a formula is neutralised ------------------------------------

@pytest.mark.parametrize("value, shown", [
    (HYPERLINK, "'" + HYPERLINK), (COMMAND, "'" + COMMAND), (PLUS, "'+1+1"), (AT, "'@SUM(A1)"), (MINUS, "'-2+3"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"),
    ("Trường A = B", "Trường A = B"), ("a+b", "a+b"), ("", ""), (None, ""), (-3, -3), (-2.5, -2.5), (0, 0),
])
def test_a_csv_cell_that_excel_would_run_gets_an_apostrophe_and_numbers_stay_numbers(value, shown):
    assert csv_cell(value) == shown


def test_the_csv_header_and_rows_are_neutralised(tmp_path):
    table = Table((Column("=Mã", 1), Column("Tên", 1), Column("Mã trường", 1, Look.CODE)),
                  ((MINUS, HYPERLINK, HYPERLINK), (-7, 1.5, '"; =1+1')))
    write_excel_csv(tmp_path / "t.csv", table)
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    # A code is a formula whose whole body is one text literal: Excel shows the text, runs nothing.
    assert rows == [["'=Mã", "Tên", "Mã trường"], ["'-2+3", "'" + HYPERLINK, '="' + HYPERLINK.replace('"', '""') + '"'],
                    ["-7", "1,5", '="""; =1+1"']]


def _text_literal(cell: str) -> bool:
    """Whether `cell` is the formula `="…"` of one text literal (quotes inside doubled), as `excel_code` writes."""
    return re.fullmatch(r'="(?:[^"]|"")*"', cell) is not None


@pytest.mark.parametrize("code", [MINUS, HYPERLINK, COMMAND, '"', '"")&HYPERLINK("x', "0123"])
def test_a_code_cell_is_one_text_literal_whatever_the_code_holds(code):
    cell = excel_code(code)
    assert _text_literal(cell) and cell[2:-1].replace('""', '"') == code


# --- 2. Workbooks: every text from a school is a string cell ------------------------------------------

def _cells(path: Path):
    """(sheet, cell) of every non-empty cell of a workbook, as openpyxl reads it (formulas as text)."""
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            yield from ((ws.title, c) for c in row if c.value is not None)


def _assert_school_text_is_never_run(path: Path) -> list[str]:
    """No formula cell except the tool's own, no hyperlink; returns the string cells' texts."""
    texts = []
    for sheet, c in _cells(path):
        assert c.hyperlink is None, (path.name, sheet, c.coordinate)
        if c.data_type == "f":
            assert OWN_FORMULAS.match(str(c.value)) and not any(h in str(c.value) for h in HOSTILE), \
                (path.name, sheet, c.coordinate, c.value)
        elif isinstance(c.value, str):
            assert c.data_type == "s"
            texts.append(c.value)
    return texts


def test_school_texts_reach_every_output_as_text_never_as_formulas(inbox, capsys, tmp_path):
    before = digests(inbox.folder, inbox.roster)
    code, out, err = run_main(inbox.args(), capsys)
    assert code in (0, 1), err
    summary = _assert_school_text_is_never_run(inbox.out / "tong-hop.xlsx")
    # The unlisted school's typed code and name, the roster's hostile row, the file name and the sender.
    for text in (MINUS, HYPERLINK, AT, PLUS, HOSTILE_FILE, SENDER):
        assert text in summary, text
    assert any(COMMAND in t for t in summary)   # the answer typed, quoted in the finding

    feedback = _assert_school_text_is_never_run(inbox.out / "phan-hoi" / feedback_filename(MINUS))
    assert any(t.startswith(HYPERLINK) for t in feedback)
    for text in (COMMAND, AT, PLUS):
        assert any(text in t for t in feedback), text

    rows = list(csv.reader(io.StringIO((inbox.out / "tong-hop.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    cells = [c for r in rows for c in r]
    codes = [r[1] for r in rows[1:]]   # "Mã trường": each the formula of one text literal (`excel_code`)
    assert all(_text_literal(c) for c in codes) and '="' + MINUS + '"' in codes
    for text in (HYPERLINK, AT, PLUS):
        assert "'" + text in cells and text not in cells, text
    assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in cells if c not in codes)
    check_inputs_safe(inbox, before, err)


def test_the_province_summary_keeps_school_texts_as_text(inbox, capsys, tmp_path):
    office = "https://phong.example.vn/" + AT   # a district's name, as its summary says: not a link either
    run_main(inbox.args("--office", office), capsys)
    before = digests(inbox.folder, inbox.roster)
    code, _, err = run_main(["province", str(inbox.out), "--title", "Sở GD&ĐT " + PLUS, "--out", str(tmp_path / "so")],
                            capsys)
    assert code == 0, err
    texts = _assert_school_text_is_never_run(tmp_path / "so" / "tong-hop-tinh.xlsx")
    assert HYPERLINK in texts and office in texts and MINUS in texts
    ws = openpyxl.load_workbook(tmp_path / "so" / "tong-hop-tinh.xlsx").worksheets[0]
    assert "Sở GD&&ĐT" in ws.oddFooter.left.text   # '&' doubled in the footer, so Excel shows it as typed
    check_inputs_safe(inbox, before, err)


def test_a_prefilled_template_keeps_the_roster_texts_as_text(tmp_path):
    school = SchoolInfo(code="79002", name="19 tháng 5 & " + HYPERLINK, level=AT, commune=PLUS, email="-1@q7.edu.vn")
    target = tmp_path / template_filename(NATIONAL, school)
    write_template(NATIONAL, target, school, Issue(COMMAND, "Phòng GD&ĐT", MINUS))
    wb = openpyxl.load_workbook(target)
    typed = [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and any(h in c.value for h in (*HOSTILE, "-1@q7"))]
    assert {c.value for _, c in typed} >= {"19 tháng 5 & " + HYPERLINK, AT, PLUS, "-1@q7.edu.vn"}
    assert all(c.data_type == "s" for _, c in typed)
    footer = wb.worksheets[0].oddFooter.left   # the name's first digits are not read as the font size
    assert footer.size == 8 and footer.text.startswith("19 tháng 5 && ")


def test_a_file_name_with_undecodable_bytes_does_not_stop_the_run(inbox, capsys):
    """A Windows-1258 name copied to Linux as it was: Python keeps its bytes as lone surrogates."""
    try:
        with open(os.fsencode(inbox.folder) + b"/Ph\xe9u\x01.xlsx", "wb") as f:
            f.write((inbox.folder / HOSTILE_FILE).read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only valid UTF-8 names")
    before = digests(inbox.folder, inbox.roster)
    code, out, err = run_main(inbox.args(), capsys)
    assert code in (0, 1), err
    ledger = json.loads((inbox.out / "ledger.json").read_bytes().decode("utf-8"))   # strict UTF-8
    assert "Ph\ufffdu\x01.xlsx" in {e["name"] for e in ledger}
    assert any("Ph\ufffdu" in t for t in _assert_school_text_is_never_run(inbox.out / "tong-hop.xlsx"))
    (inbox.out / "tong-hop.csv").read_bytes().decode("utf-8")
    check_inputs_safe(inbox, before, err)


def test_the_worksheet_writes_a_lone_surrogate_by_every_path_as_a_replacement_character(tmp_path):
    with atomic_path(tmp_path / "b.xlsx") as tmp:
        book = Book(tmp, title="t", office="o", round_label="r", comments="c")
        ws = book.sheet("S", landscape=False)
        ws.write_string(0, 0, "a\udcffb")
        ws.write(1, 0, "c\udcffd")
        ws.write_row(2, 0, ["e\udcfff"])
        ws.merge_range(3, 0, 3, 2, "g\udcffh")
        book.close()
    values = [c.value for _, c in _cells(tmp_path / "b.xlsx")]
    assert values == ["a\ufffdb", "c\ufffdd", "e\ufffdf", "g\ufffdh"]
    assert encodable("ok") == "ok" and encodable("\ud800x") == "\ufffdx"


@pytest.mark.parametrize("text, limit", [("Phòng GD&ĐT", 100), ("&" * 300, 100), ("a&" * 200, 150), ("x" * 400, 150)])
def test_header_and_footer_texts_stay_under_excels_limit_and_never_split_an_ampersand(text, limit):
    out = header_text(text, limit)
    assert len(out) <= limit and out.replace("&&", "").count("&") == 0
    assert text.startswith(out.replace("&&", "&"))
    assert small("79001 - Trường").startswith("&9 7")


# --- 3. File names made from school data ---------------------------------------------------------------

RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


def windows_safe(name: str) -> bool:
    """What Windows accepts as a file name: no reserved or control characters, no device name (with any
    extension), no trailing dot or space, and short enough to leave room for the folder."""
    return (not re.search(r'[<>:"/\\|?*\x00-\x1f\x7f]', name) and name == name.rstrip(". ")
            and name.split(".")[0].upper() not in RESERVED and 0 < len(name) <= 160)


HOSTILE_CODES = ["CON", "con", "NUL.txt", "COM1", "LPT9", "AUX.", 'a<b>c:d"e/f\\g|h?i*j', "\x00\x01\x1f", "x" * 300,
                 "...", " ", "ab. ", "Số 1 / Quận 7", HYPERLINK, COMMAND, "", "..\\..\\evil"]


@pytest.mark.parametrize("code", HOSTILE_CODES)
def test_feedback_and_template_names_are_safe_on_windows(code):
    assert windows_safe(feedback_filename(code)) and feedback_filename(code).endswith(SUFFIX)
    school = SchoolInfo(code=code, name=code)
    assert windows_safe(template_filename(NATIONAL, school, code))
    assert windows_safe(template_filename(NATIONAL, SchoolInfo(code=code, name=""), ""))


@pytest.mark.parametrize("stem", ["CON", "nul", "Com1", "LPT1.backup", "ok.", "a" * 200, ""])
def test_safe_stem_avoids_device_names_trailing_dots_and_long_names(stem):
    assert windows_safe(safe_stem(stem) + ".xlsx")


def test_long_codes_that_differ_only_at_the_end_keep_different_names():
    a, b = "7" * 200 + "1", "7" * 200 + "2"
    assert feedback_filename(a) != feedback_filename(b)
    assert template_filename(NATIONAL, SchoolInfo(a, "X")) != template_filename(NATIONAL, SchoolInfo(b, "X"))


def test_two_schools_never_share_a_feedback_file_name():
    codes = ["TH/1", "TH-1", "th-1", "TH 1", "79001", "", "truong"]
    names = feedback_names(codes)
    assert list(names) == codes and len({n.casefold() for n in names.values()}) == len(codes)
    assert names["79001"] == "79001_phan-hoi.xlsx"   # a code no other shares keeps its plain name
    assert all(n.endswith(SUFFIX) and windows_safe(n) for n in names.values())
    # A code typed to look like another's disambiguated name still gets a name of its own.
    crafted = names["TH/1"][:-len(SUFFIX)]
    again = feedback_names([*codes, crafted])
    assert len({n.casefold() for n in again.values()}) == len(codes) + 1
    assert feedback_names(reversed(codes)) == names   # not a matter of order


def test_distinct_names_leave_unique_names_alone():
    assert distinct_names(["a.xlsx", "b.xlsx"], ["1", "2"], ".xlsx") == ["a.xlsx", "b.xlsx"]
    same = distinct_names(["a.xlsx", "A.xlsx"], ["1", "2"], ".xlsx")
    assert len({n.casefold() for n in same}) == 2 and all(n.endswith(".xlsx") for n in same)


def test_two_roster_schools_whose_names_collide_get_two_templates(tmp_path):
    schools = [SchoolInfo("TH/1", "Trường Tiểu học Số 1"), SchoolInfo("TH-1", "Trường Tiểu học Số 1")]
    written = write_school_templates({"n": NATIONAL}, [("n", s) for s in schools], tmp_path, Issue(), jobs=1)
    assert len({p.name.casefold() for p in written}) == 2 and all(p.is_file() for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


# --- 4. A run killed at any moment leaves each output old or new -----------------------------------

OUTPUT_NAMES = ("tong-hop.xlsx", "tong-hop.csv", "results.json", "results.csv", "ledger.json")


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output file (not the cache, not temporaries) by its path inside `out`."""
    files = [out / n for n in OUTPUT_NAMES] + sorted((out / "phan-hoi").glob("*_phan-hoi.xlsx"))
    return {f.relative_to(out).as_posix(): f.read_bytes() for f in files if f.is_file()}


def _temporaries(out: Path) -> list[Path]:
    return [p for folder in (out, out / "phan-hoi") if folder.is_dir() for p in folder.iterdir()
            if p.name.endswith(".tmp")]


def _changed(path: Path) -> Callable[[], bool]:
    """True as soon as `path` is touched in any way: replaced (a new inode), or written in place
    (size or time), which a writer that is not atomic does first by emptying the file."""
    before = _signature(path)
    return lambda: _signature(path) != before


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        s = path.stat()
    except FileNotFoundError:
        return None
    return s.st_ino, s.st_size, s.st_mtime_ns


def _after(seconds: float) -> Callable[[], bool]:
    """True once `seconds` have passed since this call."""
    start = time.monotonic()
    return lambda: time.monotonic() - start > seconds


def _writing_phase(args: list[str], env: dict[str, str], out: Path) -> tuple[float, float]:
    """Run to the end, watching `out`: (seconds until the first output was being written, seconds in all)."""
    touched = _changed(out / "tong-hop.xlsx")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writing = None
    while proc.poll() is None:
        if writing is None and (_temporaries(out) or touched()):
            writing = time.monotonic() - start
        time.sleep(0.0005)
    took = time.monotonic() - start
    assert proc.returncode in (0, 1)
    return (writing if writing is not None else took), took


def _kill_when(args: list[str], env: dict[str, str], ready: Callable[[], bool]) -> None:
    """Start the run and SIGKILL it as soon as `ready()` (polled) is true, or when it has finished."""
    proc = subprocess.Popen([sys.executable, "-m", "cds_batch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not ready():
            time.sleep(0.0005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_run_killed_while_writing_leaves_each_output_old_or_new(built, tmp_path):
    """Outputs of a run are in place; a run over a changed inbox is killed as each output is touched,
    at delays spread over its writing phase, and as soon as its staging folder appears. The outputs
    are then all the old files or (once a reader finished a commit the kill interrupted) all the new
    ones, never a mix; the next run finishes the job whatever was left."""
    ib = copy_of(built, tmp_path)
    hostile = tmp_path / HOSTILE_FILE
    shutil.move(ib.folder / HOSTILE_FILE, hostile)
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "PYTHONIOENCODING": "utf-8"}   # scratch of killed runs
    (tmp_path / "tmp").mkdir()
    old_out = tmp_path / "cu"
    assert cds(Inbox(ib.folder, ib.roster, old_out).args(), env).returncode == 0
    old = _outputs(old_out)
    shutil.move(hostile, ib.folder / HOSTILE_FILE)   # the changed inbox: one more school
    before = digests(ib.folder, ib.roster)
    reference = tmp_path / "moi"
    shutil.copytree(old_out, reference)
    writing, took = _writing_phase(Inbox(ib.folder, ib.roster, reference).args(), env, reference)
    new = _outputs(reference)
    assert set(new) > set(old) and all(new[k] != old[k] for k in OUTPUT_NAMES)

    out = tmp_path / "ket-qua"
    moments: list[Callable[[Path], Callable[[], bool]]] = [
        lambda o: _changed(o / "tong-hop.xlsx"),                                # the first output touched
        lambda o: _changed(o / "results.json"),
        lambda o: _changed(o / "ledger.json"),
        lambda o: _changed(o / "phan-hoi" / feedback_filename(MINUS)),
        *(lambda o, d=writing + k * (took - writing): _after(d) for k in (0.2, 0.4, 0.6, 0.8)),
        lambda o: lambda: any(p.name.startswith(STAGING_PREFIX) for p in o.iterdir()),   # the staging folder
    ]
    for n, moment in enumerate(moments):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old_out, out)
        _kill_when(Inbox(ib.folder, ib.roster, out).args(), env, moment(out))
        settle(out)   # what a reader (--previous, the province, the page) does first
        assert _outputs(out) in (old, new), n
        assert not _temporaries(out), n   # temporaries are made in the staging folder only

    done = cds(Inbox(ib.folder, ib.roster, out).args(), env)   # the next run finishes the job
    assert done.returncode in (0, 1) and _outputs(out) == new
    assert not _temporaries(out)   # what the killed runs left is cleared, and the run left none of its own
    check_inputs_safe(Inbox(ib.folder, ib.roster, out), before, done.stderr.decode("utf-8"))


def test_leftover_temporaries_are_removed_and_nothing_else(tmp_path):
    feedback = tmp_path / "phan-hoi"
    feedback.mkdir()
    leftovers = [tmp_path / ".tong-hop.xlsx.k2j_x9ab.tmp", feedback / ".79001_phan-hoi.xlsx.abcdefgh.tmp"]
    kept = [tmp_path / ".cds-cache.sqlite", tmp_path / "ghi-chu.tmp", tmp_path / ".an.tmp", tmp_path / "tong-hop.xlsx",
            feedback / "79001_phan-hoi.xlsx", tmp_path / "con" / ".x.xlsx.abcdefgh.tmp"]
    for p in leftovers + kept:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"x")
    assert sorted(remove_leftovers(tmp_path, feedback, tmp_path / "khong-co")) == sorted(leftovers)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in leftovers)


def test_a_leftover_temporary_is_never_taken_for_an_output(inbox, capsys):
    leftover = inbox.out / "phan-hoi" / f".{feedback_filename('79001')}.abcdefgh.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"PK half a workbook")
    before = digests(inbox.folder, inbox.roster)
    code, out, err = run_main(inbox.args(), capsys)
    assert code in (0, 1), err
    assert "abcdefgh" not in (inbox.out / "results.json").read_text(encoding="utf-8") + out
    assert not leftover.exists()   # the next run into the folder clears what a killed one left
    check_inputs_safe(inbox, before, err)


# --- 5. An internal error: exit 70, a log file, no traceback on the console ---------------------------

def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("lỗi cài sẵn để thử")


def test_an_internal_error_exits_70_and_writes_the_log_into_the_output_folder(inbox, capsys, monkeypatch):
    import cds_batch.pipeline.district_run as run_module

    monkeypatch.setattr(run_module, "write_summary", _boom)
    before = digests(inbox.folder, inbox.roster)
    code, _, err = run_main(inbox.args(), capsys)
    log = inbox.out / LOG_NAME
    assert code == 70 and log.is_file()
    assert str(log) in err and "Lỗi nội bộ của cds-batch" in err
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: lỗi cài sẵn để thử" in text and "Traceback" in text
    assert f"cds-batch {__version__}" in text and f"--roster {inbox.roster}" in text
    check_inputs_safe(inbox, before, err, ledger=False)


def test_with_debug_the_traceback_is_also_on_the_console(inbox, capsys, monkeypatch):
    import cds_batch.pipeline.district_run as run_module

    monkeypatch.setattr(run_module, "write_summary", _boom)
    code, _, err = run_main(["--debug", *inbox.args()], capsys)
    assert code == 70 and "Traceback" in err and (inbox.out / LOG_NAME).is_file()


def test_without_a_usable_output_folder_the_log_goes_to_the_temporary_folder(inbox, capsys, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(commands, "check_roster", _boom)   # before the run, which would stop on the folder itself
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "he-thong"))
    (tmp_path / "he-thong").mkdir()
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    before = digests(inbox.folder, inbox.roster)
    args = [a if a != str(inbox.out) else str(blocker / "ket-qua") for a in inbox.args()]
    code, _, err = run_main(args, capsys)
    log = tmp_path / "he-thong" / LOG_NAME
    assert code == 70 and log.is_file() and str(log) in err
    assert "Traceback" not in err
    check_inputs_safe(inbox, before, err, ledger=False)


# --- 6. Exit codes of `run` ------------------------------------------------------------------------------

def test_exit_0_when_every_submission_is_valid(built, tmp_path, capsys):
    ib = copy_of(built, tmp_path)
    (ib.folder / HOSTILE_FILE).unlink()
    before = digests(ib.folder, ib.roster)
    code, out, err = run_main(ib.args(), capsys)
    assert code == 0, out + err
    assert "Trường: 1 hợp lệ, 0 cần sửa, 1 chưa nộp." in out
    check_inputs_safe(ib, before, err)


def test_exit_1_when_a_school_needs_fixing(inbox, capsys):
    write_roster(inbox.roster, [*ROSTER, [MINUS, "Trường lạ", "Tiểu học", "", "", "", ""]])
    before = digests(inbox.folder, inbox.roster)
    code, out, err = run_main(inbox.args(), capsys)
    assert code == 1 and "1 cần sửa" in out, out + err
    check_inputs_safe(inbox, before, err)


def test_exit_1_when_a_file_could_not_be_read(built, tmp_path, capsys):
    ib = copy_of(built, tmp_path)
    (ib.folder / HOSTILE_FILE).write_bytes(b"PK\x03\x04 not really a workbook")
    before = digests(ib.folder, ib.roster)
    code, out, err = run_main(ib.args(), capsys)
    assert code == 1 and "Tệp không dùng được: 1" in out, out + err
    check_inputs_safe(ib, before, err)


def test_exit_1_when_an_unlisted_school_has_errors(inbox, capsys):
    code, out, err = run_main(inbox.args(), capsys)
    assert code == 1, out + err


@pytest.mark.parametrize("args", [["run"], ["run", "{inbox}"], ["run", "{inbox}", "--roster", "{roster}"],
                                  ["run", "{inbox}", "--roster", "{roster}", "--out", "{out}", "--khong-co"],
                                  ["khong-co-lenh"]])
def test_exit_2_for_a_usage_error(inbox, capsys, args):
    before = digests(inbox.folder, inbox.roster)
    filled = [a.format(inbox=inbox.folder, roster=inbox.roster, out=inbox.out) for a in args]
    code, _, err = run_main(filled, capsys)
    assert code == 2, err
    check_inputs_safe(inbox, before, err, ledger=False)


def test_exit_3_when_the_inbox_does_not_exist(inbox, capsys):
    before = digests(inbox.folder, inbox.roster)
    missing = inbox.folder.parent / "khong-co-thu-muc"
    args = [a if a != str(inbox.folder) else str(missing) for a in inbox.args()]
    code, _, err = run_main(args, capsys)
    assert code == 3 and f"Không thể chạy: không tìm thấy '{missing}'" in err
    check_inputs_safe(inbox, before, err, ledger=False)


def test_exit_3_when_the_output_folder_cannot_be_written(inbox, capsys, tmp_path):
    blocker = tmp_path / "tep"   # a file: nothing can be made under it, whatever the user's rights
    blocker.write_text("x")
    before = digests(inbox.folder, inbox.roster)
    target = blocker / "ket-qua"
    args = [a if a != str(inbox.out) else str(target) for a in inbox.args()]
    code, _, err = run_main(args, capsys)
    assert code == 3 and "Không thể chạy" in err and str(blocker) in err, err
    assert blocker.read_text() == "x"
    check_inputs_safe(inbox, before, err, ledger=False)


# --- 7. A read-only inbox ------------------------------------------------------------------------------

def test_a_read_only_inbox_is_read_and_left_exactly_as_it_was(inbox, capsys):
    paths = sorted(inbox.folder.rglob("*"), reverse=True) + [inbox.folder]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in paths}
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        before = digests(inbox.folder, inbox.roster)
        names = sorted(p.name for p in inbox.folder.rglob("*"))
        code, out, err = run_main(inbox.args(), capsys)
        assert code in (0, 1) and (inbox.out / "tong-hop.xlsx").is_file(), out + err
        assert sorted(p.name for p in inbox.folder.rglob("*")) == names
        check_inputs_safe(inbox, before, err)
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


# --- 8. Output redirected on a Windows code page ------------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1258", "ascii"])
def test_redirected_messages_arrive_as_utf8_whatever_the_console_code_page(inbox, encoding):
    env = {"PYTHONIOENCODING": encoding}
    write_roster(inbox.roster, [*ROSTER, [MINUS, "Trường lạ", "Tiểu học", "", "", "", ""]])
    before = digests(inbox.folder, inbox.roster)
    done = cds(inbox.args(), env)
    assert done.returncode == 1
    assert "Trường: 1 hợp lệ, 1 cần sửa, 1 chưa nộp." in done.stdout.decode("utf-8")   # strict: fails on bad bytes
    check_inputs_safe(inbox, before, done.stderr.decode("utf-8"))
    missing = cds(["run", str(inbox.folder / "khong-co"), "--roster", str(inbox.roster), "--out", str(inbox.out)], env)
    assert missing.returncode == 3
    assert "Không thể chạy: không tìm thấy" in missing.stderr.decode("utf-8")
    check_inputs_safe(inbox, before, missing.stderr.decode("utf-8"))
