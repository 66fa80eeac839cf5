"""Issue 5 end to end: a district inbox with one of every case → discover → intake → consolidate.

The corpus (`builders.intake_corpus`) is made once per session, through real LibreOffice. Rules checked:
every ledger line has the fate the case calls for, no more and no fewer lines; every workbook the
office uses reads back the answers typed into it, for the right school; the reader's reports on
the awkward cases (legacy font, lost names, moved cells, half-filled) are there; the broken files
say why; and no input file is touched (hashes before and after the run).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from cds_batch.form import layout as L
from cds_batch.district.consolidate import District, LedgerRow, consolidate
from cds_batch.intake.discover import Entry, Fate, discover, private_workdir
from cds_batch.core.findings import Code, Severity
from cds_batch.checking.examine import Context, Submission
from cds_batch.district.pool import examine_all
from cds_batch.reading.workbook import SchoolResponse, read_workbook
from cds_batch.reading.roster_file import load_roster

from tests.builders.intake_corpus import (
    INSERTIONS, MAM_NON, PHO_THONG, ROUND, TCVN3_FONT, Corpus, build_corpus, rubrics
)

pytestmark = pytest.mark.slow   # the corpus is saved by LibreOffice
RUBRICS = rubrics()


@dataclass(frozen=True)
class Run:
    entries: tuple[Entry, ...]
    submissions: tuple[Submission, ...]
    serial: tuple[Submission, ...]          # the same workbooks examined in this process
    district: District
    before: dict[str, str]                  # inbox path → SHA-256 ("dir" for folders) before the run
    after: dict[str, str]
    shifted: SchoolResponse                 # the rows-inserted workbook as the reader sees it


def snapshot(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(Path(folder) / name, root)] = "dir"
        for name in files:
            found[os.path.relpath(Path(folder) / name, root)] = hashlib.sha256(
                (Path(folder) / name).read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("intake-corpus"))


@pytest.fixture(scope="session")
def run(corpus: Corpus) -> Run:
    """discover + intake (two spawned workers) + consolidate over the inbox, once."""
    by_id = RUBRICS
    roster = load_roster(corpus.roster_csv)
    ctx = Context(rubrics=(by_id[PHO_THONG], by_id[MAM_NON]), roster=roster, round_label=ROUND)
    before = snapshot(corpus.inbox)
    with private_workdir() as work:
        entries = discover([corpus.inbox], work)
        to_read = [e for e in entries if e.fate is None]
        submissions = examine_all(to_read, ctx, jobs=2)
        district = consolidate(entries, submissions, roster)
        serial = examine_all(to_read, ctx, jobs=1)
        inserted = next(e for e in entries if corpus.source(e.source) == corpus.roles["rows_inserted"])
        assert inserted.path is not None
        shifted = read_workbook(inserted.path, by_id[PHO_THONG], inserted.source)
    after = snapshot(corpus.inbox)
    return Run(tuple(entries), tuple(submissions), tuple(serial), district, before, after, shifted)


def by_role(corpus: Corpus, run: Run, role: str) -> Submission:
    return next(s for s in run.submissions if corpus.source(s.entry.source) == corpus.roles[role])


def ledger_row(corpus: Corpus, run: Run, role: str) -> LedgerRow:
    return next(r for r in run.district.ledger if corpus.source(r.entry.source) == corpus.roles[role])


def answer_name(spec: L.RowSpec) -> str:
    """The defined name of an answer row ('1.2' → CDS_V_1_2, '2.1_3' → CDS_V_2_1_3)."""
    c = spec.criterion
    return L.item_name(c.code, spec.n) if spec.kind is L.RowKind.ITEM else L.value_name(c.code)


def value(v: object) -> object:
    """A cell value as compared: 7, 7.0 and Fraction(7) are one number; '' is blank."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float, Fraction)) and not isinstance(v, bool):
        return Fraction(str(v))
    return v


def answered(answers: dict[str, object]) -> dict[str, object]:
    return {k: value(v) for k, v in answers.items() if value(v) is not None}


def test_roster_file_reads_back_as_the_schools_written(corpus: Corpus) -> None:
    assert load_roster(corpus.roster_csv) == corpus.roster


def test_every_entry_ends_in_the_ledger_with_its_fate(corpus: Corpus, run: Run) -> None:
    ledger = [(corpus.source(r.entry.source), r.fate) for r in run.district.ledger]
    assert len(ledger) == len(run.entries) == len({s for s, _ in ledger})
    assert dict(ledger) == corpus.fates
    assert all(r.reason for r in run.district.ledger)


def test_each_school_has_its_status_and_the_workbook_used(corpus: Corpus, run: Run) -> None:
    assert {row.info.code: row.status for row in run.district.schools} == corpus.statuses
    used = {row.info.code: corpus.source(row.used.entry.source) for row in run.district.schools if row.used}
    assert used == {r.school: source for source, r in corpus.readings.items()}


def test_answers_read_equal_answers_written(corpus: Corpus, run: Run) -> None:
    got = {corpus.source(s.entry.source): (s.school_code, s.rubric_id, answered(s.answers))
           for s in run.submissions if s.fate is None}
    assert got == {source: (r.school, r.rubric, answered(r.answers)) for source, r in corpus.readings.items()}


def test_process_pool_gives_what_one_process_gives(run: Run) -> None:
    def summary(subs: tuple[Submission, ...]) -> list[tuple[object, ...]]:
        return [(s.entry.source, s.fate, s.reason, s.school_code, s.answers, s.findings) for s in subs]

    assert summary(run.submissions) == summary(run.serial)


def test_half_filled_reads_what_was_typed_and_reports_each_blank(corpus: Corpus, run: Run) -> None:
    sub, expected = by_role(corpus, run, "half_filled"), corpus.readings[corpus.roles["half_filled"]]
    assert expected.blank and expected.answers
    assert {k: value(sub.answers[k]) for k in expected.blank} == {k: None for k in expected.blank}
    rubric = RUBRICS[PHO_THONG]
    blank_names = {answer_name(spec) for group in rubric.groups for spec in L.group_rows(group)
                   if spec.key in expected.blank}
    blank_cells = {spot for name, spot in L.contract(rubric).items() if name in blank_names}
    assert {(f.sheet, f.cell) for f in sub.findings if f.code is Code.E201} == blank_cells
    assert not sub.valid
    assert ledger_row(corpus, run, "half_filled").fate is Fate.USED


def test_tcvn3_school_name_is_converted_and_reported(corpus: Corpus, run: Run) -> None:
    sub = by_role(corpus, run, "tcvn3")
    assert sub.school_fields["CDS_SCHOOL_NAME"] == "Trường THCS Nguyễn Trãi"
    sheet, ref = L.contract(RUBRICS[PHO_THONG])["CDS_SCHOOL_NAME"]
    legacy = [f for f in sub.findings if f.code is Code.E106]
    assert [(f.sheet, f.cell) for f in legacy] == [(sheet, ref)]
    assert TCVN3_FONT in legacy[0].message and "Trường THCS Nguyễn Trãi" in legacy[0].message
    assert (sub.school_code, sub.valid) == ("79011", True)


def test_copy_without_names_is_read_by_code_with_a_warning(corpus: Corpus, run: Run) -> None:
    sub = by_role(corpus, run, "names_lost")
    codes = {f.code: f.severity for f in sub.findings}
    assert codes.get(Code.E101) is Severity.WARNING
    # the hidden identity sheet was not copied either: the roster says which rubric the school uses
    assert (codes.get(Code.E116), sub.rubric_id) == (Severity.WARNING, MAM_NON)
    assert (sub.school_code, sub.valid) == ("79005", True)


def test_rows_inserted_by_libreoffice_are_followed_to_the_moved_cells(corpus: Corpus, run: Run) -> None:
    rubric = RUBRICS[PHO_THONG]
    names = L.contract(rubric)

    def moved(sheet: str, ref: str) -> tuple[str, str]:
        col = ref.rstrip("0123456789")
        row = int(ref[len(col):]) - 1
        row += sum(count for s, index, count in INSERTIONS if s == sheet and row >= index)
        return sheet, f"{col}{row + 1}"

    keys = {spec.key: answer_name(spec) for group in rubric.groups for spec in L.group_rows(group) if spec.has_value}
    template = {key: names[name] for key, name in keys.items()}
    expected = {key: moved(*spot) for key, spot in template.items()}
    got = run.shifted
    assert {k: (c.sheet, c.ref) for k, c in got.answers.items()} == expected
    assert sum(expected[k] != template[k] for k in keys) > len(keys) // 2   # most answer cells moved down
    assert got.located_by == "names"
    assert (got.school["CDS_SCHOOL_CODE"].sheet, got.school["CDS_SCHOOL_CODE"].ref) == moved(
        *names["CDS_SCHOOL_CODE"])
    sub = by_role(corpus, run, "rows_inserted")
    assert not {Code.E101, Code.E104} & {f.code for f in sub.findings}
    assert (sub.school_code, sub.valid) == ("79004", True)


@pytest.mark.parametrize("role, cause", [
    ("password_xls", "mật khẩu"),      # saved with a password by LibreOffice (.xls, FILEPASS)
    ("password_ods", "mật khẩu"),      # saved with a password by LibreOffice (.ods, encrypted members)
    ("password_xlsx", "mật khẩu"),     # an encrypted OOXML package, as Excel writes it
    ("truncated", "cắt cụt"),          # half a download
])
def test_broken_files_are_unreadable_and_say_why(corpus: Corpus, run: Run, role: str, cause: str) -> None:
    row = ledger_row(corpus, run, role)
    assert row.fate is Fate.UNREADABLE
    assert cause in row.reason


def test_word_file_is_not_a_workbook(corpus: Corpus, run: Run) -> None:
    row = ledger_row(corpus, run, "docx")
    assert (row.fate, row.reason) == (Fate.NOT_A_WORKBOOK, "Tệp Word (.docx), không phải bảng tính")


def test_exact_duplicate_names_the_file_it_repeats(corpus: Corpus, run: Run) -> None:
    row = ledger_row(corpus, run, "duplicate")
    assert row.fate is Fate.DUPLICATE
    assert row.reason.endswith(corpus.roles["original"])


def test_mail_with_two_attachments_and_vietnamese_names(corpus: Corpus, run: Run) -> None:
    members = [corpus.source(e.source) for e in run.entries if e.parent and corpus.source(e.parent) ==
               corpus.roles["eml"]]
    assert members == [corpus.roles["eml"] + "!Báo cáo chuyển đổi số Đinh Bộ Lĩnh.xlsx",
                       corpus.roles["eml"] + "!Phiếu Mầm non Vàng Anh.ods"]
    assert {e.sender for e in run.entries if e.parent and corpus.source(e.parent) == corpus.roles["eml"]} == {
        "dinhbolinh@example.edu.vn"}


def test_no_input_file_is_modified_added_or_removed(corpus: Corpus, run: Run) -> None:
    assert len([h for h in run.before.values() if h != "dir"]) == len(
        {corpus.source(e.source).split("!")[0] for e in run.entries})
    assert run.after == run.before
