"""The province page: districts' result folders (uploaded as folders) and mailed tong-hop.xlsx files rolled
up by `cds-batch province`'s own code into tong-hop-tinh.xlsx."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest

from cds_batch.cli import main

from tests.web_helpers import INBOX, OFFICE, ROSTER, ROUND, client_with_token, folder_parts, make_app


@pytest.fixture(scope="module")
def district_out(tmp_path_factory):
    """A district's result folder, as `cds-batch run` writes it for the bundled samples."""
    out = tmp_path_factory.mktemp("quan7") / "ket-qua"
    with pytest.raises(SystemExit):
        main(["run", str(INBOX), "--roster", str(ROSTER), "--round", ROUND, "--office", OFFICE, "--out", str(out)])
    return out


@pytest.fixture
def client(tmp_path):
    return client_with_token(make_app(tmp_path / "ws"))


def test_a_result_folder_is_rolled_up_into_the_province_workbook(client, district_out, tmp_path):
    sent = client.post("/tinh/tai-len", data=folder_parts(district_out, top="ket-qua-quan7"),
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    page = client.get("/tinh").get_data(as_text=True)
    assert "Đã nhận" in page and 'disabled' not in page.split('id="chay-tinh-nut"')[1].split(">")[0]
    done = client.post("/tinh/chay", data={"title": "Tổng hợp CĐS năm 2025"})
    assert done.status_code == 303
    page = client.get("/tinh").get_data(as_text=True)
    assert "Đã tổng hợp 1 đơn vị, 30 trường." in page
    assert '<tr data-district="Phòng GDĐT Quận 7">' in page
    workbook = client.get("/tinh/tai-ve/tong-hop-tinh.xlsx")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    first = book[book.sheetnames[0]]
    assert any("Tổng hợp CĐS năm 2025" in str(c) for row in first.iter_rows(max_row=3, values_only=True) for c in row)
    rolled = json.loads((tmp_path / "ws" / "_tinh" / "ket-qua" / "results.json").read_text(encoding="utf-8"))
    assert len(rolled) == 30 and {s["unit"] for s in rolled} == {"Phòng GDĐT Quận 7"}   # the unit each school is in


def test_a_mailed_summary_workbook_is_enough(client, district_out):
    data = {"files": [(io.BytesIO((district_out / "tong-hop.xlsx").read_bytes()), "tong-hop quan 7.xlsx")]}
    client.post("/tinh/tai-len", data=data, content_type="multipart/form-data")
    client.post("/tinh/chay", data={"title": ""})
    page = client.get("/tinh").get_data(as_text=True)
    assert "Đã tổng hợp 1 đơn vị, 30 trường." in page and 'id="tai-tinh"' in page


def test_without_inputs_the_roll_up_says_what_to_upload(client):
    client.post("/tinh/chay")
    assert "Chưa có tệp nào" in client.get("/tinh").get_data(as_text=True)
    assert client.get("/tinh/tai-ve/tong-hop-tinh.xlsx").status_code == 404


def test_a_file_that_is_no_summary_is_a_finding_on_the_page(client, district_out):
    data = {"files": [(io.BytesIO((district_out / "tong-hop.xlsx").read_bytes()), "tong-hop.xlsx"),
                      (io.BytesIO((district_out / "phan-hoi" / "79707_phan-hoi.xlsx").read_bytes()), "la.xlsx")]}
    client.post("/tinh/tai-len", data=data, content_type="multipart/form-data")
    client.post("/tinh/chay")
    page = client.get("/tinh").get_data(as_text=True)
    unused = page.split('id="tep-khong-dung-tinh"')[1].split("</section>")[0]   # listed apart, with its reason
    assert "la.xlsx" in unused and "không phải bảng tổng hợp của một đơn vị" in unused


def test_the_inputs_can_be_cleared(client, district_out, tmp_path):
    data = {"files": [(io.BytesIO((district_out / "tong-hop.xlsx").read_bytes()), "tong-hop.xlsx")]}
    client.post("/tinh/tai-len", data=data, content_type="multipart/form-data")
    client.post("/tinh/xoa")
    assert not (tmp_path / "ws" / "_tinh" / "dau-vao").exists()
    assert "Đã xoá các tệp đã tải lên." in client.get("/tinh").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/tinh/tai-len", "/tinh/xoa"])
def test_inputs_are_neither_added_nor_removed_while_the_roll_up_reads_them(client, path, tmp_path):
    import cds_batch.web.views_province as views

    kept = tmp_path / "ws" / "_tinh" / "dau-vao" / "tong-hop.xlsx"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"PK")
    with views._RUNNING:   # a roll-up under way
        refused = client.post(path, data={"files": [(io.BytesIO(b"x"), "moi.xlsx")]},
                              content_type="multipart/form-data")
    assert refused.status_code == 409 and "Đang tổng hợp" in refused.get_data(as_text=True)
    assert 'href="/tinh">Về trang tổng hợp cấp tỉnh</a>' in refused.get_data(as_text=True)
    assert [p.name for p in kept.parent.iterdir()] == ["tong-hop.xlsx"]
