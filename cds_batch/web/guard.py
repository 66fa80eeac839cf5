"""Who may use the page: checked before every request, so no view can forget it.

In: the request (its peer address, Host and Origin headers, the token in the query or the cookie),
whether the server listens beyond this machine (`--host`), and the server's token.
Out: nothing when the request may go on; a 403 page in Vietnamese otherwise. Three rules:
  1. Listening on the loopback only (the default), a peer that is not this machine is refused, and so
     is a Host header other than 127.0.0.1, localhost or [::1] (a page on another site whose name was
     pointed at 127.0.0.1 — DNS rebinding — would send its own name).
  2. Always, a token: the start-up URL carries it once (?token=…); the page then keeps it in an
     HttpOnly, SameSite=Strict cookie named after the port, and takes it out of the address bar. The
     token and the port are kept from one start to the next (`address`), and so is the cookie (for
     COOKIE_DAYS), so a bookmark of the page keeps working. On the
     LAN this keeps out everyone who was not given the URL. On this machine it keeps out other web pages
     the user has open: the browser would send their form posts to 127.0.0.1 (cross-site requests need
     no permission to be sent), but never with a SameSite=Strict cookie.
  3. A form post whose Origin (or Sec-Fetch-Site) says it came from another site is refused as well.
"""
from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Flask, redirect, render_template, request
from werkzeug.wrappers import Response

TOKEN_PARAM = "token"
PRINTED_AS = "Trang web của cds-batch:"   # what `cds-batch serve` prints before the address; the 403 page quotes it
COOKIE_DAYS = 400                          # the longest browsers keep a cookie
_LOCAL_NAMES = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Access:
    token: str
    lan: bool = False        # listening beyond the loopback (--host other than 127.0.0.1/localhost/::1)
    port: int = 0            # the cookie's name carries it: cookies are per host, not per port

    @property
    def cookie(self) -> str:
        return f"cds_batch_{self.port}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or 'localhost', with or without [ ]) is this machine only."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)   # ::ffff:127.0.0.1
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def install(app: Flask, access: Access) -> None:
    """Check every request of `app` against `access` before its view runs."""

    @app.before_request
    def check() -> Response | None:
        return refusal(access)


def refusal(access: Access) -> Response | None:
    """The response refusing this request, or None when it may go on."""
    if not access.lan:
        if not is_loopback(request.remote_addr or ""):
            return _refuse(access, "Trang này chỉ mở được trên chính máy đang chạy cds-batch. Nếu cần mở từ máy "
                           "khác trong mạng nội bộ, người chạy cds-batch hãy khởi động bằng lệnh "
                           "cds-batch serve --host 0.0.0.0 rồi đưa bạn đường dẫn có mã truy cập.")
        if _host_name(request.host).lower() not in _LOCAL_NAMES:
            return _refuse(access, "Địa chỉ trang không đúng: hãy mở trang bằng đường dẫn cds-batch in ra khi khởi "
                           "động (bắt đầu bằng http://127.0.0.1).")
    if request.method not in ("GET", "HEAD", "OPTIONS") and _cross_site():
        return _refuse(access, "Yêu cầu này đến từ một trang web khác nên bị từ chối.")
    given = request.args.get(TOKEN_PARAM)
    if given is not None and same_token(given, access.token) and request.method == "GET":
        return _remember(access)
    if request.endpoint == "static":
        return None   # the style sheet and script hold nothing private; the refusal page needs them
    held = request.cookies.get(access.cookie, "")
    if not held or not same_token(held, access.token):
        return _refuse(access, "Cần mã truy cập: trình duyệt này chưa có mã truy cập của cds-batch (hoặc có mã "
                       "cũ, trước khi tạo mã mới).")
    return None


def same_token(given: str, token: str) -> bool:
    """Whether `given` is the token, in constant time. Compared as bytes: `compare_digest` raises on a
    non-ASCII str, and a query or cookie may hold anything."""
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def _remember(access: Access) -> Response:
    """Keep the token in a cookie and send the browser to the same address without it."""
    rest = [(k, v) for k, vs in request.args.lists() if k != TOKEN_PARAM for v in vs]
    target = request.path + ("?" + urlencode(rest) if rest else "")
    response = redirect(target, code=303)
    response.set_cookie(access.cookie, access.token, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Strict",
                        secure=False, path="/")
    return response


def _cross_site() -> bool:
    origin = request.headers.get("Origin")
    if origin and (origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower()):
        return True   # "null": a sandboxed frame or a file on disk, never this page itself
    return request.headers.get("Sec-Fetch-Site", "") == "cross-site"


def _host_name(host: str) -> str:
    """'127.0.0.1:8080' → '127.0.0.1'; '[::1]:8080' → '::1'."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _refuse(access: Access, message: str) -> Response:
    """The 403 page: why, and how to open the page (its own address would only be refused again)."""
    example = f"http://{'…' if access.lan else '127.0.0.1'}:{access.port}/?{TOKEN_PARAM}=…"
    body = render_template("loi.html", title="Không được phép", message=message, status=403, printed_as=PRINTED_AS,
                           example=example, lan=access.lan)
    return Response(body, status=403, mimetype="text/html")
