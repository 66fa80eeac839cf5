"""What every page needs from the running application: its settings, its state, and the error page.

In: the `WebConfig` `app.create_app` was given (kept in the Flask application's extensions).
Out: `state()` (the workspace, the background jobs, the last province roll-up's findings) and
`error_page`. The pages import this module and `app` imports the pages, so imports point one way:
app → views_* → state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Response, current_app, render_template

from cds_batch.intake.discover import Limits
from cds_batch.web.guard import Access
from cds_batch.web.jobs import Jobs
from cds_batch.web.workspace import Workspace

MB = 1 << 20
MAX_REQUEST = 2048 * MB     # one upload request (a whole inbox as a folder or a zip)
# One uploaded file: no larger than all the archives and mails of one run may expand to, since a run
# refuses more than that anyway (`archive-total-mb`); a single workbook has lower limits still.
MAX_FILE = Limits().max_total_bytes
# Files of one upload. Each is a temporary file held open until the request ends (`server` raises the
# open-file limit to fit); Werkzeug's default of 1,000 is a small district.
MAX_PARTS = 5_000
STATE_KEY = "cds_batch"   # where the application keeps its `WebState`


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


def state() -> WebState:
    """The running application's state."""
    found: WebState = current_app.extensions[STATE_KEY]
    return found


def error_page(message: str, status: int, title: str = "Không thực hiện được",
               next_step: tuple[str, str] | None = None) -> Response:
    """The page saying what went wrong; `next_step` (address, text): where to go from there, besides home."""
    return Response(render_template("loi.html", title=title, message=message, status=status, next_step=next_step),
                    status=status, mimetype="text/html")
