"""Page: the province roll-up of the units' results (`cds-batch province <_tinh>/dau-vao --out <_tinh>/ket-qua`).

Inputs are uploaded into <data>/_tinh/dau-vao: a district's result folder (folder upload: its
results.json is read), its tong-hop.xlsx as mailed, or zips of either. The roll-up runs in the request
through `prepare.province_roll_up`, the command's own code: reading summaries takes seconds, not minutes.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from cds_batch.core.errors import CdsBatchError
from cds_batch.pipeline.failures import cannot_run_message, internal_error_message, write_crash_log
from cds_batch.intake.discover import Fate
from cds_batch.pipeline.use_cases import province_counts, province_roll_up
from cds_batch.province.rollup import OfficeReport, UnitStats, roll_up
from cds_batch.reports.contract import SchoolRecord, read_ledger, read_results
from cds_batch.reports.labels import FATE_LABELS
from cds_batch.reports.contract import PROVINCE_SUMMARY
from cds_batch.core.text import clean
from cds_batch.web.standing import province_standing
from cds_batch.web.state import error_page, state
from cds_batch.web.forms import receive, tell

province = Blueprint("province", __name__)
DEFAULT_TITLE = "Tổng hợp mức độ chuyển đổi số"
_RUNNING = threading.Lock()   # one of: a roll-up, an upload of inputs, their removal


@province.get("/tinh")
def page() -> str:
    folder, out = state().workspace.province_inputs, state().workspace.province_out
    inputs = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: str(p).casefold()) \
        if folder.is_dir() else []
    files = [(p.relative_to(folder).as_posix(), p.stat().st_size) for p in inputs]
    summary = out / PROVINCE_SUMMARY
    schools = _records(out)
    return render_template("tinh.html", files=files, districts=_units(schools),
                           done=summary.is_file(), findings=state().province_findings, unused=_unused(out),
                           title=state().province_title or DEFAULT_TITLE, standing=province_standing(schools))


@province.post("/tinh/tai-len")
def upload() -> Response:
    if not _RUNNING.acquire(blocking=False):   # the roll-up is reading the inputs
        return _busy()
    try:
        tell(receive(state().workspace.province_inputs, state().config.max_file))
    finally:
        _RUNNING.release()
    return redirect(url_for("province.page"), 303)


@province.post("/tinh/chay")
def run() -> Response:
    ws = state().workspace
    inputs, out = ws.province_inputs, ws.province_out
    if not inputs.is_dir() or not any(p.is_file() for p in inputs.rglob("*")):
        flash("Chưa có tệp nào: hãy tải lên kết quả của các đơn vị (thư mục kết quả, tệp tong-hop.xlsx hoặc tệp nén).",
              "loi")
        return redirect(url_for("province.page"), 303)
    if not _RUNNING.acquire(blocking=False):
        return _busy()
    title = clean(request.form.get("title", "")) or DEFAULT_TITLE
    try:
        rolled = province_roll_up([inputs], (), (), out, title)
    except (CdsBatchError, OSError) as cannot:
        return error_page(cannot_run_message(cannot), 400)
    except Exception as bug:  # noqa: BLE001 - a bug: logged, and the page names the log
        log = write_crash_log(["province", str(inputs), "--title", title, "--out", str(out)],
                              [out, ws.province])
        return error_page(internal_error_message(bug, log), 500, "Lỗi nội bộ")
    finally:
        _RUNNING.release()
    unused = {r.entry.source for r in rolled.unused}   # listed apart, with what became of each
    state().province_findings = [f"{f.code.name} {f.where}: {f.message}" for f in rolled.findings
                                 if f.file not in unused]
    state().province_title = title
    # Green only when every input was used; nothing rolled up is a failure, never a success.
    flash(province_counts(rolled), "loi" if not rolled.units else "chu-y" if rolled.findings else "ok")
    return redirect(url_for("province.page"), 303)


@province.post("/tinh/xoa")
def clear() -> Response:
    """Remove the uploaded inputs (the last roll-up's workbook stays until the next one)."""
    if not _RUNNING.acquire(blocking=False):
        return _busy()
    try:
        shutil.rmtree(state().workspace.province_inputs, ignore_errors=True)
    finally:
        _RUNNING.release()
    state().province_findings = []
    flash("Đã xoá các tệp đã tải lên.", "ok")
    return redirect(url_for("province.page"), 303)


@province.get("/tinh/tai-ve/tong-hop-tinh.xlsx")
def download() -> Response:
    path = state().workspace.province_out / PROVINCE_SUMMARY
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=PROVINCE_SUMMARY)


def _busy() -> Response:
    return error_page("Đang tổng hợp hoặc tải tệp cấp tỉnh; hãy chờ xong rồi thử lại.", 409, "Đang tổng hợp",
                      (url_for("province.page"), "Về trang tổng hợp cấp tỉnh"))


def _records(out: Path) -> list[SchoolRecord]:
    """The schools of the last roll-up, from the results.json it wrote; none when there is no readable one."""
    try:
        return read_results(out)
    except (OSError, ValueError):
        return []


def _units(schools: list[SchoolRecord]) -> list[UnitStats]:
    """The ranking of the last roll-up (its schools, each in the unit the roll-up gave it, rolled up again)."""
    return list(roll_up([OfficeReport("", "", tuple(schools))]).units)


def _unused(out: Path) -> list[tuple[str, str, str]]:
    """The inputs of the last roll-up that were not used: (file, what became of it, why), from its ledger.json."""
    try:
        ledger = read_ledger(out)
    except (OSError, ValueError):
        return []
    labels = {fate.value: text for fate, text in FATE_LABELS.items()}
    return [(r["source"], labels.get(r["fate"], r["fate"]), r["reason"]) for r in ledger
            if r["fate"] not in (Fate.USED.value, Fate.CONTAINER.value)]
