"""The rubric's standing (issue 22, point 4): `status: official | adapted | reconstructed` in YAML and Excel,
its Vietnamese labels, the R102 error for an unknown value, the content hash that ignores it, and the one
line (`standing_line`) every output printing levels carries for a rubric that is not the official text."""
from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest

from cds_batch.core.findings import Code
from cds_batch.rubric import check_file, export_rubric, load_rubric
from cds_batch.rubric.model import Standing, compute_hash, standing_line
from cds_batch.rubric.xlsx_format import INFO

from tests.conftest import MINIMAL_HEAD
from tests.rubric.test_rubric_files import GOOD_GROUP

RECONSTRUCTED = "tái dựng từ nguồn công khai, chưa đối chiếu văn bản chính thức"
HOW_TO_LOAD = "hãy nạp bộ chỉ số chính thức bằng --rubric TỆP (xem README)"


def test_the_builtins_say_what_they_are(national, quan7):
    assert national.status is Standing.RECONSTRUCTED and national.status.label == RECONSTRUCTED
    assert quan7.status is Standing.ADAPTED and quan7.status.label == "điều chỉnh của địa phương"
    assert Standing.OFFICIAL.label == "văn bản chính thức"


def test_the_national_provenance_is_vietnamese(national):
    assert national.provenance.startswith("Chưa có được phụ lục chính thức của Quyết định 4725/QĐ-BGDĐT")
    assert "Nhóm 2 chỉ cộng được 90 điểm" in national.provenance and "status: official" in national.provenance
    for english in ("could not be obtained", "Confidence", "reconstructed", "Sub-levels"):
        assert english not in national.provenance
    assert all("below" not in c.note for g in national.groups for c in g.criteria)


def test_a_file_without_status_is_adapted(checked):
    rubric, codes, _ = checked(GOOD_GROUP)
    assert rubric is not None and codes == [] and rubric.status is Standing.ADAPTED


@pytest.mark.parametrize("status", list(Standing))
def test_status_is_read_from_yaml(checked, status):
    rubric, codes, _ = checked(f"status: {status.value}\n" + GOOD_GROUP)
    assert rubric is not None and codes == [] and rubric.status is status


def test_an_unknown_status_is_a_vietnamese_error_at_its_line(checked):
    rubric, codes, findings = checked("status: chinh-thuc\n" + GOOD_GROUP)
    assert rubric is None
    assert codes == [("R102", len(MINIMAL_HEAD.splitlines()) + 1)]
    message = findings[0].message
    assert message.startswith("Sai cấu trúc tại status: trạng thái của bộ chỉ số phải là một trong: ")
    assert "official (văn bản chính thức)" in message and f"reconstructed ({RECONSTRUCTED})" in message
    assert "adapted (điều chỉnh của địa phương)" in message and "'chinh-thuc'" in message


def test_the_hash_ignores_the_status(national):
    """Marking the set official changes no score: templates made with it stay the same version (no E113)."""
    for status in Standing:
        assert compute_hash(replace(national, status=status)) == national.content_hash


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
@pytest.mark.parametrize("status", list(Standing))
def test_status_survives_export_and_load(tmp_path, national, status, suffix):
    rubric = replace(national, status=status)
    path = tmp_path / f"r{suffix}"
    export_rubric(rubric, path)
    loaded = load_rubric(path)
    assert loaded == rubric and loaded.status is status and loaded.content_hash == national.content_hash


def test_the_yaml_export_writes_the_status(tmp_path, national):
    export_rubric(national, tmp_path / "r.yaml")
    assert "\nstatus: reconstructed\n" in (tmp_path / "r.yaml").read_text(encoding="utf-8")


def _info_cell(path, key_label: str):
    ws = openpyxl.load_workbook(path)[INFO]
    return next(row[1] for row in ws.iter_rows(min_row=2) if row[0].value == key_label)


def test_the_excel_export_shows_the_vietnamese_standing_with_a_dropdown(tmp_path, national):
    path = tmp_path / "r.xlsx"
    export_rubric(national, path)
    cell = _info_cell(path, "Trạng thái")
    assert cell.value == "tái dựng từ nguồn công khai"   # an Excel list cannot hold the label's comma
    ws = openpyxl.load_workbook(path)[INFO]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if cell.coordinate in dv.sqref]
    assert lists == ['"văn bản chính thức,điều chỉnh của địa phương,tái dựng từ nguồn công khai"']


@pytest.mark.parametrize("typed, status", [
    ("Văn bản chính thức", Standing.OFFICIAL), ("van ban chinh thuc", Standing.OFFICIAL),
    ("official", Standing.OFFICIAL),
    (RECONSTRUCTED, Standing.RECONSTRUCTED), ("Điều chỉnh của địa phương", Standing.ADAPTED), (None, Standing.ADAPTED),
])
def test_an_office_types_the_standing_in_excel(tmp_path, national, typed, status):
    path = tmp_path / "r.xlsx"
    export_rubric(national, path)
    wb = openpyxl.load_workbook(path)
    cell = _info_cell(path, "Trạng thái")
    wb[INFO][cell.coordinate].value = typed
    wb.save(path)
    assert load_rubric(path).status is status


def test_an_unknown_standing_in_excel_is_named_at_its_cell(tmp_path, national):
    path = tmp_path / "r.xlsx"
    export_rubric(national, path)
    wb = openpyxl.load_workbook(path)
    cell = _info_cell(path, "Trạng thái")
    wb[INFO][cell.coordinate].value = "chính thức rồi"
    wb.save(path)
    rubric, findings = check_file(path)
    assert rubric is None
    bad = [f for f in findings if f.code is Code.R102]
    assert [(f.sheet, f.cell) for f in bad] == [(INFO, cell.coordinate)]
    assert "văn bản chính thức" in bad[0].message and "'chính thức rồi'" in bad[0].message


def test_the_line_names_each_non_official_rubric_and_says_what_to_do(national, quan7):
    both = standing_line([national, quan7])
    assert both == (f"Bộ chỉ số: {national.name} (qd4725-phothong) — {RECONSTRUCTED}; {quan7.name} "
                    f"(quan7-mamnon-2023) — điều chỉnh của địa phương. Mức in ra chỉ để tham khảo; để có kết quả "
                    f"chính thức, {HOW_TO_LOAD}.")
    official = replace(national, status=Standing.OFFICIAL)
    assert standing_line([official]) is None and standing_line([]) is None
    assert standing_line([official, quan7]) == standing_line([quan7])
    assert standing_line([national, quan7], scored={"quan7-mamnon-2023"}) == standing_line([quan7])
    assert standing_line([national, quan7], scored=set()) is None


def test_a_school_is_told_the_level_is_not_final_not_how_to_load_a_rubric(national):
    line = standing_line([national], for_school=True)
    assert line is not None and RECONSTRUCTED in line and "chưa phải kết quả chính thức" in line
    assert "--rubric" not in line


def test_an_offices_official_copy_of_a_builtin_wins_over_the_builtin(national):
    """The office exports qd4725, corrects it and marks it official, keeping its id: the first given counts."""
    official = replace(national, status=Standing.OFFICIAL)
    assert standing_line([official, national]) is None
    assert standing_line([national, official]) == standing_line([national])
