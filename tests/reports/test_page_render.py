"""Publication page in a real browser: headless Chromium loads the page from disk, runs its script under
its Content-Security-Policy, captures the screen to a PNG and prints the page to PDF.

A few schools of the bundled samples district (`review_helpers.samples`), at levels 3, 2 and 1 and one
sent back for more evidence, with the hostile names of `test_recognition_list`. Chromium comes with the
test set-up (scripts/test.sh installs chromium-headless-shell), so a missing browser fails, never skips.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cds_batch.district.recognition import Decision, Review, SchoolDecision, recognise
from cds_batch.reports.page import PAGE_FILE, write_publication_page

from tests.review_helpers import OFFICE, ROUND, samples
from tests.reports.test_recognition_list import FORMULA_NAME, QUOTED_COMMUNE, SCRIPT_NAME, Page, hostile

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "headless_shell")
WIDTH, HEIGHT = 1200, 900
TIMEOUT = 60
# Levels 1, 2, 2, 3, 3, 3 (79908 and 79909 carry the hostile names, 79709 the hostile commune), and 79901
# not recognised.
CODES = ("79701", "79702", "79709", "79806", "79901", "79908", "79909")
SENT_BACK = "79901"


@dataclass(frozen=True)
class Rendered:
    html: Path
    names: list[str]     # every school's name, as the page should show it
    dom: Page            # the document after the page's script ran
    log: str             # the browser's stderr over all runs, console messages included
    png: bytes
    pdf_text: str
    pdf_info: str


def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    assert found, f"no headless Chromium on PATH (tried {', '.join(BROWSERS)}); scripts/test.sh installs it"
    return found


def chromium(profile: Path, *args: str) -> tuple[str, str]:
    """(stdout, stderr) of one headless run; the page's console messages are logged to stderr."""
    command = [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
               f"--user-data-dir={profile}", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # the wrapper script and the browser's helper processes
            raise
    assert proc.returncode == 0, err
    return out, err


def poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=TIMEOUT).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("page-render")
    run = samples(folder / "run")
    district = hostile(replace(run.district, schools=tuple(r for r in run.district.schools if r.info.code in CODES)))
    review = Review("danh-gia-ngoai.xlsx", ROUND, OFFICE, {}, schools=tuple(
        SchoolDecision(code, Decision.MORE_EVIDENCE if code == SENT_BACK else Decision.RECOGNISED) for code in CODES))
    html = folder / PAGE_FILE
    write_publication_page(recognise(district, review, run.rubrics), district, html, office=OFFICE, round_label=ROUND)
    profile, url = folder / "profile", html.as_uri()
    dom, log = chromium(profile, "--dump-dom", url)
    log += chromium(profile, f"--screenshot={folder / 'page.png'}", f"--window-size={WIDTH},{HEIGHT}", url)[1]
    log += chromium(profile, f"--print-to-pdf={folder / 'page.pdf'}", "--no-pdf-header-footer", url)[1]
    pdf, png = str(folder / "page.pdf"), (folder / "page.png").read_bytes()
    return Rendered(html, [row.info.name for row in district.schools], Page(dom), log, png,
                    " ".join(poppler("pdftotext", pdf, "-").split()), poppler("pdfinfo", pdf))


def test_the_script_ran_under_the_pages_policy_without_a_console_message(rendered):
    def search_box(page):
        return next(attrs for _, attrs in page.tags if attrs.get("id") == "tim-kiem")
    # Written hidden; the script's last step shows it.
    assert "hidden" in search_box(Page(rendered.html.read_text(encoding="utf-8")))
    assert "hidden" not in search_box(rendered.dom)
    # A refused style or script, or a script error, is a console message.
    assert not [line for line in rendered.log.splitlines() if ":CONSOLE" in line or "Content Security Policy" in line]


def test_hostile_names_are_text_in_the_browsers_document(rendered):
    assert [t for t, _ in rendered.dom.tags].count("script") == 1
    assert not [t for t, _ in rendered.dom.tags if t in ("a", "iframe", "img", "object", "embed")]
    assert sorted(row[2] for row in rendered.dom.rows) == sorted(rendered.names)
    assert {SCRIPT_NAME, FORMULA_NAME} <= {row[2] for row in rendered.dom.rows}
    assert QUOTED_COMMUNE in {row[3] for row in rendered.dom.rows}


def test_an_unescaped_script_would_be_refused_by_the_browser(rendered, tmp_path):
    # As if a school name slipped through unescaped: the policy pins the page's own script by its hash.
    page = tmp_path / PAGE_FILE
    page.write_text(rendered.html.read_text(encoding="utf-8").replace(
        "</table>", '</table><script>document.title = "injected";</script>'), encoding="utf-8")
    dom, log = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert "Content Security Policy" in log and "blocked" in log
    assert "<title>injected</title>" not in dom and "<title>Kết quả công nhận" in dom


def test_the_screenshot_is_a_png_of_the_window_with_something_drawn(rendered):
    png = rendered.png
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (WIDTH, HEIGHT)
    assert len(png) > 20_000   # a blank window of this size is about 5 kB
    idat, at = b"", 8
    while at < len(png):
        size, kind = struct.unpack(">I4s", png[at:at + 8])
        idat += png[at + 8:at + 8 + size] if kind == b"IDAT" else b""
        at += 12 + size
    raw = zlib.decompress(idat)
    stride = len(raw) // HEIGHT
    # Filtered scanlines: a single-colour image has one or two distinct ones; text and borders give hundreds.
    assert len({raw[i:i + stride] for i in range(0, len(raw), stride)}) > 100


def test_the_print_shows_every_school_on_a4_without_the_controls(rendered):
    assert re.search(r"Page size:.*\(A4\)", rendered.pdf_info)   # Chromium's own default is Letter
    for name in rendered.names:
        assert " ".join(name.split()) in rendered.pdf_text
    assert "Tổng số: 7 trường; được công nhận: 6 trường" in rendered.pdf_text
    assert "Yêu cầu bổ sung" in rendered.pdf_text
    # The search box, the hint under the table and the sort arrow are for the screen only.
    for screen_only in ("Tìm theo tên trường", "Ví dụ", "Bấm vào tiêu đề cột", "\u25b2", "\u25bc"):
        assert screen_only not in rendered.pdf_text
