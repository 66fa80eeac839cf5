"""Issue 22, point 4, on the page: a round's page and its result page carry the standing line of a rubric
that is not the official text (the built-in national set), and nothing for the office's official copy."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest

from cds_batch.rubric import export_rubric, load_rubric
from cds_batch.rubric.model import Standing
from tests.web_helpers import INBOX, client_with_token, create_round, make_app, small_roster, wait_done

SLUG = "Dot-1-nam-2025"
LINE_ID = 'id="bo-chi-so-chua-chinh-thuc"'
SENT = INBOX / "email 20-10" / "BC CDS TH Le Van Tam.xlsx"   # school 79801 of the small roster


def _round(tmp_path, official: bool):
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    extra = {}
    if official:
        own = tmp_path / "bo-chinh-thuc.yaml"
        national = load_rubric("qd4725-phothong")
        export_rubric(replace(national, status=Standing.OFFICIAL), own)
        extra = {"rubric": "__tep__", "rubric_file": (io.BytesIO(own.read_bytes()), own.name)}
    assert create_round(client, roster=small_roster(tmp_path), **extra).status_code == 303
    sent = client.post(f"/dot/{SLUG}/hop-thu", data={"files": [(io.BytesIO(SENT.read_bytes()), SENT.name)]},
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    assert client.post(f"/dot/{SLUG}/chay").status_code == 303
    assert wait_done(app, SLUG).state == "done"
    return client


@pytest.mark.parametrize("official", [False, True])
def test_round_and_result_pages_say_the_rubric_is_not_official(tmp_path, official):
    client = _round(tmp_path, official)
    result = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    assert 'data-code="79801" data-status="valid"' in result   # the school was scored
    for page in (client.get(f"/dot/{SLUG}").get_data(as_text=True), result):
        if official:
            assert LINE_ID not in page and Standing.RECONSTRUCTED.label not in page
        else:
            line = page.split(LINE_ID)[1].split("</p>")[0]
            assert "(qd4725-phothong) — " + Standing.RECONSTRUCTED.label in line
            assert "hãy nạp bộ chỉ số chính thức bằng --rubric TỆP" in line
            assert "chọn “Bộ chỉ số riêng của đơn vị”" in line


def test_a_result_page_before_any_run_has_no_line_but_the_round_page_has(tmp_path):
    app = make_app(tmp_path / "ws")
    client = client_with_token(app)
    assert create_round(client, roster=small_roster(tmp_path)).status_code == 303
    assert LINE_ID in client.get(f"/dot/{SLUG}").get_data(as_text=True)
    assert LINE_ID not in client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)   # no level printed yet
