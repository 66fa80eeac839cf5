"""The Flask application: settings, the access guard, the pages, and errors as Vietnamese pages.

In: a `WebConfig` (the workspace folder, who may connect, the upload limits).
Out: a WSGI application (`server` serves it with waitress; tests drive it with Flask's test client).
No error reaches the browser as a traceback: an unexpected one is logged to cds-batch-loi.log in the
workspace folder and the page names that file.
"""
from __future__ import annotations

import secrets
import tempfile
from datetime import datetime
from typing import IO

from flask import Flask, Request, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from cds_batch.core.numbers import value_text
from cds_batch import __version__
from cds_batch.pipeline.failures import internal_error_message, write_crash_log
from cds_batch.reading.package import count
from cds_batch.web.guard import install
from cds_batch.web.state import MB, STATE_KEY, WebConfig, WebState, error_page, state
from cds_batch.web.uploads import clear_staging, size_text
from cds_batch.web.views_province import province
from cds_batch.web.views_rounds import rounds
from cds_batch.web.views_run import runs
from cds_batch.web.workspace import Workspace

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",                       # no other site may show the page in a frame
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",   # no inline script or style
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class UploadRequest(Request):
    """A request whose every uploaded file goes to a temporary file on disk, however small: Werkzeug
    keeps parts of a request under 500 KB in memory, and a folder of thousands of small files would
    all be held in RAM."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return tempfile.TemporaryFile("wb+")


def create_app(config: WebConfig) -> Flask:
    """The application for `config`."""
    app = Flask(__name__)
    app.request_class = UploadRequest
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),   # signs the one-time messages; a restart forgets them
        SESSION_COOKIE_NAME=f"cds_batch_phien_{config.access.port}",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=config.max_request,
        MAX_FORM_PARTS=config.max_parts,
        MAX_FORM_MEMORY_SIZE=4 * MB,   # text fields: a folder upload's paths and times, MAX_PARTS files' worth
    )
    clear_staging(config.data)   # files a stopped server was still receiving
    app.extensions[STATE_KEY] = WebState(config, Workspace(config.data))
    install(app, config.access)
    for blueprint in (rounds, runs, province):
        app.register_blueprint(blueprint)
    app.add_template_filter(score_text, "so")
    app.add_template_filter(size_text, "dung_luong")
    app.add_template_filter(moment, "luc")
    app.jinja_env.globals["version"] = __version__
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.after_request(_secure)
    return app


def score_text(value: object) -> str:
    """The `so` filter: a score of results.json as `core.numbers` writes it (72,5: a decimal comma); '' for none."""
    return "" if value is None or value == "" else value_text(value)


def moment(iso: str) -> str:
    """An ISO time as an office writes it: '14:05 20/10/2025'."""
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return iso


def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _too_large(_: RequestEntityTooLarge) -> Response:
    """Werkzeug raises the same error for a body over the limit, too many files, and too much text."""
    config = state().config
    if (request.content_length or 0) > config.max_request:
        return error_page(f"Dữ liệu tải lên lớn hơn giới hạn {size_text(config.max_request)} của một lần tải; "
                          "không tệp nào được nhận. Hãy chia thành nhiều lần tải.", 413, "Tệp quá lớn")
    return error_page(f"Quá nhiều tệp trong một lần tải (tối đa {count(config.max_parts)} tệp); không tệp nào "
                      "được nhận. Hãy chia thư mục thành nhiều lần tải.", 413, "Quá nhiều tệp")


_HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ: hãy tải lại trang rồi thử lại.",
    404: "Không có trang này. Hãy quay lại trang chủ.",
    405: "Thao tác này không làm được theo cách đó: hãy dùng các nút trên trang.",
}


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    return error_page(_HTTP_MESSAGES.get(status, f"Không thực hiện được yêu cầu (mã {status})."), status)


def _internal_error(bug: Exception) -> Response:
    log = write_crash_log(["serve", "--data", str(state().config.data), f"({request.method} {request.path})"],
                          [state().config.data])
    return error_page(internal_error_message(bug, log), 500, "Lỗi nội bộ")
