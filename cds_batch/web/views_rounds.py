"""Pages: the list of rounds, starting a round (roster, rubric, label → templates), a round's page.

Starting a round does what `cds-batch template --rubric … --roster … --round … --office … --deadline …
--out <round>/phieu` does, through the same `prepare.plan_templates` and `write_school_templates`;
a roster or rubric that cannot be used leaves nothing behind and shows its findings on the form.
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from cds_batch.core.errors import RubricError
from cds_batch.core.findings import Finding
from cds_batch.core.office import signer_title
from cds_batch.pipeline.use_cases import plan_templates, roster_usable
from cds_batch.reading.roster_file import SPREADSHEET_SUFFIXES, check_roster
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.templates.text import Issue
from cds_batch.templates.batch import write_school_templates
from cds_batch.core.text import clean
from cds_batch.web.state import state
from cds_batch.web.standing import round_standing
from cds_batch.web.uploads import TooLarge, save_file, size_text, staging
from cds_batch.web.workspace import ROSTER_STEM, RUBRIC_STEM, Round, RoundSettings
from cds_batch.web.zips import zip_files

rounds = Blueprint("rounds", __name__)
ROSTER_SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv")
RUBRIC_SUFFIXES = (".yaml", ".yml", ".xlsx")
UPLOADED_RUBRIC = "__tep__"
_CREATING = threading.Lock()


class _Unusable(Exception):
    """The form's inputs cannot make a round; the message and findings go back to the form."""

    def __init__(self, message: str, findings: list[Finding] | tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.findings = [f for f in findings if isinstance(f, Finding)]


@dataclass(frozen=True)
class BuiltIn:
    id: str
    name: str
    version: str


@lru_cache(maxsize=1)
def builtins() -> list[BuiltIn]:
    """The built-in rubrics to choose from (loaded once: they ship with the package)."""
    return [BuiltIn(rid, r.name, r.version) for rid in builtin_ids() for r in [load_rubric(rid)]]


@rounds.get("/")
def index() -> Response:
    return _index()


def _index(errors: list[str] | None = None, findings: list[Finding] | None = None, status: int = 200) -> Response:
    ws = state().workspace
    body = render_template("trang-chu.html", rounds=ws.rounds(), builtins=builtins(), errors=errors or [],
                           findings=findings or [], form=request.form, data=ws.root,
                           max_file=size_text(state().config.max_file))
    return Response(body, status=status, mimetype="text/html")


@rounds.post("/dot")
def create() -> Response:
    """Create a round from the form: its folder, roster, rubric, templates and settings."""
    form, ws = request.form, state().workspace
    label, office, deadline = (clean(form.get(k, "")) for k in ("label", "office", "deadline"))
    signer = signer_title(office, form.get("signer", ""))   # as typed, else the office's default
    roster, rubric_choice = request.files.get("roster"), form.get("rubric", "")
    rubric_upload = request.files.get("rubric_file")
    with _CREATING:   # one at a time: a double click must not make two rounds of one label
        errors = _form_errors(label, roster, rubric_choice, rubric_upload)
        if errors:
            return _index(errors, status=400)
        folder = ws.reserve(label)
        try:
            made = _make_round(folder, (label, office, deadline, signer), roster, rubric_choice, rubric_upload)
        except _Unusable as bad:
            shutil.rmtree(folder, ignore_errors=True)
            return _index([str(bad)], bad.findings, status=400)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    flash(f"Đã tạo đợt “{label}” và {made[1]} phiếu (mẫu trống và phiếu điền sẵn cho từng trường).")
    return redirect(url_for("rounds.round_page", slug=made[0].slug), 303)


def _form_errors(label: str, roster: FileStorage | None, rubric_choice: str,
                 rubric_upload: FileStorage | None) -> list[str]:
    errors = []
    if not label:
        errors.append("Hãy ghi tên đợt, ví dụ “Đợt 1 năm 2025”.")
    elif state().workspace.with_label(label) is not None:
        errors.append(f"Đã có đợt “{label}”: hãy mở đợt đó trong danh sách bên phải, hoặc đặt tên khác.")
    if roster is None or not roster.filename:
        errors.append("Hãy chọn tệp danh sách trường (.xlsx, .xls, .ods hoặc .csv).")
    elif Path(roster.filename).suffix.lower() not in ROSTER_SUFFIXES:
        errors.append(f"Tệp danh sách trường “{Path(roster.filename).name}” không phải .xlsx, .xls, .ods hoặc .csv.")
    if rubric_choice == UPLOADED_RUBRIC:
        if rubric_upload is None or not rubric_upload.filename:
            errors.append("Hãy chọn tệp bộ chỉ số (.yaml hoặc .xlsx), hoặc chọn một bộ chỉ số có sẵn.")
        elif Path(rubric_upload.filename).suffix.lower() not in RUBRIC_SUFFIXES:
            errors.append(f"Tệp bộ chỉ số “{Path(rubric_upload.filename).name}” không phải .yaml hoặc .xlsx.")
    elif rubric_choice not in builtin_ids():
        errors.append("Hãy chọn một bộ chỉ số.")
    return errors


def _make_round(folder: Path, texts: tuple[str, str, str, str], roster: FileStorage | None,
                rubric_choice: str, rubric_upload: FileStorage | None) -> tuple[Round, int]:
    label, office, deadline, signer = texts
    assert roster is not None and roster.filename
    limit = state().config.max_file
    roster_path = folder / (ROSTER_STEM + Path(roster.filename).suffix.lower())
    try:
        with staging(folder) as staged_in:
            save_file(roster, roster_path, staged_in, limit=limit, replace=True)
            if rubric_choice == UPLOADED_RUBRIC and rubric_upload is not None and rubric_upload.filename:
                rubric_path = folder / (RUBRIC_STEM + Path(rubric_upload.filename).suffix.lower())
                save_file(rubric_upload, rubric_path, staged_in, limit=limit, replace=True)
                rubric_name, source = rubric_path.name, str(rubric_path)
            else:
                rubric_name = source = rubric_choice
    except TooLarge:
        raise _Unusable(f"Tệp lớn hơn giới hạn {size_text(limit)} cho một tệp.") from None
    schools, found = check_roster(roster_path)
    if not roster_usable(found):
        raise _Unusable("Danh sách trường chưa dùng được; hãy sửa các lỗi dưới đây rồi tải lên lại.", found)
    named = sorted({s.rubric for s in schools if s.rubric} - set(builtin_ids()))
    if named:   # on the page, a roster may not name files on this machine
        raise _Unusable("Cột “Bộ chỉ số” của danh sách trường chỉ được ghi mã bộ chỉ số có sẵn ("
                        + ", ".join(builtin_ids()) + "); danh sách đang ghi: " + ", ".join(named) + ".")
    try:
        plan = plan_templates(source, schools)
    except RubricError as bad:
        raise _Unusable(f"Bộ chỉ số “{rubric_name}” chưa dùng được; hãy sửa các lỗi dưới đây.", bad.findings) from bad
    r = Round(folder.name, folder, RoundSettings(label, office, deadline, rubric_name,
                                                 rubric_choice == UPLOADED_RUBRIC, roster_path.name,
                                                 datetime.now().astimezone().isoformat(), signer))
    issue = Issue(label, office, deadline, any(s.district for s in schools))
    written = write_school_templates(plan.rubrics, plan.wanted, r.templates, issue, jobs=state().config.jobs)
    return state().workspace.save(folder, r.settings), len(written)


def get_round(slug: str) -> Round:
    """The round of the URL, or a 404 page."""
    r = state().workspace.get(slug)
    if r is None:
        abort(404)
    return r


@rounds.get("/dot/<slug>")
def round_page(slug: str) -> str:
    r = get_round(slug)
    templates = sorted(r.templates.glob("*.xlsx")) if r.templates.is_dir() else []
    inbox = sorted((p for p in r.inbox.rglob("*") if p.is_file()), key=lambda p: str(p).casefold()) \
        if r.inbox.is_dir() else []
    files = [(p.relative_to(r.inbox).as_posix(), p.stat().st_size) for p in inbox]
    config = state().config
    return render_template("dot.html", r=r, templates=templates, files=files,
                           total=sum(size for _, size in files), job=state().jobs.get(r.slug),
                           command=r.command_lines(), max_file=config.max_file, max_request=config.max_request,
                           standing=round_standing(r),
                           max_file_text=size_text(config.max_file), max_request_text=size_text(config.max_request))


@rounds.get("/dot/<slug>/tai-ve/phieu.zip")
def templates_zip(slug: str) -> Response:
    r = get_round(slug)
    files = sorted(r.templates.glob("*.xlsx")) if r.templates.is_dir() else []
    if not files:
        abort(404)
    made = zip_files(files, r.downloads / "phieu.zip")
    return send_file(made, mimetype="application/zip", as_attachment=True, download_name=f"phieu_{r.slug}.zip")
