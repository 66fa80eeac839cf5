"""Pages: a round's inbox upload, its run in the background, the status the page polls, the result page
and the downloads of the run's outputs.

The run is `cds-batch run <round>/hop-thu --roster … --rubric … --round … --office … --out <round>/ket-qua`
(`district.run_round`); every limit and protection of that command applies, since it is that command's
code. While a round runs, nothing can be uploaded into its inbox and it cannot be started again; while
files are being saved into its inbox, it cannot be started.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response

from cds_batch.pipeline.failures import killed_run_message
from cds_batch.reports.contract import FEEDBACK, RESULTS
from cds_batch.web.state import error_page, state
from cds_batch.web.district import run_round
from cds_batch.web.forms import receive, tell
from cds_batch.web.jobs import Busy, JobState, Uploading, stopped
from cds_batch.web.results import has_results, killed_run, load_view, may_download
from cds_batch.web.standing import round_standing
from cds_batch.web.views_rounds import get_round
from cds_batch.web.workspace import OUT, Round
from cds_batch.web.zips import zip_files

runs = Blueprint("runs", __name__)
_BUSY = "Đợt này đang được tổng hợp; hãy chờ lần chạy này xong (trang kết quả tự cập nhật) rồi thử lại."


@runs.post("/dot/<slug>/hop-thu")
def upload(slug: str) -> Response:
    """Save the files, the folder or the zip the browser sent into the round's inbox."""
    r = get_round(slug)
    try:
        with state().jobs.receiving(r.slug):
            done = receive(r.inbox, state().config.max_file)
    except Busy:
        return _busy(r)
    tell(done)
    return redirect(url_for("rounds.round_page", slug=r.slug), 303)


@runs.post("/dot/<slug>/chay")
def start(slug: str) -> Response:
    """Start the round's run in the background and go to the result page, which shows its progress."""
    r = get_round(slug)
    jobs = state().config.jobs
    try:
        state().jobs.start(r.slug, lambda progress: run_round(r, progress, jobs))
    except Busy:
        return _busy(r)
    except Uploading:
        return error_page("Đang tải tệp lên hộp thư của đợt này; hãy chờ tải lên xong rồi bấm “Tổng hợp đợt này”.",
                          409, "Đang tải lên", (url_for("rounds.round_page", slug=r.slug), "Về trang của đợt"))
    return redirect(url_for("runs.result", slug=r.slug), 303)


@runs.get("/dot/<slug>/trang-thai")
def status(slug: str) -> Response:
    """The round's run as JSON, for the progress bar: state running | done | failed | interrupted | idle."""
    r = get_round(slug)
    job = _job(r)
    body: dict[str, object] = job.as_json() if job is not None else {"key": r.slug, "state": "idle"}
    body["has_results"] = has_results(r.out)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@runs.get("/dot/<slug>/ket-qua")
def result(slug: str) -> str:
    r = get_round(slug)
    view = None
    problem = ""
    if has_results(r.out):
        try:
            view = load_view(r.out)
        except (OSError, ValueError):
            problem = f"Không đọc được kết quả trong thư mục {OUT} ({RESULTS} hỏng); hãy chạy lại đợt này."
    scored = {s.rubric_id for s in view.schools if s.overall_level is not None} if view is not None else set()
    return render_template("ket-qua.html", r=r, job=_job(r), view=view, problem=problem,
                           standing=round_standing(r, scored))


def _busy(r: Round) -> Response:
    """The 409 page of a round being run, with the way to its progress (the result page shows it)."""
    return error_page(_BUSY, 409, "Đang tổng hợp", (url_for("runs.result", slug=r.slug), "Xem tiến độ tổng hợp"))


def _job(r: Round) -> JobState | None:
    """The round's run as this server knows it, else a run into its folder that was killed while writing."""
    job = state().jobs.get(r.slug)
    if job is not None:
        return job
    killed = killed_run(r.out)
    return stopped(r.slug, killed.timestamp(), killed_run_message(killed)) if killed is not None else None


@runs.get("/dot/<slug>/tai-ve/ket-qua/<name>")
def output(slug: str, name: str) -> Response:
    """One output of the run (the summary, its CSV, a review workbook…), under a name that says the round."""
    r = get_round(slug)
    path = r.out / name
    if not may_download(name) or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{path.stem}_{r.slug}{path.suffix}")


@runs.get("/dot/<slug>/tai-ve/phan-hoi.zip")
def feedback_zip(slug: str) -> Response:
    r = get_round(slug)
    files = sorted((r.out / FEEDBACK).glob("*.xlsx")) if (r.out / FEEDBACK).is_dir() else []
    if not files:
        abort(404)
    made = zip_files(files, r.downloads / "phan-hoi.zip")
    return send_file(made, mimetype="application/zip", as_attachment=True, download_name=f"phan-hoi_{r.slug}.zip")
