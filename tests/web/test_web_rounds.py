"""Starting a round on the page: the round folder, its settings, and the templates `cds-batch template`
writes for the same roster, rubric, round, office and deadline (byte for byte); a roster or rubric that
cannot be used shows its findings and leaves nothing behind."""
from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from cds_batch.cli import main
from cds_batch.rubric import export_rubric, load_rubric
from cds_batch.web import district as web_district
from cds_batch.web.workspace import Round, RoundSettings, Workspace

from tests.web_helpers import (
    INBOX, OFFICE, ROSTER, ROUND, client_with_token, create_round, make_app, small_roster, upload_inbox, wait_done
)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "ws")


@pytest.fixture
def client(app):
    return client_with_token(app)


def test_a_new_round_holds_its_settings_roster_and_the_templates_the_cli_writes(client, tmp_path):
    made = create_round(client)
    assert made.status_code == 303 and made.headers["Location"] == "/dot/Dot-1-nam-2025"
    folder = tmp_path / "ws" / "Dot-1-nam-2025"
    settings = json.loads((folder / "dot.json").read_text(encoding="utf-8"))
    assert settings["label"] == ROUND and settings["office"] == OFFICE and settings["deadline"] == "30/10/2025"
    assert settings["rubric"] == "qd4725-phothong" and settings["roster"] == "danh-sach-truong.csv"
    assert (folder / "danh-sach-truong.csv").read_bytes() == ROSTER.read_bytes()
    main(["template", "--rubric", "qd4725-phothong", "--roster", str(ROSTER), "--round", ROUND,
          "--office", OFFICE, "--deadline", "30/10/2025", "--out", str(tmp_path / "cli")])
    cli = {p.name: p.read_bytes() for p in (tmp_path / "cli").iterdir()}
    page = {p.name: p.read_bytes() for p in (folder / "phieu").iterdir()}
    assert len(page) == 32 and page == cli   # 30 schools, a blank of each of the two rubrics in use
    shown = client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)
    assert "Đã tạo đợt “Đợt 1 năm 2025” và 32 phiếu" in shown and "32 tệp" in shown


def test_the_templates_download_as_one_zip(client, tmp_path):
    create_round(client, roster=small_roster(tmp_path))
    download = client.get("/dot/Dot-1-nam-2025/tai-ve/phieu.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "phieu_Dot-1-nam-2025.zip" in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert names == sorted(p.name for p in (tmp_path / "ws" / "Dot-1-nam-2025" / "phieu").iterdir())
    assert "79801_Truong-Tieu-hoc-Le-Van-Tam_Dot-1-nam-2025.xlsx" in names and len(names) == 3


def test_the_round_list_shows_every_round_newest_first(client, tmp_path):
    roster = small_roster(tmp_path)
    create_round(client, label="Đợt 1 năm 2025", roster=roster)
    create_round(client, label="Đợt 2 năm 2025", roster=roster)
    page = client.get("/").get_data(as_text=True).split('id="cac-dot"')[1]
    assert page.index("Đợt 2 năm 2025") < page.index("Đợt 1 năm 2025")
    assert "/dot/Dot-2-nam-2025" in page


def test_a_label_already_used_is_refused(client, tmp_path):
    roster = small_roster(tmp_path)
    create_round(client, roster=roster)
    again = create_round(client, label="đợt 1 NĂM 2025", roster=roster)
    assert again.status_code == 400
    assert "Đã có đợt “đợt 1 NĂM 2025”" in again.get_data(as_text=True)
    assert sorted(p.name for p in (tmp_path / "ws").iterdir()) == ["Dot-1-nam-2025"]


def test_a_roster_with_errors_shows_them_and_leaves_no_folder(client, tmp_path):
    bad = tmp_path / "ds-loi.csv"
    bad.write_text("Mã trường,Tên trường\n79801,Trường A\n,Trường B\n79801,Trường C\n", encoding="utf-8")
    refused = create_round(client, roster=bad)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Danh sách trường chưa dùng được" in text
    assert "T103" in text and "T104" in text
    assert not any((tmp_path / "ws").iterdir())


def test_a_roster_of_another_format_is_refused_before_anything_is_written(client, tmp_path):
    other = tmp_path / "ds.docx"
    other.write_bytes(b"PK")
    refused = create_round(client, roster=other)
    assert refused.status_code == 400 and "không phải .xlsx, .xls, .ods hoặc .csv" in refused.get_data(as_text=True)
    assert not (tmp_path / "ws").exists() or not any((tmp_path / "ws").iterdir())


def test_missing_fields_are_all_named(client):
    refused = client.post("/dot", data={"label": " ", "rubric": "khong-co"}, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Hãy ghi tên đợt" in text and "Hãy chọn tệp danh sách trường" in text and "Hãy chọn một bộ chỉ số" in text


def test_a_roster_naming_a_rubric_file_on_this_machine_is_refused(client, tmp_path):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã trường,Tên trường,Bộ chỉ số\n79801,Trường A,/etc/passwd\n", encoding="utf-8")
    refused = create_round(client, roster=roster)
    assert refused.status_code == 400
    assert "chỉ được ghi mã bộ chỉ số có sẵn" in refused.get_data(as_text=True)


def test_an_uploaded_rubric_is_kept_in_the_round_and_used_for_its_templates(client, tmp_path):
    own = tmp_path / "bo-rieng.yaml"
    export_rubric(load_rubric("quan7-mamnon-2023"), own)
    data = {"rubric_file": (io.BytesIO(own.read_bytes()), "bo-rieng.yaml")}
    made = create_round(client, roster=small_roster(tmp_path), rubric="__tep__", **data)
    assert made.status_code == 303
    folder = tmp_path / "ws" / "Dot-1-nam-2025"
    assert (folder / "bo-chi-so.yaml").read_bytes() == own.read_bytes()
    settings = json.loads((folder / "dot.json").read_text(encoding="utf-8"))
    assert settings["rubric"] == "bo-chi-so.yaml" and settings["rubric_is_file"] is True
    assert (folder / "phieu" / "quan7-mamnon-2023_mau-trong_Dot-1-nam-2025.xlsx").is_file()
    command = client.get("/dot/Dot-1-nam-2025").get_data(as_text=True)
    assert str(folder / "bo-chi-so.yaml") in command   # the command line to carry on names the same file


def test_an_unusable_uploaded_rubric_shows_its_findings(client, tmp_path):
    data = {"rubric_file": (io.BytesIO(b"id: x\nname: X\nversion: 1\ngroups: nhieu\n"), "sai.yaml")}
    refused = create_round(client, roster=small_roster(tmp_path), rubric="__tep__", **data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Bộ chỉ số “bo-chi-so.yaml” chưa dùng được" in text and "R1" in text
    assert not any((tmp_path / "ws").iterdir())


def test_an_unknown_round_is_a_vietnamese_404(client):
    missing = client.get("/dot/khong-co")
    assert missing.status_code == 404 and "Không có trang này" in missing.get_data(as_text=True)


def test_an_internal_error_shows_a_message_and_the_log_not_a_traceback(client, tmp_path, monkeypatch):
    import cds_batch.web.views_rounds as views

    def boom():
        raise RuntimeError("lỗi cài sẵn để thử")

    monkeypatch.setattr(views, "builtins", boom)
    failed = client.get("/")
    text = failed.get_data(as_text=True)
    assert failed.status_code == 500 and "Lỗi nội bộ của cds-batch (RuntimeError)" in text
    assert "Traceback" not in text and "lỗi cài sẵn" not in text
    log = (tmp_path / "ws" / "cds-batch-loi.log").read_text(encoding="utf-8")
    assert "RuntimeError: lỗi cài sẵn để thử" in log and str(tmp_path / "ws" / "cds-batch-loi.log") in text


COMMUNE = "UBND xã Hải Thịnh"


def test_the_round_form_stores_the_signer_title_and_the_run_uses_it(client, tmp_path, monkeypatch):
    """Issue 23: the form asks the office and the annex's signer; blank, the office's default is stored.
    The round's command line and the page's own run carry it; a commune's templates ask no Quận/Huyện."""
    roster = tmp_path / "ds-xa.csv"
    roster.write_text("Mã trường,Tên trường,Cấp học,Xã/Phường\n79801,Trường Tiểu học Lê Văn Tám,Tiểu học,"
                      "Xã Hải Thịnh\n79802,Trường Tiểu học Nguyễn Văn Hưởng,Tiểu học,Xã Hải Thịnh\n", encoding="utf-8")
    assert create_round(client, label="Đợt xã", roster=roster, office=COMMUNE).status_code == 303
    assert create_round(client, label="Đợt xã 2", roster=roster, office=COMMUNE,
                        signer="kt. chủ tịch / phó chủ tịch").status_code == 303
    ws = Workspace(tmp_path / "ws")
    default, typed = ws.with_label("Đợt xã"), ws.with_label("Đợt xã 2")
    assert default is not None and typed is not None
    stored = json.loads((default.folder / "dot.json").read_text(encoding="utf-8"))
    assert stored["office"] == COMMUNE and stored["signer"] == "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"
    assert typed.settings.signer == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    command = typed.command()
    assert command[command.index("--signer-title") + 1] == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert "người ký phụ lục công nhận: TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" in client.get(
        f"/dot/{default.slug}").get_data(as_text=True)
    info = [c.value for row in openpyxl.load_workbook(next(default.templates.glob("79801_*")))["Thông tin chung"]
            .iter_rows() for c in row]
    assert "Xã/Phường" in info and "Quận/Huyện" not in info

    seen = []
    real = web_district.run_district
    monkeypatch.setattr(web_district, "run_district", lambda options, progress: seen.append(options)
                        or real(options, progress))
    assert upload_inbox(client, typed.slug, INBOX / "email 20-10").status_code == 303
    client.post(f"/dot/{typed.slug}/chay")
    assert wait_done(client.application, typed.slug).state == "done"
    assert [(o.office, o.signer) for o in seen] == [(COMMUNE, "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")]


def test_a_round_saved_before_the_signer_existed_signs_by_its_office(tmp_path):
    old = {"label": "Đợt 1", "office": "Sở GDĐT Ninh Bình", "deadline": "", "rubric": "qd4725-phothong",
           "rubric_is_file": False, "roster": "ds.csv", "created": "2025-10-01T08:00:00+07:00",
           "format": "cds_batch.round/1"}
    settings = RoundSettings.from_json(old)
    assert settings.signer == "" and Round("Dot-1", tmp_path, settings).signer == "GIÁM ĐỐC"
