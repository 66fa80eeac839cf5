"""A round's run on the page: the background job and its status, what survives a refresh, refusals while
it runs, failures as Vietnamese messages, and the result page against the run's own results.json, the
same as `cds-batch run` with the round's command line."""
from __future__ import annotations

import html
import io
import json
import re
import shlex
import threading
import zipfile

import pytest

from cds_batch.cli import main
from cds_batch.core.errors import CdsBatchError
from cds_batch.web.workspace import Workspace

from tests.web_helpers import client_with_token, create_round, make_app, small_roster, upload_inbox, wait_done

SLUG = "Dot-1-nam-2025"


@pytest.fixture
def small(tmp_path):
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    assert create_round(client, roster=small_roster(tmp_path)).status_code == 303
    return app, client, tmp_path / "ws" / SLUG


def _put(client, name: str = "a.xlsx", data: bytes = b"khong phai bang tinh"):
    return client.post(f"/dot/{SLUG}/hop-thu", data={"files": [(io.BytesIO(data), name)]},
                       content_type="multipart/form-data")


def test_the_status_of_a_round_never_run_is_idle(small):
    app, client, _ = small
    status = client.get(f"/dot/{SLUG}/trang-thai")
    assert status.status_code == 200 and status.json == {"key": SLUG, "state": "idle", "has_results": False}
    assert status.headers["Cache-Control"] == "no-store"
    assert "Đợt này chưa được tổng hợp" in client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)


def test_a_run_in_progress_survives_a_refresh_and_refuses_a_second_run_and_uploads(small, monkeypatch):
    import cds_batch.web.views_run as views

    app, client, _ = small
    _put(client)
    release, reading = threading.Event(), threading.Event()

    def slow_run(r, progress, jobs):
        progress.start(4)
        progress.step(None)
        progress.step(None)
        reading.set()
        assert release.wait(30)
        return "Đã xong lần chạy thử."

    monkeypatch.setattr(views, "run_round", slow_run)
    started = client.post(f"/dot/{SLUG}/chay")
    assert started.status_code == 303 and started.headers["Location"] == f"/dot/{SLUG}/ket-qua"
    assert reading.wait(30)
    try:
        status = client.get(f"/dot/{SLUG}/trang-thai").json
        assert (status["state"], status["phase"], status["done"], status["total"]) == ("running", "read", 2, 4)
        assert status["text"] == "Đang đọc, kiểm tra và chấm: 2/4 bảng tính" and 5 < status["percent"] < 95
        for _ in range(2):   # a refresh, and another tab: the page shows the same run
            page = client_with_token(app).get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
            assert 'id="tien-do"' in page and "Đang đọc, kiểm tra và chấm: 2/4 bảng tính" in page
        again = client.post(f"/dot/{SLUG}/chay")
        assert again.status_code == 409 and "Đợt này đang được tổng hợp" in again.get_data(as_text=True)
        assert f'id="buoc-tiep" href="/dot/{SLUG}/ket-qua">Xem tiến độ tổng hợp</a>' in again.get_data(as_text=True)
        upload = _put(client, "b.xlsx")
        assert upload.status_code == 409 and f'href="/dot/{SLUG}/ket-qua"' in upload.get_data(as_text=True)
        assert "đang được tổng hợp" in client.get(f"/dot/{SLUG}").get_data(as_text=True)
    finally:
        release.set()
    assert wait_done(app, SLUG).state == "done"
    assert client.get(f"/dot/{SLUG}/trang-thai").json["state"] == "done"
    assert "Đã xong lần chạy thử." in client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    assert client.post(f"/dot/{SLUG}/chay").status_code == 303   # over: it may run again
    wait_done(app, SLUG)


def test_an_empty_inbox_fails_with_a_message(small):
    app, client, _ = small
    client.post(f"/dot/{SLUG}/chay")
    job = wait_done(app, SLUG)
    assert job.state == "failed" and "Hộp thư của đợt này chưa có tệp nào" in job.message
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    assert 'id="loi-chay"' in page and "chưa có tệp nào" in page


def test_a_run_that_cannot_run_shows_the_reason(small, monkeypatch):
    import cds_batch.web.district as district

    def cannot(opts, progress):
        raise CdsBatchError("Không đọc được kết quả đợt trước.")

    monkeypatch.setattr(district, "run_district", cannot)
    app, client, _ = small
    _put(client)
    client.post(f"/dot/{SLUG}/chay")
    assert wait_done(app, SLUG).message == "Không thể chạy: Không đọc được kết quả đợt trước."
    status = client.get(f"/dot/{SLUG}/trang-thai").json
    assert status["state"] == "failed" and status["text"] == "Không thể chạy: Không đọc được kết quả đợt trước."


def test_a_bug_during_the_run_is_logged_and_never_shown_as_a_traceback(small, monkeypatch):
    import cds_batch.web.district as district

    def boom(opts, progress):
        raise ZeroDivisionError("lỗi cài sẵn để thử")

    monkeypatch.setattr(district, "run_district", boom)
    app, client, folder = small
    _put(client)
    client.post(f"/dot/{SLUG}/chay")
    job = wait_done(app, SLUG)
    log = folder / "ket-qua" / "cds-batch-loi.log"
    assert job.state == "failed" and job.message.startswith("Lỗi nội bộ của cds-batch (ZeroDivisionError).")
    assert str(log) in job.message
    text = log.read_text(encoding="utf-8")
    assert "ZeroDivisionError: lỗi cài sẵn để thử" in text and f"Lệnh: cds-batch run {folder / 'hop-thu'}" in text
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    assert "Traceback" not in page and "lỗi cài sẵn" not in page


# --- The real run of the bundled district ------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("web-run")
    app = make_app(base / "ws")
    client = client_with_token(app)
    assert create_round(client).status_code == 303
    assert upload_inbox(client, SLUG).status_code == 303
    assert client.post(f"/dot/{SLUG}/chay").status_code == 303
    job = wait_done(app, SLUG)
    assert job.state == "done", job.message
    return app, client, base / "ws" / SLUG, job


def _rows(page: str):
    body = page.split('id="bang-truong"')[1].split("</tbody>")[0]
    return re.findall(r'<tr data-code="([^"]*)" data-status="([^"]*)" data-level="([^"]*)"', body)


def test_the_table_is_the_runs_results_json(sample_run):
    app, client, folder, job = sample_run
    results = json.loads((folder / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    expected = [(s["school_code"], s["status"], str(s["overall_level"]) if s["overall_level"] else "none")
                for s in results]
    assert _rows(page) == expected and len(expected) == 30
    assert job.message == "Đã xử lý 32 tệp (25 bảng tính). Trường: 22 hợp lệ, 2 cần sửa, 6 chưa nộp."
    assert '<div class="o-so hop-le"><span>22</span>Hợp lệ</div>' in page


def test_the_missing_schools_and_each_schools_findings_are_listed(sample_run):
    app, client, folder, _ = sample_run
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    missing = page.split('id="chua-nop"')[1].split("</section>")[0]
    results = json.loads((folder / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    for s in results:
        assert (f"<td>{s['school_code']}</td>" in missing) == (s["status"] == "missing")
    findings = page.split('id="loi-theo-truong"')[1]
    assert 'id="truong-79707"' in findings and "E203" in findings and "Nhóm 1!F6" in findings
    assert 'href="#truong-79707"' in page   # the code in the table leads to its findings


def test_the_outputs_download_under_names_that_say_the_round(sample_run):
    app, client, folder, _ = sample_run
    import openpyxl

    summary = client.get(f"/dot/{SLUG}/tai-ve/ket-qua/tong-hop.xlsx")
    assert summary.status_code == 200 and f"tong-hop_{SLUG}.xlsx" in summary.headers["Content-Disposition"]
    assert summary.data == (folder / "ket-qua" / "tong-hop.xlsx").read_bytes()
    assert "Tổng hợp" in openpyxl.load_workbook(io.BytesIO(summary.data), read_only=True).sheetnames
    review = client.get(f"/dot/{SLUG}/tai-ve/ket-qua/danh-gia-ngoai.xlsx")
    assert review.status_code == 200
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    for name in ("tong-hop.csv", "results.csv"):   # the CSV for Excel and the one for scripts, both offered
        got = client.get(f"/dot/{SLUG}/tai-ve/ket-qua/{name}")
        assert got.status_code == 200 and got.data == (folder / "ket-qua" / name).read_bytes(), name
        assert f'data-file="{name}"' in page, name
    feedback = zipfile.ZipFile(io.BytesIO(client.get(f"/dot/{SLUG}/tai-ve/phan-hoi.zip").data)).namelist()
    assert feedback == sorted(p.name for p in (folder / "ket-qua" / "phan-hoi").iterdir()) and len(feedback) == 24
    for name in ("results.json", "ledger.json", ".cds-cache.sqlite", "..%2Fdot.json", "phan-hoi"):
        assert client.get(f"/dot/{SLUG}/tai-ve/ket-qua/{name}").status_code == 404, name


def test_the_command_line_carries_on_from_the_page_with_the_same_results(sample_run, tmp_path):
    """`cds-batch run` with the round's command line, into the same folder, gives the same results.json;
    the page then shows that run."""
    app, client, folder, _ = sample_run
    before = (folder / "ket-qua" / "results.json").read_text(encoding="utf-8")
    command = Workspace(folder.parent).get(SLUG).command()
    with pytest.raises(SystemExit) as done:
        main(command)
    assert done.value.code == 1   # two schools to fix, as on the page
    assert (folder / "ket-qua" / "results.json").read_text(encoding="utf-8") == before
    page = client.get(f"/dot/{SLUG}").get_data(as_text=True)
    assert shlex.join(["cds-batch", *command]) in html.unescape(page)


def test_two_rounds_run_one_after_the_other_in_one_server(sample_run, tmp_path):
    app, client, folder, _ = sample_run
    assert create_round(client, label="Đợt 2 năm 2025", roster=small_roster(tmp_path)).status_code == 303
    assert upload_inbox(client, "Dot-2-nam-2025").status_code == 303
    client.post("/dot/Dot-2-nam-2025/chay")
    job = wait_done(app, "Dot-2-nam-2025")
    assert job.state == "done", job.message
    results = json.loads((folder.parent / "Dot-2-nam-2025" / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    assert [s["school_code"] for s in results if s["status"] != "unlisted"] == ["79801", "79802"]
    client.post(f"/dot/{SLUG}/chay")
    assert wait_done(app, SLUG).state == "done"


def test_the_reading_pool_runs_from_the_servers_thread(tmp_path):
    """run_district's "spawn" process pool, started from the job's thread (not the main thread)."""
    app = make_app(tmp_path / "ws", jobs=2)
    client = client_with_token(app)
    create_round(client)
    upload_inbox(client, SLUG)
    client.post(f"/dot/{SLUG}/chay")
    job = wait_done(app, SLUG)
    assert job.state == "done", job.message
    assert job.message == "Đã xử lý 32 tệp (25 bảng tính). Trường: 22 hợp lệ, 2 cần sửa, 6 chưa nộp."
    assert len(list((tmp_path / "ws" / SLUG / "ket-qua" / "phan-hoi").iterdir())) == 24


def test_a_download_zip_is_made_again_when_its_files_change(tmp_path):
    import os

    from cds_batch.web.zips import zip_files

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(b"1")
    b.write_bytes(b"2")
    target = tmp_path / "tai-ve" / "phan-hoi.zip"
    zip_files([a, b], target)
    made = target.stat().st_mtime_ns
    assert zip_files([a, b], target).stat().st_mtime_ns == made   # unchanged: not written again
    a.write_bytes(b"3")
    os.utime(a, ns=(made + 1, made + 1))
    zip_files([a, b], target)
    assert zipfile.ZipFile(target).read("a.xlsx") == b"3"
    zip_files([b], target)
    assert zipfile.ZipFile(target).namelist() == ["b.xlsx"]


def test_the_command_line_shown_keeps_quotes_and_dollar_signs_as_text(tmp_path):
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    label = 'Đợt "1" $(rm -rf x) `id`'
    assert create_round(client, label=label, roster=small_roster(tmp_path)).status_code == 303
    slug = next(p.name for p in (tmp_path / "ws").iterdir())
    page = client.get(f"/dot/{slug}").get_data(as_text=True)
    posix = html.unescape(page.split('id="lenh-posix">')[1].split("</code>")[0])
    windows = html.unescape(page.split('id="lenh-windows">')[1].split("</code>")[0])
    args = shlex.split(posix)
    assert args[0] == "cds-batch" and args[args.index("--round") + 1] == label
    assert args[1:] == Workspace(tmp_path / "ws").get(slug).command()
    assert windows.startswith("Start-Process -FilePath ")   # read back in tests/web/test_web_shells.py


def test_a_round_typed_in_another_case_is_the_same_round_and_the_same_job(small, monkeypatch):
    import cds_batch.web.views_run as views

    app, client, _ = small
    _put(client)
    release = threading.Event()
    monkeypatch.setattr(views, "run_round", lambda r, progress, jobs: release.wait(30) and "xong")
    assert client.post(f"/dot/{SLUG.upper()}/chay").status_code == 303
    try:
        assert client.post(f"/dot/{SLUG.lower()}/chay").status_code == 409
        assert client.get(f"/dot/{SLUG.lower()}/trang-thai").json["key"] == SLUG
    finally:
        release.set()
    wait_done(app, SLUG)
