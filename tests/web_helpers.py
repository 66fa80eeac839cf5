"""Shared pieces of the web page's tests: an application on a temporary workspace, a client that holds
the token, and the bundled samples sent as the browser sends them."""
from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cds_batch.web.app import create_app
from cds_batch.web.state import WebConfig
from cds_batch.web.guard import Access

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ROSTER = SAMPLES / "danh-sach-truong.csv"
INBOX = SAMPLES / "inbox"
TOKEN = "thu-ma-truy-cap"
PORT = 5000
ROUND = "Đợt 1 năm 2025"
OFFICE = "Phòng GDĐT Quận 7"


SMALL_ROSTER = """\
Mã trường,Tên trường,Cấp học,Xã/Phường,Quận/Huyện
79801,Trường Tiểu học Lê Văn Tám,Tiểu học,Phường Tân Hưng,Quận 7
79802,Trường Tiểu học Nguyễn Văn Hưởng,Tiểu học,Phường Tân Phong,Quận 7
"""


def small_roster(folder: Path) -> Path:
    """A two-school roster: a round made from it writes three templates, not thirty-two."""
    path = folder / "ds-nho.csv"
    path.write_text(SMALL_ROSTER, encoding="utf-8")
    return path


def make_app(data: Path, **config):
    access = config.pop("access", Access(TOKEN, port=PORT))
    app = create_app(WebConfig(data, access, **config))
    app.testing = True
    return app


def client_with_token(app):
    """A test client that opened the start-up URL once, so it holds the token cookie."""
    client = app.test_client()
    assert client.get(f"/?token={TOKEN}").status_code == 303
    return client


def create_round(client, label: str = ROUND, roster: Path = ROSTER, rubric: str = "qd4725-phothong", **extra):
    data = {"label": label, "office": OFFICE, "deadline": "30/10/2025", "rubric": rubric,
            "roster": (io.BytesIO(roster.read_bytes()), roster.name), **extra}
    return client.post("/dot", data=data, content_type="multipart/form-data")


def folder_parts(folder: Path, top: str = "inbox"):
    """The form fields a folder upload of `folder` sends (files, their paths and last-modified times)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    paths = [f"{top}/{p.relative_to(folder).as_posix()}" for p in files]
    return {"folder": [(io.BytesIO(p.read_bytes()), path) for p, path in zip(files, paths)],
            "folder_paths": json.dumps(paths),
            "folder_mtimes": json.dumps([p.stat().st_mtime * 1000 for p in files])}


def upload_inbox(client, slug: str, folder: Path = INBOX):
    return client.post(f"/dot/{slug}/hop-thu", data=folder_parts(folder), content_type="multipart/form-data")


def wait_done(app, slug: str, timeout: float = 300):
    with app.app_context():
        from cds_batch.web.state import state
        return state().jobs.wait(slug, timeout)


URL = re.compile(r"Trang web của cds-batch: (http://\S+)")


def start_serve(data: Path, *extra: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """The real command in its own process; its URL once printed, and the lines printed up to it."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "cds_batch", "serve", "--no-browser", "--data", str(data), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            env=env)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Thư mục làm việc"):
            break
    match = next((URL.search(line) for line in lines if URL.search(line)), None)
    if match is None:
        proc.kill()
        pytest.fail("no URL printed: " + "\n".join(lines))
    return proc, match.group(1), lines


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    return out
