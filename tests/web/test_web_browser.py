"""End to end in a real browser: `cds-batch serve` driven by Playwright in Debian's headless Chromium, at
1366×768, as an office clerk uses it: start a round with the samples' roster, download the templates,
upload the inbox as a folder, run it, check the table against the run's results.json, filter, sort,
reload, download the summary and open it; then the province page with the district's result folder.

Screenshots of each page go to output/screenshots/ (kept as test artefacts; output/ is not committed).
Chromium comes from the project's set-up (scripts/test.sh installs it with apt-get); if it is missing the
test fails rather than skips, so CI cannot pass without it.
"""
from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from tests.web_helpers import INBOX, OFFICE, ROOT, ROSTER, ROUND, start_serve, stop

pytestmark = pytest.mark.slow

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-headless-shell")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "output" / "screenshots"
SLUG = "Dot-1-nam-2025"
CONSOLE_ERRORS: list[str] = []   # the page's script errors and what the Content-Security-Policy blocked


@pytest.fixture(autouse=True)
def no_console_errors():
    CONSOLE_ERRORS.clear()
    yield
    assert CONSOLE_ERRORS == []


def chromium() -> str:
    found = next((exe for exe in CHROMIUM if Path(exe).is_file()), None)
    if found is None:
        pytest.fail("Chromium is not installed (" + " or ".join(CHROMIUM) + "); run scripts/test.sh as root, "
                    "which installs it with apt-get.")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve") / "cds-batch"
    proc, url, _ = start_serve(data)
    yield url, data
    out = stop(proc)
    assert "Traceback" not in out, out


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="vi-VN")
        context.set_default_timeout(60_000)
        tab = context.new_page()
        tab.on("console", lambda m: CONSOLE_ERRORS.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: CONSOLE_ERRORS.append(str(e)))
        yield tab
        context.close()
        browser.close()


def shot(page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(SHOTS / name), full_page=full)


def download(page, selector: str, target: Path) -> Path:
    with page.expect_download() as waiting:
        page.click(selector)
    waiting.value.save_as(target)
    return target


def table_rows(page) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in page.eval_on_selector_all(
        "#bang-truong tbody tr:not([hidden])",
        "rows => rows.map(r => [r.dataset.code, r.dataset.status, r.dataset.level])")]


def expected_rows(results: list[dict]) -> list[tuple[str, str, str]]:
    return [(s["school_code"], s["status"], str(s["overall_level"]) if s["overall_level"] else "none")
            for s in results]


def start_round(page, base: str, label: str, roster: Path, slug: str) -> None:
    """Fill the home page's form (the national rubric, the test's office) and wait for the round's page."""
    page.fill("input[name=label]", label)
    page.fill("input[name=office]", OFFICE)
    page.check("input[name=rubric][value=qd4725-phothong]")
    page.set_input_files("input[name=roster]", str(roster))
    page.click("text=Tạo đợt và các phiếu")
    page.wait_for_url(f"{base}/dot/{slug}")


def test_a_district_round_from_the_roster_to_the_summary_workbook(server, page, tmp_path):
    url, data = server
    base = url.split("/?")[0]
    page.goto(url)
    assert page.url == base + "/"   # the token went into a cookie and out of the address bar
    assert page.title() == "Các đợt · cds-batch"
    shot(page, "trang-chu.png")

    # 1. Start the round: roster, rubric, round label and office.
    start_round(page, base, ROUND, ROSTER, SLUG)
    assert "Đã tạo đợt “Đợt 1 năm 2025” và 32 phiếu" in page.inner_text("main")

    templates = download(page, "#tai-phieu", tmp_path / "phieu.zip")
    names = [n for n in zipfile.ZipFile(templates).namelist() if n.endswith(".xlsx")]
    assert len(names) >= 30 and "79701_Truong-Mam-non-Hoa-Sen_Dot-1-nam-2025.xlsx" in names

    # 2. The inbox, as a folder: sub-folders and the files' times are kept.
    page.set_input_files("input[name=folder]", str(INBOX))
    page.click("text=Tải lên hộp thư")
    page.wait_for_selector("text=Đã nhận 22 tệp.")
    assert page.inner_text("#so-tep") == "22"
    kept = data / SLUG / "hop-thu" / "inbox" / "email 20-10" / "BC CDS TH Le Van Tam.xlsx"
    original = INBOX / "email 20-10" / "BC CDS TH Le Van Tam.xlsx"
    assert kept.read_bytes() == original.read_bytes()
    assert int(kept.stat().st_mtime) == int(original.stat().st_mtime)
    shot(page, "dot.png")

    # 3. Run, reload while it runs (or just after), wait for the table.
    page.click("#chay")
    page.wait_for_url(f"{base}/dot/{SLUG}/ket-qua")
    if page.locator("#tien-do").count():
        shot(page, "tien-do.png")
    page.reload()
    assert page.locator("#tien-do").count() + page.locator("#bang-truong").count() == 1
    page.wait_for_selector("#bang-truong", timeout=300_000)
    results = json.loads((data / SLUG / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    assert table_rows(page) == expected_rows(results) and len(results) == 30
    assert page.inner_text("#dem-hang") == "Đang hiện 30/30 trường"
    shot(page, "ket-qua.png")
    shot(page, "ket-qua-toan-trang.png", full=True)

    page.reload()   # after the run: the page is the folder's, not the browser's
    assert table_rows(page) == expected_rows(results)

    # Filters and sorting, in the page's script.
    page.select_option("#loc-trang-thai", "needs_fix")
    to_fix = [r for r in expected_rows(results) if r[1] == "needs_fix"]
    assert table_rows(page) == to_fix and len(to_fix) == 2
    assert page.inner_text("#dem-hang") == "Đang hiện 2/30 trường"
    page.select_option("#loc-trang-thai", "")
    page.select_option("#loc-muc", "3")
    assert table_rows(page) == [r for r in expected_rows(results) if r[2] == "3"]
    page.fill("#loc-chu", "nguyen")   # without accents: finds the Nguyễn schools
    shown = table_rows(page)
    by_code = {s["school_code"]: s for s in results}
    assert shown and all("Nguyễn" in by_code[code]["school_name"] for code, _, _ in shown)
    shot(page, "ket-qua-loc.png")
    page.fill("#loc-chu", "")
    page.select_option("#loc-muc", "")
    page.click("#bang-truong thead th:nth-child(2) button")
    page.click("#bang-truong thead th:nth-child(2) button")
    codes = [code for code, _, _ in table_rows(page)]
    assert codes == sorted(codes, reverse=True)
    assert page.get_attribute("#bang-truong thead th:nth-child(2)", "aria-sort") == "descending"

    # The findings of a school to fix, reached from its code in the table.
    page.click("#bang-truong a[href='#truong-79707']")
    assert "E203" in page.inner_text("#truong-79707")

    # Downloads: the summary (opened), the feedback zip, the review workbook.
    summary = download(page, "a[data-file='tong-hop.xlsx']", tmp_path / "tong-hop.xlsx")
    book = openpyxl.load_workbook(summary, read_only=True)
    overview = [row for row in book["Tổng hợp"].iter_rows(values_only=True)]
    listed = {str(v) for row in overview for v in row if v is not None}
    assert all(s["school_code"] in listed for s in results)
    feedback = download(page, "a[data-file='phan-hoi.zip']", tmp_path / "phan-hoi.zip")
    assert len(zipfile.ZipFile(feedback).namelist()) == 24
    review = download(page, "a[data-file='danh-gia-ngoai.xlsx']", tmp_path / "danh-gia-ngoai.xlsx")
    assert "Đánh giá tiêu chí" in openpyxl.load_workbook(review, read_only=True).sheetnames


def test_the_province_page_rolls_up_the_district_folder(server, page, tmp_path):
    url, data = server
    base = url.split("/?")[0]
    page.goto(base + "/")
    page.click("text=Tổng hợp cấp tỉnh")
    page.wait_for_url(base + "/tinh")
    page.set_input_files("#dau-vao input[name=folder]", str(data / SLUG / "ket-qua"))
    page.click("#dau-vao button[type=submit]")
    page.wait_for_selector("text=Đã nhận")
    page.fill("input[name=title]", "Tổng hợp chuyển đổi số năm 2025")
    page.click("#chay-tinh-nut")
    page.wait_for_selector("text=Đã tổng hợp 1 đơn vị, 30 trường.")
    assert page.inner_text("#bang-don-vi tbody tr td:nth-child(2)") == OFFICE
    shot(page, "tinh.png")
    workbook = download(page, "#tai-tinh", tmp_path / "tong-hop-tinh.xlsx")
    book = openpyxl.load_workbook(workbook, read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(max_row=40, values_only=True) for v in row if v}
    assert "Tổng hợp chuyển đổi số năm 2025 — Theo đơn vị" in cells and OFFICE in cells


def test_files_chosen_one_by_one_keep_their_own_times_through_the_run(server, page, tmp_path):
    """Issue 22 (10): a file picked with "Chọn tệp" keeps the last-modified time the browser gives, and the
    run takes it as the received time, said to be the file's modification time (not the upload's)."""
    url, data = server
    base = url.split("/?")[0]
    page.goto(url)   # the start-up address: the token, also when this test runs alone
    start_round(page, base, "Thử thời gian", ROSTER, "Thu-thoi-gian")
    sent = tmp_path / "BC CDS TH Le Van Tam.xlsx"
    sent.write_bytes((INBOX / "email 20-10" / sent.name).read_bytes())
    mailed = datetime(2025, 10, 21, 8, 15, tzinfo=timezone(timedelta(hours=7)))
    os.utime(sent, (mailed.timestamp(), mailed.timestamp()))
    page.set_input_files("input[name=files]", str(sent))
    page.click("text=Tải lên hộp thư")
    page.wait_for_selector("text=Đã nhận 1 tệp.")
    kept = data / "Thu-thoi-gian" / "hop-thu" / sent.name
    assert kept.stat().st_mtime == mailed.timestamp()
    page.click("#chay")
    page.wait_for_url(f"{base}/dot/Thu-thoi-gian/ket-qua")
    page.wait_for_selector("#bang-truong")
    [entry] = json.loads((data / "Thu-thoi-gian" / "ket-qua" / "ledger.json").read_text(encoding="utf-8"))
    assert datetime.fromisoformat(entry["received_at"]) == mailed
    assert entry["time_source_label"] == "theo thời gian sửa tệp"


def test_the_result_table_filters_by_unit_when_the_roster_spans_several(server, page, tmp_path):
    """Issue 23 (3): a roster without Quận/Huyện groups its schools by commune; the result page then has a
    labelled unit select, reached with the keyboard after the level filter, that shows one unit's rows."""
    url, data = server
    base = url.split("/?")[0]
    lines = ROSTER.read_text(encoding="utf-8-sig").splitlines()
    drop = lines[0].split(",").index("Quận/Huyện")
    roster = tmp_path / "ds-theo-xa.csv"
    roster.write_text("\n".join(",".join(c for n, c in enumerate(line.split(",")) if n != drop) for line in lines),
                      encoding="utf-8")
    page.goto(url)
    start_round(page, base, "Thử đơn vị", roster, "Thu-don-vi")
    page.set_input_files("input[name=folder]", str(INBOX))
    page.click("text=Tải lên hộp thư")
    page.wait_for_selector("text=Đã nhận 22 tệp.")
    page.click("#chay")
    page.wait_for_url(f"{base}/dot/Thu-don-vi/ket-qua")
    page.wait_for_selector("#bang-truong", timeout=300_000)
    results = json.loads((data / "Thu-don-vi" / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    units = sorted({s["unit"] for s in results})
    assert len(units) == 10
    page.focus("#loc-muc")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "loc-don-vi"
    chosen = units[3]
    page.get_by_label("Đơn vị quản lý").select_option(chosen)
    mine = [r for r in expected_rows(results) if next(s for s in results if s["school_code"] == r[0])["unit"] == chosen]
    assert table_rows(page) == mine and len(mine) == 3
    assert page.inner_text("#dem-hang") == "Đang hiện 3/30 trường"
    shot(page, "ket-qua-don-vi.png")
    page.select_option("#loc-don-vi", "")
    assert len(table_rows(page)) == 30


def test_a_browser_without_the_token_is_refused_in_vietnamese(server, page):
    url, _ = server
    context = page.context.browser.new_context(viewport={"width": 1366, "height": 768})
    other = context.new_page()
    response = other.goto(url.split("?")[0])
    assert response.status == 403 and "Cần mã truy cập" in other.inner_text("main")
    shot(other, "tu-choi.png")
    context.close()


def test_a_page_left_open_across_a_restart_stops_asking_and_says_what_to_do(server, page):
    """After a restart with a new token (--new-token): the status request gets the 403 page, which is not JSON."""
    url, _ = server
    base = url.split("/?")[0]
    asked: list[str] = []
    progress = ('<!doctype html><main><div id="tien-do" data-status-url="/dot/x/trang-thai">'
                '<progress id="thanh-tien-do" max="100"></progress><p id="chu-tien-do"></p></div></main>'
                '<script src="/static/app.js"></script>')
    page.route(base + "/gia-lap", lambda route: route.fulfill(status=200, content_type="text/html", body=progress))
    page.route(base + "/dot/x/trang-thai", lambda route: asked.append(route.request.url) or route.fulfill(
        status=403, content_type="text/html", body="<p>Cần mã truy cập</p>"))
    page.goto(base + "/gia-lap")
    page.wait_for_selector("text=cds-batch đã được khởi động lại")
    page.wait_for_timeout(3000)
    assert len(asked) == 1
    CONSOLE_ERRORS.clear()   # the browser logs the 403 itself
