"""Who may use the page (`web.guard`): this machine only by default, never without the token, never a
form posted from another site; on the LAN (--host), whoever holds the token."""
from __future__ import annotations

import pytest

from cds_batch.pipeline.failures import LOG_NAME, write_crash_log
from cds_batch.web.guard import Access, is_loopback

from tests.web_helpers import PORT, TOKEN, client_with_token, make_app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "ws")


def test_the_start_up_url_sets_a_strict_cookie_and_drops_the_token_from_the_address(app):
    client = app.test_client()
    opened = client.get(f"/tinh?token={TOKEN}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/tinh"
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith(f"cds_batch_{PORT}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age=34560000" in cookie   # 400 days: kept when the browser closes, so a bookmark keeps working
    assert client.get("/tinh").status_code == 200


def test_the_refusal_says_how_to_open_the_page_and_links_nowhere(app):
    """Every page refuses this browser until it opens the printed address, so the 403 page's only help is
    the way to that address: the line `cds-batch serve` prints, with this server's port."""
    refused = app.test_client().get("/")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert f"Trang web của cds-batch: http://127.0.0.1:{PORT}/?token=…" in page
    assert "kể cả mã truy cập" in page and "cds-batch serve" in page
    assert "<a " not in page   # neither "Về trang chủ" nor the header's links: all would be refused again


@pytest.mark.parametrize("query", ["", "?token=sai"])
def test_without_the_token_every_page_is_refused_in_vietnamese(app, query):
    for path in ("/", "/tinh", "/dot/Dot-1/trang-thai"):
        refused = app.test_client().get(path + query)
        assert refused.status_code == 403
        assert "Cần mã truy cập" in refused.get_data(as_text=True)


def test_a_request_from_another_machine_is_refused_even_with_the_token(app):
    client = client_with_token(app)
    refused = client.get("/", environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert refused.status_code == 403
    assert "chỉ mở được trên chính máy" in refused.get_data(as_text=True)
    assert client.get("/static/style.css", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 403


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_peers_are_this_machine(app, address):
    assert client_with_token(app).get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "192.168.1.5:5000", "127.0.0.1.nip.io"])
def test_a_host_header_other_than_this_machine_is_refused(app, host):
    """A page whose name was pointed at 127.0.0.1 (DNS rebinding) still sends its own name."""
    refused = client_with_token(app).get("/", headers={"Host": host})
    assert refused.status_code == 403
    assert "Địa chỉ trang không đúng" in refused.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "LOCALHOST", "[::1]:5000"])
def test_the_local_host_names_are_accepted(app, host):
    client = app.test_client()
    assert client.get(f"/?token={TOKEN}", headers={"Host": host}).status_code == 303   # the cookie is set
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_a_form_posted_from_another_site_is_refused(app, headers):
    refused = client_with_token(app).post("/dot", data={"label": "x"}, headers=headers)
    assert refused.status_code == 403
    assert "đến từ một trang web khác" in refused.get_data(as_text=True)
    assert not (app.extensions["cds_batch"].workspace.root.exists()
                and any(app.extensions["cds_batch"].workspace.root.iterdir()))


def test_a_post_without_the_cookie_is_refused_even_from_this_machine(app):
    """What another web page open in the user's browser can send: a plain form post, no cookie."""
    refused = app.test_client().post("/dot", data={"label": "x"})
    assert refused.status_code == 403


def test_the_style_sheet_needs_no_token_locally(app):
    assert app.test_client().get("/static/style.css").status_code == 200


@pytest.fixture
def lan_app(tmp_path):
    return make_app(tmp_path / "ws", access=Access(TOKEN, lan=True, port=PORT))


def test_on_the_lan_a_peer_without_the_token_is_refused(lan_app):
    peer = {"REMOTE_ADDR": "192.168.1.20"}
    refused = lan_app.test_client().get("/", environ_base=peer, headers={"Host": "192.168.1.5:5000"})
    assert refused.status_code == 403 and "Cần mã truy cập" in refused.get_data(as_text=True)
    wrong = lan_app.test_client().get("/?token=doan-thu", environ_base=peer, headers={"Host": "192.168.1.5:5000"})
    assert wrong.status_code == 403


def test_on_the_lan_a_peer_with_the_token_gets_in(lan_app):
    client = lan_app.test_client()
    peer = {"REMOTE_ADDR": "192.168.1.20"}
    assert client.get(f"/?token={TOKEN}", environ_base=peer, headers={"Host": "192.168.1.5:5000"}).status_code == 303
    assert client.get("/", environ_base=peer, headers={"Host": "192.168.1.5:5000"}).status_code == 200


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                            ("::", False), ("pc-phong", False)])
def test_which_listening_addresses_are_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("where", ["query", "cookie"])
def test_a_non_ascii_token_is_a_plain_refusal_not_an_internal_error(app, where):
    client = app.test_client()
    if where == "cookie":
        client.set_cookie(Access(TOKEN, port=PORT).cookie, "é-không-phải-mã")
        refused = client.get("/")
    else:
        refused = client.get("/?token=%C3%A9")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Lỗi nội bộ" not in text
    assert str(app.extensions["cds_batch"].workspace.root) not in text
    assert not (app.extensions["cds_batch"].workspace.root / LOG_NAME).exists()


def test_a_later_error_is_added_to_the_log_and_does_not_erase_the_first(tmp_path):
    for n in (1, 2):
        try:
            raise RuntimeError(f"lỗi thứ {n}")
        except RuntimeError:
            log = write_crash_log(["serve"], [tmp_path])
    assert log is not None
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: lỗi thứ 1" in text and "RuntimeError: lỗi thứ 2" in text


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/khong-co"])
def test_every_response_forbids_frames_sniffing_and_outside_scripts(app, path):
    response = client_with_token(app).get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert response.headers["Referrer-Policy"] == "same-origin"
