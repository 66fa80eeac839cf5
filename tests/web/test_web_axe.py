"""Every page of `cds-batch serve` checked by axe-core (tests/builders/js, pinned in its package-lock.json)
in Debian's headless Chromium, with the data an office has after a round: a finished run of the bundled
samples (schools to fix, files not usable, schools missing), a round whose run is still going, a
province roll-up with an input it could not use, and the error pages 403, 404, 409 and 500.

Zero violations of any impact is the bar. Closed <details> are opened first, so what they hide is checked
too. The pages' Content-Security-Policy forbids inline scripts, so the context bypasses it for the one
script axe-core is injected as (`page.add_script_tag`).
"""
from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from cds_batch.web import views_run
from cds_batch.web.server import make_server
from cds_batch.web.state import state

from tests.web.test_web_browser import ARGS, chromium
from tests.web_helpers import ROOT, create_round, folder_parts, small_roster, upload_inbox, wait_done

pytestmark = pytest.mark.slow

AXE = ROOT / "tests" / "builders" / "js" / "node_modules" / "axe-core" / "axe.min.js"
SLUG, WAITING = "Dot-1-nam-2025", "Dot-cho"


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each: impact, rule, help, where."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in tests/builders/js (scripts/test.sh does).")
    assert page.get_attribute("html", "lang") == "vi"   # screen readers read the page in Vietnamese
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(" ".join(n["target"]) + " " + n["failureSummary"]
                                                                   for n in v["nodes"][:5])
            for v in found]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served workspace holding a finished round, a round whose run waits, and a province roll-up."""
    data = tmp_path_factory.mktemp("axe") / "cds-batch"
    served = make_server(data)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    client = served.app.test_client()
    token = served.url.split("token=")[1]
    assert client.get(f"/?token={token}").status_code == 303
    with served.app.app_context():
        assert create_round(client).status_code == 303
        assert upload_inbox(client, SLUG).status_code == 303
        assert client.post(f"/dot/{SLUG}/chay").status_code == 303
        assert wait_done(served.app, SLUG).state == "done"
        sent = folder_parts(data / SLUG / "ket-qua", top="ket-qua-quan7")
        sent["files"] = [(io.BytesIO(b"not a workbook"), "ghi-chu.xlsx")]   # one input the roll-up cannot use
        assert client.post("/tinh/tai-len", data=sent, content_type="multipart/form-data").status_code == 303
        assert client.post("/tinh/chay", data={"title": "Tổng hợp CĐS năm 2025"}).status_code == 303
        assert create_round(client, "Đợt chờ", small_roster(data.parent)).status_code == 303
        assert upload_inbox(client, WAITING).status_code == 303
        release = threading.Event()
        state().jobs.start(WAITING, lambda progress: release.wait() and "Xong.")
    yield served
    release.set()
    served.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(site, browser):
    """A tab that opened the start-up address (it holds the token) and ignores the CSP for axe's script."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", bypass_csp=True)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(site.url)
    yield tab
    context.close()


def base(site) -> str:
    return site.url.split("/?")[0]


def test_home_page(site, page):
    assert page.title() == "Các đợt · cds-batch"
    assert axe_violations(page) == []


def test_home_page_with_the_forms_errors(site, page):
    page.fill("input[name=label]", "Đợt 1 năm 2025")   # taken: the form comes back with its error
    page.set_input_files("input[name=roster]", str(ROOT / "samples" / "danh-sach-truong.csv"))
    page.click("text=Tạo đợt và các phiếu")
    page.wait_for_selector("#loi-bieu-mau")
    assert axe_violations(page) == []


def test_round_page_with_its_inbox(site, page):
    page.goto(f"{base(site)}/dot/{SLUG}")
    assert page.locator("#ds-hop-thu li").count() == 22
    assert axe_violations(page) == []


def test_result_page_of_a_finished_run_with_findings(site, page):
    page.goto(f"{base(site)}/dot/{SLUG}/ket-qua")
    assert page.locator("#bang-truong tbody tr").count() == 30 and page.locator("details.truong").count() > 1
    assert axe_violations(page) == []


def test_result_page_while_the_run_goes_on(site, page):
    page.goto(f"{base(site)}/dot/{WAITING}/ket-qua")
    assert page.get_attribute("#chu-tien-do", "aria-live") == "polite"
    assert axe_violations(page) == []


def test_round_page_while_its_run_goes_on(site, page):
    page.goto(f"{base(site)}/dot/{WAITING}")
    assert axe_violations(page) == []


def test_province_page_after_a_roll_up(site, page):
    page.goto(f"{base(site)}/tinh")
    assert page.locator("#bang-don-vi tbody tr").count() == 1 and page.locator("#tep-khong-dung-tinh").count() == 1
    assert axe_violations(page) == []


def test_the_403_page(site, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    other = context.new_page()
    assert other.goto(base(site) + "/").status == 403
    assert other.locator("a").count() == 0   # every page would refuse this browser again
    assert "Trang web của cds-batch: http://127.0.0.1:" in other.inner_text("#cach-mo")
    assert axe_violations(other) == []
    context.close()


def test_the_404_page(site, page):
    assert page.goto(f"{base(site)}/dot/khong-co-dot-nay").status == 404
    assert axe_violations(page) == []


def test_the_409_page(site, page):
    page.goto(f"{base(site)}/dot/{WAITING}")
    with page.expect_navigation():
        page.click("#chay")
    assert page.title().startswith("Đang tổng hợp")
    assert axe_violations(page) == []
    page.click("#buoc-tiep")   # to the round's progress
    page.wait_for_selector("#tien-do #chu-tien-do")


def test_the_500_page(site, page):
    def broken(_: Path) -> None:
        raise RuntimeError("a bug")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views_run, "load_view", broken)
        assert page.goto(f"{base(site)}/dot/{SLUG}/ket-qua").status == 500
    assert axe_violations(page) == []
