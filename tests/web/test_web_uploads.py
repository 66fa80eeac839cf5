"""Uploads (`web.uploads`, `web.forms`): a name the browser sends never becomes a path outside the folder it
goes to; a file over the per-file limit, or a request over the whole limit, is refused in Vietnamese."""
from __future__ import annotations

import io
import json
import os
from pathlib import PurePosixPath

import pytest

import cds_batch.web.uploads as uploads
from cds_batch.web.state import state
from cds_batch.web.uploads import safe_relative

from tests.web_helpers import client_with_token, create_round, make_app, small_roster


@pytest.mark.parametrize("sent, kept, expected", [
    ("../../x.xlsx", False, "x.xlsx"),
    ("../../x.xlsx", True, "x.xlsx"),
    ("/etc/cron.d/x.xlsx", False, "x.xlsx"),
    ("/etc/cron.d/x.xlsx", True, "etc/cron.d/x.xlsx"),
    ("..\\..\\Windows\\x.xlsx", True, "Windows/x.xlsx"),
    ("C:\\Users\\ke-gian\\x.xlsx", True, "Users/ke-gian/x.xlsx"),
    ("C:x.xlsx", False, "x.xlsx"),
    ("inbox/email 20-10/./../Phiếu CĐS.xlsx", True, "inbox/email 20-10/Phiếu CĐS.xlsx"),
    ("inbox/CON.xlsx", True, "inbox/_CON.xlsx"),
    ("a/b<c>|d.xlsx", True, "a/b_c__d.xlsx"),
    (".hidden/.x.xlsx", True, "hidden/x.xlsx"),
])
def test_each_part_of_a_sent_name_is_made_safe_and_dot_dot_is_dropped_not_followed(sent, kept, expected):
    assert safe_relative(sent, kept) == PurePosixPath(expected)


@pytest.mark.parametrize("sent", ["", "..", "../..", "/", "C:\\", "./."])
def test_a_name_with_nothing_left_is_not_used(sent):
    assert safe_relative(sent, True) is None


@pytest.fixture
def round_client(tmp_path):
    app = make_app(tmp_path / "ws", max_file=10_000, max_request=200_000)
    client = client_with_token(app)
    assert create_round(client, roster=small_roster(tmp_path)).status_code == 303
    return app, client, tmp_path / "ws" / "Dot-1-nam-2025"


HOSTILE = ["../../x.xlsx", "/tmp/x.xlsx", "..\\..\\x.xlsx", "C:\\Windows\\x.xlsx", "../../../../../../etc/x.xlsx"]


@pytest.mark.parametrize("field", ["files", "folder"])
def test_hostile_upload_names_land_inside_the_inbox(round_client, tmp_path, field):
    app, client, folder = round_client
    data = {field: [(io.BytesIO(f"tệp {n}".encode()), name) for n, name in enumerate(HOSTILE)]}
    if field == "folder":
        data["folder_paths"] = json.dumps(HOSTILE)
    done = client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    assert done.status_code == 303
    inbox = folder / "hop-thu"
    written = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert len(written) == len(HOSTILE)
    everything = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    assert all(inbox.resolve() in p.parents for p in everything if p.name.endswith(("x.xlsx", ").xlsx")))
    assert not (tmp_path / "x.xlsx").exists() and not (folder / "x.xlsx").exists()
    if field == "files":   # base names only; Werkzeug ≥ 3.1.9 reads "C:\\Windows\\x.xlsx" as "C:Windowsx.xlsx"
        assert all("/" not in w for w in written) and {"x.xlsx", "x (2).xlsx", "x (3).xlsx"} <= set(written)
    else:
        assert "Windows/x.xlsx" in written and "etc/x.xlsx" in written and "tmp/x.xlsx" in written


def test_a_file_over_the_per_file_limit_is_refused_and_not_written(round_client):
    app, client, folder = round_client
    data = {"files": [(io.BytesIO(b"x" * 12_000), "lon.xlsx"), (io.BytesIO(b"y" * 100), "nho.xlsx")]}
    client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    page = client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)
    assert "Không nhận tệp “lon.xlsx”: lớn hơn giới hạn 10 KB cho một tệp." in page
    assert "Đã nhận 1 tệp." in page
    assert sorted(p.name for p in (folder / "hop-thu").iterdir()) == ["nho.xlsx"]
    assert not any((folder / ".dang-tai").iterdir())


def test_a_request_over_the_whole_limit_is_refused_in_vietnamese(round_client):
    app, client, folder = round_client
    data = {"files": [(io.BytesIO(b"x" * 3000), f"tep-{n}.xlsx") for n in range(80)]}
    refused = client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    assert refused.status_code == 413
    text = refused.get_data(as_text=True)
    assert "lớn hơn giới hạn" in text and "không tệp nào được nhận" in text and "Traceback" not in text
    assert not (folder / "hop-thu").exists() or not any((folder / "hop-thu").iterdir())


def test_the_same_bytes_are_not_saved_twice_and_another_file_of_the_same_name_is_kept(round_client):
    app, client, folder = round_client
    send = [(io.BytesIO(b"phieu A"), "phieu tu danh gia.xlsx")]
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": send}, content_type="multipart/form-data")
    again = [(io.BytesIO(b"phieu A"), "phieu tu danh gia.xlsx"), (io.BytesIO(b"phieu B"), "phieu tu danh gia.xlsx")]
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": again}, content_type="multipart/form-data")
    inbox = folder / "hop-thu"
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == {
        "phieu tu danh gia.xlsx": b"phieu A", "phieu tu danh gia (2).xlsx": b"phieu B"}
    assert "1 tệp đã có sẵn (cùng nội dung)" in client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)


def test_the_browsers_last_modified_time_becomes_the_files_time(round_client):
    """The run reads a file's time as when it was received: the upload must not make every file 'now'."""
    app, client, folder = round_client
    when = 1_760_000_000   # 9 October 2025
    data = {"files": [(io.BytesIO(b"a"), "a.xlsx"), (io.BytesIO(b"b"), "b.xlsx")],
            "files_mtimes": json.dumps([when * 1000, "không phải số"])}
    client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    assert os.stat(folder / "hop-thu" / "a.xlsx").st_mtime == when
    assert abs(os.stat(folder / "hop-thu" / "b.xlsx").st_mtime - when) > 86_400


def test_an_empty_upload_says_so(round_client):
    app, client, folder = round_client
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": [(io.BytesIO(b""), "")]},
                content_type="multipart/form-data")
    assert "Chưa chọn tệp nào để tải lên." in client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)


def test_a_round_that_does_not_exist_or_a_path_as_its_name_is_not_found(round_client):
    app, client, folder = round_client
    for slug in ("khong-co", "..", "_tinh", "Dot-1-nam-2025%2F..%2F.."):
        response = client.post(f"/dot/{slug}/hop-thu", data={"files": [(io.BytesIO(b"a"), "a.xlsx")]},
                               content_type="multipart/form-data")
        assert response.status_code == 404, slug


def test_every_uploaded_file_goes_to_disk_however_small(tmp_path):
    """Werkzeug would keep the parts of a request under 500 KB in memory: a folder of small files in RAM."""
    app = make_app(tmp_path / "ws")
    with app.test_request_context("/", method="POST", data={"files": [(io.BytesIO(b"nho"), "a.xlsx")]},
                                  content_type="multipart/form-data"):
        from flask import request

        stream = request.files["files"].stream
        assert stream.fileno() >= 0 and stream.read() == b"nho"


def test_more_files_than_allowed_get_their_own_message_not_the_size_one(tmp_path):
    app = make_app(tmp_path / "ws", max_parts=5)
    client = client_with_token(app)
    assert create_round(client, roster=small_roster(tmp_path)).status_code == 303
    data = {"files": [(io.BytesIO(b"x"), f"tep-{n}.xlsx") for n in range(8)]}
    refused = client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 413 and "Quá nhiều tệp trong một lần tải (tối đa 5 tệp)" in text
    assert "lớn hơn giới hạn" not in text


def test_a_file_where_a_folder_of_the_same_name_is_wanted_is_refused_by_name(round_client):
    app, client, folder = round_client
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": [(io.BytesIO(b"a"), "a.xlsx")]},
                content_type="multipart/form-data")
    data = {"folder": [(io.BytesIO(b"b"), "a.xlsx/inner.xlsx"), (io.BytesIO(b"c"), "c.xlsx")],
            "folder_paths": json.dumps(["a.xlsx/inner.xlsx", "c.xlsx"])}
    done = client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    assert done.status_code == 303
    page = client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)
    assert "Không nhận tệp “a.xlsx/inner.xlsx”: không lưu được (" in page and "Đã nhận 1 tệp." in page
    assert (folder / "hop-thu" / "c.xlsx").read_bytes() == b"c"


def test_many_files_of_one_name_are_not_each_hashed_against_all_the_others(round_client, monkeypatch):
    app, client, folder = round_client
    hashed: list[object] = []
    real = uploads._digest
    monkeypatch.setattr(uploads, "_digest", lambda path: hashed.append(path) or real(path))
    data = {"files": [(io.BytesIO(b"x" * n), "phieu.xlsx") for n in range(1, 41)]}
    client.post("/dot/Dot-1-nam-2025/hop-thu", data=data, content_type="multipart/form-data")
    assert len(list((folder / "hop-thu").iterdir())) == 40
    assert hashed == []   # every size differs: no file had to be read back
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": [(io.BytesIO(b"x" * 40), "phieu.xlsx")]},
                content_type="multipart/form-data")
    assert len(hashed) == 1 and len(list((folder / "hop-thu").iterdir())) == 40


def test_files_arrive_outside_the_inbox_and_what_a_killed_server_left_is_cleared(round_client, tmp_path):
    app, client, folder = round_client
    seen: list[list[str]] = []
    real = uploads._copy

    def copy(storage, staged, limit):
        seen.append([p.name for p in (folder / "hop-thu").rglob("*")] if (folder / "hop-thu").exists() else [])
        assert folder / ".dang-tai" in staged.parents
        return real(storage, staged, limit)

    uploads._copy, saved = copy, uploads._copy
    try:
        client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": [(io.BytesIO(b"a"), "a.xlsx"),
                                                                   (io.BytesIO(b"b"), "b.xlsx")]},
                    content_type="multipart/form-data")
    finally:
        uploads._copy = saved
    assert seen == [[], ["a.xlsx"]]   # the inbox only ever held whole files
    left = folder / ".dang-tai" / "cu" / "nua-chung.xlsx"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"PK")
    make_app(tmp_path / "ws")
    assert not (folder / ".dang-tai").exists()


def test_a_run_is_refused_while_files_are_being_saved_into_the_inbox(round_client):
    app, client, folder = round_client
    client.post("/dot/Dot-1-nam-2025/hop-thu", data={"files": [(io.BytesIO(b"a"), "a.xlsx")]},
                content_type="multipart/form-data")
    with app.app_context(), state().jobs.receiving("Dot-1-nam-2025"):
        refused = client.post("/dot/Dot-1-nam-2025/chay")
    assert refused.status_code == 409 and "Đang tải tệp lên hộp thư của đợt này" in refused.get_data(as_text=True)
    with app.app_context():
        assert state().jobs.get("Dot-1-nam-2025") is None
