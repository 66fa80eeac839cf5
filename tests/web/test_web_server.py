"""`cds-batch serve` as typed: binds 127.0.0.1 on a free port, prints the URL with its token, opens the
browser unless told not to, refuses whoever lacks the token, stops cleanly on Ctrl+C."""
from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from cds_batch import cli
from cds_batch.cli import commands
from cds_batch.web.address import ADDRESS_FILE, Remembered, load, save

from tests.web_helpers import ROOT, start_serve, stop


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def test_serve_listens_on_a_free_loopback_port_and_prints_the_url_with_its_token(tmp_path):
    proc, url, lines = start_serve(tmp_path / "ws")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", url)
        assert int(url.split(":")[2].split("/")[0]) > 0
        page = opener().open(url, timeout=30)
        assert page.status == 200 and page.url == url.split("?")[0]   # the token left the address bar
        assert "Tạo đợt mới" in page.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0], timeout=30)
        assert refused.value.code == 403 and "Cần mã truy cập" in refused.value.read().decode("utf-8")
        assert (tmp_path / "ws").is_dir()
    finally:
        out = stop(proc)
    assert proc.returncode == 0 and "Đã dừng trang web." in out and "Traceback" not in out


def test_serve_on_all_addresses_requires_the_token_and_says_so(tmp_path):
    proc, url, lines = start_serve(tmp_path / "ws", "--host", "0.0.0.0")
    try:
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        assert any("Máy khác trong mạng mở: http://<địa chỉ IP của máy này>:" in line for line in lines)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0], timeout=30)
        assert refused.value.code == 403
        assert opener().open(url, timeout=30).status == 200
    finally:
        stop(proc)


def test_serve_opens_the_browser_unless_told_not_to(tmp_path, monkeypatch):
    opened: list[str] = []

    class Fake:
        url = "http://127.0.0.1:1234/?token=abc"
        lan_note = ""
        moved_note = ""
        data = tmp_path

        def run(self):
            return None

        def busy(self):
            return False

        def close(self):
            return None

    import cds_batch.web.server as server

    monkeypatch.setattr(server, "make_server", lambda *a, **k: Fake())
    monkeypatch.setattr(commands.webbrowser, "open", opened.append)
    cli.main(["serve", "--data", str(tmp_path)])
    assert opened == ["http://127.0.0.1:1234/?token=abc"]
    cli.main(["serve", "--no-browser", "--data", str(tmp_path)])
    assert len(opened) == 1


def test_a_port_in_use_is_a_could_not_run_exit(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "cds_batch", "serve", "--no-browser", "--port", str(port),
                              "--data", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                             timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert run.returncode == 3 and "Traceback" not in run.stderr
    assert f"Không thể chạy: cổng {port} đang có chương trình khác dùng" in run.stderr


def test_waitress_refuses_a_body_over_the_applications_limit_from_its_headers_alone(tmp_path):
    """Not read, not buffered: the refusal comes before any of the body is sent."""
    import socket
    import threading

    from cds_batch.web.server import make_server

    served = make_server(tmp_path / "ws", max_request=1000)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        port = served.server.effective_port
        for length, refused in ((1001, True), (1000, False)):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(f"POST /dot HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n\r\n".encode())
                s.settimeout(2)
                try:
                    answer = s.recv(200).decode("latin-1")
                except socket.timeout:
                    answer = ""   # waiting for the body: accepted as far as size goes
            assert answer.startswith("HTTP/1.1 413") is refused, (length, answer)
    finally:
        served.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def test_a_restart_keeps_the_address_so_a_bookmark_and_the_browsers_cookie_keep_working(tmp_path):
    browser = opener()
    proc, url, _ = start_serve(tmp_path / "ws")
    try:
        assert browser.open(url, timeout=30).status == 200   # the cookie is set
    finally:
        stop(proc)
    kept = tmp_path / "ws" / ADDRESS_FILE
    if os.name == "posix":
        assert kept.stat().st_mode & 0o777 == 0o600   # the token: readable by this user only
    proc, again, _ = start_serve(tmp_path / "ws")
    try:
        assert again == url
        bookmark = browser.open(url.split("?")[0], timeout=30)   # the address bar's address, without the token
        assert bookmark.status == 200 and "Tạo đợt mới" in bookmark.read().decode("utf-8")
    finally:
        stop(proc)


def test_a_port_given_wins_and_is_remembered(tmp_path):
    for wanted in (free_port(), free_port()):
        proc, url, _ = start_serve(tmp_path / "ws", "--port", str(wanted))
        stop(proc)
        assert port_of(url) == wanted
        proc, url, _ = start_serve(tmp_path / "ws")   # no --port: the last one given
        stop(proc)
        assert port_of(url) == wanted


def test_a_kept_port_another_program_holds_gives_way_to_a_free_one_for_this_start_only(tmp_path):
    import socket

    proc, url, _ = start_serve(tmp_path / "ws")
    stop(proc)
    kept = port_of(url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", kept))
        taken.listen()
        proc, moved, lines = start_serve(tmp_path / "ws")
        try:
            assert port_of(moved) != kept and moved.split("?")[1] == url.split("?")[1]   # the same token
            now = port_of(moved)
            assert lines[0] == (f"Cổng {kept} mà trang dùng lần trước đang bị một chương trình khác giữ (có thể là "
                                f"cds-batch đang chạy trong một cửa sổ khác). Lần này trang mở ở cổng {now}; "
                                f"trang đã đánh dấu theo cổng {kept} sẽ mở lại được khi cổng đó rảnh.")
            assert opener().open(moved, timeout=30).status == 200
        finally:
            stop(proc)
    assert load(tmp_path / "ws") == Remembered(kept, url.split("token=")[1])
    proc, back, _ = start_serve(tmp_path / "ws")
    stop(proc)
    assert back == url


def test_a_new_token_shuts_out_every_address_given_before(tmp_path):
    browser = opener()
    proc, url, _ = start_serve(tmp_path / "ws")
    try:
        browser.open(url, timeout=30)
    finally:
        stop(proc)
    proc, renewed, _ = start_serve(tmp_path / "ws", "--new-token")
    try:
        assert port_of(renewed) == port_of(url) and renewed != url
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(url.split("?")[0], timeout=30)   # the old cookie
        assert refused.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(url, timeout=30)   # the old address
        assert refused.value.code == 403
        assert browser.open(renewed, timeout=30).status == 200
    finally:
        stop(proc)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": "cds_batch.serve/1", "port": 0, "token": "x"}',
                                  '{"format": "cds_batch.serve/1", "port": 8080, "token": "ngắn"}',
                                  '{"format": "khac", "port": 8080, "token": "' + "a" * 32 + '"}'])
def test_an_unreadable_address_file_means_a_fresh_start(tmp_path, text):
    (tmp_path / ADDRESS_FILE).write_text(text, encoding="utf-8")
    assert load(tmp_path) is None
    save(tmp_path, Remembered(8080, "a" * 32))
    assert load(tmp_path) == Remembered(8080, "a" * 32)
