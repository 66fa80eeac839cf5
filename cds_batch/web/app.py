"""The Flask application: settings, the access guard, the pages, and errors as Vietnamese pages.

In: a `WebConfig` (the workspace folder, who may connect, the upload limits).
Out: a WSGI application (`server` serves it with waitress; tests drive it with Flask's test client).
No error reaches the browser as a traceback: an unexpected one is logged to cds-batch-loi.log in the
workspace folder and the page names that file.
"""
from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import Flask, Request, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from cds_batch.core.numbers import value_text
from cds_batch import __version__
from cds_batch.intake.discover import Limits
from cds_batch.pipeline.failures import internal_error_message, write_crash_log
from cds_batch.web.guard import Access, install
from cds_batch.web.jobs import Jobs
from cds_batch.web.uploads import clear_staging, size_text
from cds_batch.web.workspace import Workspace

_MB = 1 << 20
MAX_REQUEST = 2048 * _MB     # one upload request (a whole inbox as a folder or a zip)
# One uploaded file: no larger than all the archives and mails of one run may expand to, since a run
# refuses more than that anyway (`archive-total-mb`); a single workbook has lower limits still.
MAX_FILE = Limits().max_total_bytes
# Files of one upload. Each is a temporary file held open until the request ends (`server` raises the
# open-file limit to fit); Werkzeug's default of 1,000 is a small district.
MAX_PARTS = 5_000
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


@dataclass(frozen=True)
class WebConfig:
    data: Path
    access: Access
    max_request: int = MAX_REQUEST
    max_file: int = MAX_FILE
    max_parts: int = MAX_PARTS
    jobs: int | None = None     # reading processes of a run; None: as `cds-batch run` decides


@dataclass
class WebState:
    config: WebConfig
    workspace: Workspace
    jobs: Jobs = field(default_factory=Jobs)
    province_findings: list[str] = field(default_factory=list)   # of the last province roll-up, shown once run
    province_title: str = ""                                      # the title it was given


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
        MAX_FORM_MEMORY_SIZE=4 * _MB,   # text fields: a folder upload's paths and times, MAX_PARTS files' worth
    )
    clear_staging(config.data)   # files a stopped server was still receiving
    app.extensions["cds_batch"] = WebState(config, Workspace(config.data))
    install(app, config.access)
    from cds_batch.web.views_province import province
    from cds_batch.web.views_rounds import rounds
    from cds_batch.web.views_run import runs
    for blueprint in (rounds, runs, province):
        app.register_blueprint(blueprint)
    app.add_template_filter(number, "so")
    app.add_template_filter(size_text, "dung_luong")
    app.add_template_filter(moment, "luc")
    app.jinja_env.globals["version"] = __version__
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.after_request(_secure)
    return app


def state() -> WebState:
    """The running application's state."""
    found: WebState = current_app.extensions["cds_batch"]
    return found


def number(value: object) -> str:
    """A score as Vietnamese writes it: 72,5 (a decimal comma); '' for none."""
    return "" if value is None or value == "" else value_text(value)


def moment(iso: str) -> str:
    """An ISO time as an office writes it: '14:05 20/10/2025'."""
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return iso


def error_page(message: str, status: int, title: str = "Không thực hiện được") -> Response:
    return Response(render_template("loi.html", title=title, message=message, status=status), status=status,
                    mimetype="text/html")


def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _too_large(_: RequestEntityTooLarge) -> Response:
    """Werkzeug raises the same error for a body over the limit, too many files, and too much text."""
    config = state().config
    if (request.content_length or 0) > config.max_request:
        return error_page(f"Dữ liệu tải lên lớn hơn giới hạn {size_text(config.max_request)} của một lần tải; "
                          "không tệp nào được nhận. Hãy chia thành nhiều lần tải.", 413, "Tệp quá lớn")
    return error_page(f"Quá nhiều tệp trong một lần tải (tối đa {config.max_parts:,} tệp)".replace(",", ".")
                      + "; không tệp nào được nhận. Hãy chia thư mục thành nhiều lần tải.", 413, "Quá nhiều tệp")


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
