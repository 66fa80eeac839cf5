"""The province page after a roll-up with inputs it could not use: each listed with its reason, and the
outcome never shown as a green success."""
from __future__ import annotations

import io

import pytest

from cds_batch.cli import main
from cds_batch.rubric.model import Standing

from tests.web_helpers import INBOX, OFFICE, ROSTER, ROUND, client_with_token, make_app


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("quan7") / "ket-qua"
    with pytest.raises(SystemExit):
        main(["run", str(INBOX), "--roster", str(ROSTER), "--round", ROUND, "--office", OFFICE, "--out", str(out)])
    return (out / "tong-hop.xlsx").read_bytes()


def roll_up(tmp_path, files: list[tuple[bytes, str]]) -> str:
    client = client_with_token(make_app(tmp_path / "ws"))
    client.post("/tinh/tai-len", data={"files": [(io.BytesIO(data), name) for data, name in files]},
                content_type="multipart/form-data")
    client.post("/tinh/chay")
    return client.get("/tinh").get_data(as_text=True)


def test_the_unused_inputs_are_listed_with_their_reason_and_the_outcome_is_not_green(summary, tmp_path):
    page = roll_up(tmp_path, [(summary, "tong-hop.xlsx"), (summary[:3000], "tong-hop quan 8.xlsx"),
                              (b"xin gui So", "ghi chu.txt")])
    unused = page.split('id="tep-khong-dung-tinh"')[1].split("</section>")[0]
    assert "Tệp không dùng được (2)" in unused
    assert "tong-hop quan 8.xlsx" in unused and "cắt cụt" in unused
    assert "ghi chu.txt" in unused and "không phải bảng tính" in unused
    assert '<p class="thong-bao chu-y" role="status">Đã tổng hợp 1 đơn vị, 30 trường; 2 tệp không dùng' in page
    assert 'thong-bao ok" role="status">Đã tổng hợp' not in page


def test_nothing_rolled_up_is_shown_as_a_failure(tmp_path, summary):
    page = roll_up(tmp_path, [(summary[:3000], "tong-hop.xlsx")])
    assert '<p class="thong-bao loi" role="status">Không tổng hợp được đơn vị nào từ 1 tệp đã nhận.' in page
    assert "P110" in page and 'id="tep-khong-dung-tinh"' in page


def test_the_ranking_says_the_built_in_rubric_is_not_official(summary, tmp_path):
    page = roll_up(tmp_path, [(summary, "tong-hop.xlsx")])
    ranking = page.split('id="ket-qua"')[1].split("</section>")[0]
    line = ranking.split('id="bo-chi-so-chua-chinh-thuc"')[1].split("</p>")[0]
    assert "(qd4725-phothong) — " + Standing.RECONSTRUCTED.label in line
