"""The Flask application: settings, the access guard, the pages, and errors as Vietnamese pages.

In: a `WebConfig` (the workspace folder, who may connect, the upload limits).
Out: a WSGI application (`server` serves it with waitress; tests drive it with Flask's test client).
No error reaches the browser as a traceback: an unexpected one is logged to cds-batch-loi.log in the
workspace folder and the page names that file.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import __version__
from ..failures import internal_error_message, write_crash_log
from .guard import Access, install
from .jobs import Jobs
from .uploads import limit_text
from .workspace import Workspace

_MB = 1 << 20
MAX_REQUEST = 2048 * _MB     # one upload request (a whole inbox as a folder or a zip)
MAX_FILE = 500 * _MB         # one uploaded file: the run's own limit on what archives expand to
MAX_PARTS = 50_000           # files of one folder upload (Werkzeug's default of 1,000 is a small district)


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
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),   # signs the one-time messages; a restart forgets them
        SESSION_COOKIE_NAME=f"cds_batch_phien_{config.access.port}",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=config.max_request,
        MAX_FORM_PARTS=config.max_parts,
        MAX_FORM_MEMORY_SIZE=16 * _MB,   # text fields: a folder upload's paths and times, 50,000 files' worth
    )
    app.extensions["cds_batch"] = WebState(config, Workspace(config.data))
    install(app, config.access)
    from .views_province import province
    from .views_rounds import rounds
    from .views_run import runs
    for blueprint in (rounds, runs, province):
        app.register_blueprint(blueprint)
    app.add_template_filter(number, "so")
    app.add_template_filter(size_text, "dung_luong")
    app.add_template_filter(moment, "luc")
    app.jinja_env.globals["version"] = __version__
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def state() -> WebState:
    """The running application's state."""
    found: WebState = current_app.extensions["cds_batch"]
    return found


def number(value: object) -> str:
    """A score as Vietnamese writes it: 72,5 (a decimal comma); '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def moment(iso: str) -> str:
    """An ISO time as an office writes it: '14:05 20/10/2025'."""
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return iso


def size_text(size: int) -> str:
    if size >= _MB:
        return f"{size / _MB:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB" if size else "0 KB"


def error_page(message: str, status: int, title: str = "Không thực hiện được") -> Response:
    return Response(render_template("loi.html", title=title, message=message, status=status), status=status,
                    mimetype="text/html")


def _too_large(_: RequestEntityTooLarge) -> Response:
    limit = limit_text(state().config.max_request)
    return error_page(f"Dữ liệu tải lên lớn hơn giới hạn {limit} của một lần tải; không tệp nào được nhận. "
                      "Hãy chia thành nhiều lần tải.", 413, "Tệp quá lớn")


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
