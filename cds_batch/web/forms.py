"""An upload form of the page, read: its file parts and what the page's script adds about them.

In: the request of a form with a multiple-file input `files` and a folder input `folder`
(webkitdirectory), and the hidden fields the script fills on submit: `files_mtimes`, `folder_mtimes`
(each file's last-modified time, which the run reads as when it was received) and `folder_paths`
(each file's path inside the chosen folder). Without the script the form still works: times are
then the upload's and paths the part names the browser sends.
Out: the files saved under a folder (`uploads.save_uploads`), and one-time messages saying so.
"""
from __future__ import annotations

import json
from pathlib import Path

from flask import flash, request

from cds_batch.web.uploads import Uploaded, save_uploads, staging

SHOWN_REFUSED = 10


def receive(folder: Path, limit: int) -> Uploaded:
    """Save the form's files (base names only) and folder (sub-paths kept) under `folder`, staged in
    the folder above it (`uploads.staging`)."""
    with staging(folder.parent) as staged_in:
        done = save_uploads(request.files.getlist("files"), folder, staged_in, limit=limit,
                            mtimes=_numbers("files_mtimes"))
        more = save_uploads(request.files.getlist("folder"), folder, staged_in, limit=limit, keep_folders=True,
                            names=_texts("folder_paths"), mtimes=_numbers("folder_mtimes"))
    return Uploaded(done.saved + more.saved, done.same + more.same, done.refused + more.refused)


def tell(done: Uploaded) -> None:
    """Flash what became of an upload."""
    if not (done.saved or done.same or done.refused):
        flash("Chưa chọn tệp nào để tải lên.", "loi")
        return
    parts = [f"Đã nhận {len(done.saved)} tệp."]
    if done.same:
        parts.append(f"{len(done.same)} tệp đã có sẵn (cùng nội dung) nên không lưu lại.")
    flash(" ".join(parts), "ok" if done.saved else "chu-y")
    for refused in done.refused[:SHOWN_REFUSED]:
        flash(f"Không nhận tệp “{refused.name}”: {refused.reason}.", "loi")
    if len(done.refused) > SHOWN_REFUSED:
        flash(f"… và {len(done.refused) - SHOWN_REFUSED} tệp khác không được nhận.", "loi")


def _texts(field: str) -> list[str]:
    """A JSON list of texts from a hidden field; [] when absent or not that."""
    try:
        data = json.loads(request.form.get(field) or "[]")
    except ValueError:
        return []
    return [v if isinstance(v, str) else "" for v in data] if isinstance(data, list) else []


def _numbers(field: str) -> list[float | None]:
    """The browser's last-modified times (milliseconds) as seconds; None where one is not a number."""
    try:
        data = json.loads(request.form.get(field) or "[]")
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    return [v / 1000 if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in data]
