"""Issue 22, point 4, end to end through the CLI: every output that prints a level carries one line naming
each rubric that is not the official text (the template's guide, the summary's title block, the recognition
annex, the publication page, each feedback file, `rubric list` and `rubric check`), and none does when the
office loads the official set. The official set is the built-ins exported and marked `status: official`,
as the README tells an office to do; the same ids and hashes, so the first run's review workbook is read."""
from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cds_batch.form.layout import SHEET_GUIDE
from cds_batch.reports.contract import (
    FEEDBACK, FEEDBACK_SHEET, PAGE_FILE, PROVINCE_SHEET_DISTRICTS, PROVINCE_SUMMARY, RECOGNITION_FILE,
    RECOGNITION_SHEET, REVIEW_FILE, SHEET_OVERVIEW, SUMMARY,
)
from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Standing
from tests.cli.test_cli import cds
from tests.review_helpers import INBOX, OFFICE, ROOT, ROUND

ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
NATIONAL, QUAN7 = "qd4725-phothong", "quan7-mamnon-2023"
RECONSTRUCTED = Standing.RECONSTRUCTED.label
ADAPTED = Standing.ADAPTED.label
HOW_TO_LOAD = "để có kết quả chính thức, hãy nạp bộ chỉ số chính thức bằng --rubric TỆP (xem README)"
FOR_SCHOOL = "Mức tính ra chỉ để tham khảo, chưa phải kết quả chính thức."


def official_copy(folder: Path, rid: str) -> Path:
    """What an office holding the official annex does: export, (correct,) mark official, load its file."""
    path = folder / f"{rid}-chinh-thuc.yaml"
    assert cds("rubric", "export", rid, "--out", str(path)).returncode == 0
    text = path.read_text(encoding="utf-8")
    marked = text.replace(f"\nstatus: {load_rubric(rid).status.value}\n", "\nstatus: official\n")
    assert marked != text
    path.write_text(marked, encoding="utf-8")
    return path


def run(out: Path, *extra: str):
    done = cds("run", str(INBOX), "--roster", str(ROSTER), "--round", ROUND, "--office", OFFICE, "--out", str(out),
               *extra)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    return done


def texts(path: Path, sheet: str) -> list[str]:
    """Every text cell of a sheet, top to bottom."""
    return [c for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
            for c in row if isinstance(c, str) and c]


def standing_cells(path: Path, sheet: str) -> list[str]:
    """The cells that are the standing line: 'Bộ chỉ số: <name> (<id>) — <standing>…'."""
    return [t for t in texts(path, sheet)
            if t.startswith("Bộ chỉ số: ") and any(f") — {s.label}" in t for s in Standing)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The built-in rubrics (run, then --review), and the official copies reading the same review workbook."""
    base = tmp_path_factory.mktemp("standing")
    builtin = base / "tich-hop"
    run(builtin)
    first = run(builtin, "--review", str(builtin / REVIEW_FILE))
    official = base / "chinh-thuc"
    copies = [official_copy(base, rid) for rid in (NATIONAL, QUAN7)]
    second = run(official, "--rubric", str(copies[0]), "--rubric", str(copies[1]),
                 "--review", str(builtin / REVIEW_FILE))
    return builtin, official, copies, first, second


def test_both_runs_score_alike_and_the_official_copy_takes_the_templates_sent_before(runs):
    builtin, official, _, first, second = runs
    assert "E113" not in second.stdout
    assert (builtin / "results.json").read_text(encoding="utf-8") == (official / "results.json").read_text(
        encoding="utf-8")


def test_the_summary_title_block_names_each_rubric_not_official(runs):
    builtin, official, *_ = runs
    [line] = standing_cells(builtin / SUMMARY, SHEET_OVERVIEW)
    assert f"({NATIONAL}) — {RECONSTRUCTED}; " in line and f"({QUAN7}) — {ADAPTED}. " in line
    assert line.endswith(HOW_TO_LOAD + ".")
    title_block = texts(builtin / SUMMARY, SHEET_OVERVIEW)[:7]
    assert line in title_block   # above the table, before any level
    assert standing_cells(official / SUMMARY, SHEET_OVERVIEW) == []


def test_the_recognition_annex_carries_the_line_under_its_title(runs):
    builtin, official, *_ = runs
    cells = texts(builtin / RECOGNITION_FILE, RECOGNITION_SHEET)
    [line] = standing_cells(builtin / RECOGNITION_FILE, RECOGNITION_SHEET)
    assert cells.index(line) == 5 and RECONSTRUCTED in line and HOW_TO_LOAD in line   # after the totals
    assert standing_cells(official / RECOGNITION_FILE, RECOGNITION_SHEET) == []


def test_the_publication_page_carries_the_line_before_the_counts(runs):
    builtin, official, *_ = runs
    page = (builtin / PAGE_FILE).read_text(encoding="utf-8")
    start = page.index('<p class="standing" role="note">Bộ chỉ số: ')
    assert start < page.index('<ul class="counts">')
    assert RECONSTRUCTED in page[start:page.index("</p>", start)]
    assert HOW_TO_LOAD in page
    assert 'class="standing"' not in (official / PAGE_FILE).read_text(encoding="utf-8").split("</style>")[1]


def test_every_feedback_file_tells_the_school_its_level_is_not_final(runs):
    builtin, official, *_ = runs
    files = sorted((builtin / FEEDBACK).glob("*.xlsx"))
    assert len(files) == 24
    for path in files:
        [line] = standing_cells(path, FEEDBACK_SHEET)
        rubric = QUAN7 if path.name.startswith("797") else NATIONAL   # the roster's mầm non schools use Quận 7's
        assert f"({rubric}) — " in line and line.endswith(FOR_SCHOOL) and "--rubric" not in line
        assert "Lưu ý về bộ chỉ số" in texts(path, FEEDBACK_SHEET)
    for path in sorted((official / FEEDBACK).glob("*.xlsx")):
        assert standing_cells(path, FEEDBACK_SHEET) == [] and "Lưu ý về bộ chỉ số" not in texts(path, FEEDBACK_SHEET)


def test_a_run_mixing_an_official_and_a_builtin_rubric_names_only_the_builtin(runs, tmp_path):
    _, _, copies, _, _ = runs
    out = tmp_path / "tron"
    run(out, "--rubric", str(copies[0]), "--rubric", QUAN7)
    [line] = standing_cells(out / SUMMARY, SHEET_OVERVIEW)
    assert f"({QUAN7}) — {ADAPTED}" in line and NATIONAL not in line


@pytest.mark.parametrize("official", [False, True])
def test_the_templates_guide_sheet(runs, tmp_path, official):
    _, _, copies, _, _ = runs
    done = cds("template", "--rubric", str(copies[0]) if official else NATIONAL, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    [blank] = tmp_path.glob("*.xlsx")
    lines = standing_cells(blank, SHEET_GUIDE)
    if official:
        assert lines == []
    else:
        assert lines == [f"Bộ chỉ số: {load_rubric(NATIONAL).name} ({NATIONAL}) — {RECONSTRUCTED}. {FOR_SCHOOL}"]
        assert texts(blank, SHEET_GUIDE).index(lines[0]) == 3   # under the rubric's name and version


def test_rubric_list_shows_each_standing_and_the_line():
    done = cds("rubric", "list")
    assert done.returncode == 0
    assert f"Trạng thái: {RECONSTRUCTED}." in done.stdout and f"Trạng thái: {ADAPTED}." in done.stdout
    assert "Lưu ý: Bộ chỉ số: " in done.stdout and HOW_TO_LOAD in done.stdout


def test_rubric_check_shows_the_standing_and_the_line_only_when_not_official(runs):
    _, _, copies, _, _ = runs
    builtin = cds("rubric", "check", NATIONAL)
    assert builtin.returncode == 0 and f"trạng thái: {RECONSTRUCTED}." in builtin.stdout
    assert "Lưu ý: Bộ chỉ số: " in builtin.stdout and HOW_TO_LOAD in builtin.stdout
    official = cds("rubric", "check", str(copies[0]))
    assert official.returncode == 0 and "trạng thái: văn bản chính thức." in official.stdout
    assert "Lưu ý" not in official.stdout and "--rubric" not in official.stdout


def test_rubric_check_of_a_bad_status_exits_1_with_the_vietnamese_error(tmp_path):
    bad = tmp_path / "sai.yaml"
    bad.write_text("id: x\nname: X\nversion: 1\nstatus: chinh thuc\ngroups:\n  - id: 1\n    name: N\n    criteria:\n"
                   "      - {code: '1.1', name: A, kind: points, max: 100, evidence: [B]}\n", encoding="utf-8")
    done = cds("rubric", "check", str(bad))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "[Lỗi] R102 sai.yaml, dòng 4: Sai cấu trúc tại status: trạng thái của bộ chỉ số phải là một trong" \
        in done.stdout


def test_the_run_says_it_on_the_console_too(runs):
    _, _, _, first, second = runs
    [line] = [x for x in first.stdout.splitlines() if x.startswith("Bộ chỉ số: ")]
    assert RECONSTRUCTED in line and HOW_TO_LOAD in line
    assert not [x for x in second.stdout.splitlines() if x.startswith("Bộ chỉ số: ")]


def test_the_province_roll_up_carries_the_line_above_its_ranking(runs, tmp_path):
    builtin, official, copies, *_ = runs
    sheet = PROVINCE_SHEET_DISTRICTS
    made = cds("province", str(builtin), "--out", str(tmp_path / "tinh"))
    assert made.returncode in (0, 1) and "Traceback" not in made.stderr, made.stderr
    [line] = standing_cells(tmp_path / "tinh" / PROVINCE_SUMMARY, sheet)
    assert RECONSTRUCTED in line and HOW_TO_LOAD in line
    made = cds("province", str(official), "--rubric", str(copies[0]), "--rubric", str(copies[1]),
               "--out", str(tmp_path / "tinh-chinh-thuc"))
    assert made.returncode in (0, 1), made.stderr
    assert standing_cells(tmp_path / "tinh-chinh-thuc" / PROVINCE_SUMMARY, sheet) == []
