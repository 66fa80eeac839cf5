"""Issue 23, point 2: the office's own identity, no longer assumed, end to end through `cds-batch`.

A commune's round ("UBND xã Hải Thịnh", a roster without Quận/Huyện): no output — the templates, the
summary, the feedback files, the review workbook, the annex, the page, the data files, the console and
every command's --help — says "Phòng GDĐT", "Quận/Huyện" or "TRƯỞNG PHÒNG"; the annex is signed by the
Committee's Chairman. An older round (the sample roster with Quận/Huyện, "Phòng GDĐT Quận 7") keeps its
results: the statuses, scores and levels are those the code before this change wrote
(older_round_outcomes.json, written by that code from the same inputs), and its papers still say
"TRƯỞNG PHÒNG", the office, and ask the schools for their Quận/Huyện.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest

from cds_batch.reports.page import PAGE_FILE
from cds_batch.reports.recognition_list import RECOGNITION_FILE
from cds_batch.review import layout as B
from tests.cli.test_cli import cds
from tests.pipeline.test_run_review import fill
from tests.review_helpers import INBOX, ROOT

SAMPLE_ROSTER = ROOT / "samples" / "danh-sach-truong.csv"
COMMUNE, OLD_OFFICE = "UBND xã Hải Thịnh", "Phòng GDĐT Quận 7"
ROUND = "Đợt 1 năm học 2026-2027"
OUTCOMES = Path(__file__).with_name("older_round_outcomes.json")
# What a commune's papers must never say (case-insensitive), and the office named bare as "Phòng".
FORBIDDEN = ("phòng gdđt", "phòng giáo dục", "quận/huyện", "trưởng phòng")
BARE_PHONG = re.compile(r"\b(của|cho|để|hệ|do) Phòng\b")
COMMANDS = ((), ("rubric",), ("rubric", "list"), ("rubric", "check"), ("rubric", "export"), ("template",),
            ("run",), ("province",), ("serve",))


def commune_roster(folder: Path) -> Path:
    """The sample roster as a commune keeps it after July 2025: no Quận/Huyện column, its own commune."""
    with SAMPLE_ROSTER.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and "Quận/Huyện" in rows[0]
    target = folder / "ds-truong-xa.csv"
    with target.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, [k for k in rows[0] if k != "Quận/Huyện"])
        out.writeheader()
        for row in rows:
            del row["Quận/Huyện"]
            out.writerow({**row, "Xã/Phường": "Xã Hải Thịnh", "Tỉnh/Thành phố": "Tỉnh Ninh Bình"})
    return target


def run_reviewed(out: Path, roster: Path, office: str, round_label: str, *extra: str) -> list[str]:
    """A first run, the evaluators fill its review workbook, a second run reads it; both consoles."""
    first = cds("run", str(INBOX), "--roster", str(roster), "--round", round_label, "--office", office,
                "--out", str(out), *extra)
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stdout + first.stderr
    fill(out / B.REVIEW_FILE)
    second = cds("run", str(INBOX), "--roster", str(roster), "--round", round_label, "--office", office,
                 "--out", str(out), "--review", str(out / B.REVIEW_FILE), *extra)
    assert second.returncode == 1 and (out / RECOGNITION_FILE).is_file() and (out / PAGE_FILE).is_file(), \
        second.stdout + second.stderr
    return [first.stdout, first.stderr, second.stdout, second.stderr]


def workbook_texts(path: Path) -> list[str]:
    """Every text cell of every sheet (hidden ones too), and the headers and footers."""
    wb = openpyxl.load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        texts += [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        texts += [str(part.text or "") for hf in (ws.oddHeader, ws.oddFooter)
                  for part in (hf.left, hf.center, hf.right)]
    return texts


def every_text(*folders: Path) -> dict[str, list[str]]:
    """Every output file's texts by its path: workbooks' cells, and the page, CSV and JSON files whole."""
    found: dict[str, list[str]] = {}
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.suffix == ".xlsx":
                found[str(path)] = workbook_texts(path)
            elif path.suffix in (".html", ".csv", ".json"):
                found[str(path)] = [path.read_text(encoding="utf-8-sig")]
    return found


def offending(texts: dict[str, list[str]]) -> list[str]:
    return [f"{where}: {text[:200]!r}" for where, items in texts.items() for text in items
            if any(bad in text.casefold() for bad in FORBIDDEN) or BARE_PHONG.search(text)]


def annex_bottom(out: Path) -> list[str]:
    ws = openpyxl.load_workbook(out / RECOGNITION_FILE).active
    return [str(c.value) for row in ws.iter_rows(min_row=ws.max_row - 8) for c in row if c.value is not None]


def outcome(record: dict) -> dict:
    """What a school's result is, without where and when its file came from (older_round_outcomes.json)."""
    def groups(gs: list[dict]) -> list[list[object]]:
        return [[g["id"], g["score"], g["max"], g["level"], g["failed_conditions"]] for g in gs]
    rec = record.get("recognition") or {}
    return {"status": record["status"], "provisional": record["provisional"], "rubric": record["rubric_id"],
            "groups": groups(record["groups"]), "overall_level": record["overall_level"],
            "criteria": record["criteria"], "errors": record["errors"], "warnings": record["warnings"],
            "recognition": rec and {"decision": rec["decision"], "groups": groups(rec["groups"]),
                                    "overall_level": rec["overall_level"], "recognised_level": rec["recognised_level"],
                                    "differences": rec["differences"]}}


@pytest.fixture(scope="module")
def commune(tmp_path_factory):
    folder = tmp_path_factory.mktemp("commune")
    roster = commune_roster(folder)
    consoles = run_reviewed(folder / "ket-qua", roster, COMMUNE, ROUND)
    made = cds("template", "--rubric", "qd4725-phothong", "--roster", str(roster), "--round", ROUND,
               "--office", COMMUNE, "--deadline", "15/6/2027", "--out", str(folder / "phieu"))
    blank = cds("template", "--rubric", "qd4725-phothong", "--out", str(folder / "phieu-trong"))   # no office at all
    assert made.returncode == 0 and blank.returncode == 0, made.stderr + blank.stderr
    consoles += [made.stdout, made.stderr, blank.stdout, blank.stderr]
    return folder, consoles


def test_no_output_of_a_communes_run_assumes_a_phong_or_a_district(commune):
    folder, consoles = commune
    texts = every_text(folder / "ket-qua", folder / "phieu", folder / "phieu-trong")
    kinds = {Path(p).name for p in texts}
    assert {"tong-hop.xlsx", B.REVIEW_FILE, RECOGNITION_FILE, PAGE_FILE, "results.json", "findings.json"} <= kinds
    assert sum(p.endswith("_phan-hoi.xlsx") for p in texts) == 24 and len(list((folder / "phieu").iterdir())) == 32
    texts["console"] = consoles
    assert offending(texts) == []
    assert "Bảng đánh giá ngoài để đơn vị điền" in consoles[0]


def test_no_help_assumes_a_phong_or_a_district():
    for command in COMMANDS:
        shown = cds(*command, "--help")
        assert shown.returncode == 0, command
        assert offending({" ".join(command) or "cds-batch": [shown.stdout + shown.stderr]}) == []
    assert "--signer-title" in cds("run", "--help").stdout


def test_a_communes_papers_name_the_commune_and_its_chairman_signs(commune):
    folder, _ = commune
    out = folder / "ket-qua"
    bottom = annex_bottom(out)
    assert bottom[-3:] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký, ghi rõ họ tên và đóng dấu)"]
    ws = openpyxl.load_workbook(out / RECOGNITION_FILE).active
    assert ws.cell(4, 1).value.endswith(f"của {COMMUNE})")
    returned = workbook_texts(next((out / "phan-hoi").glob("79901_*")))
    assert f"YÊU CẦU BỔ SUNG CỦA {COMMUNE.upper()} (ĐÁNH GIÁ NGOÀI)" in returned
    assert any(f"gửi lại tệp cho {COMMUNE}." in t for t in returned)
    guide = workbook_texts(next((folder / "phieu").glob("qd4725-phothong_mau-trong*.xlsx")))
    assert f"Nơi nhận: {COMMUNE}." in guide
    blank = workbook_texts(folder / "phieu-trong" / "qd4725-phothong_mau-trong.xlsx")
    assert "Nơi nhận: đơn vị đã gửi mẫu này." in blank


def test_a_communes_template_keeps_the_district_cell_hidden_and_unlabelled(commune):
    folder, _ = commune
    wb = openpyxl.load_workbook(next((folder / "phieu").glob("79801_*")))
    ws = wb["Thông tin chung"]
    sheet, cell = next(iter(wb.defined_names["CDS_DISTRICT"].destinations))
    row = ws[cell.replace("$", "")].row
    assert sheet == "Thông tin chung" and ws.row_dimensions[row].hidden
    assert ws.cell(row, 1).value is None and not ws[cell.replace("$", "")].value
    assert ws.cell(row - 1, 1).value == "Xã/Phường" and ws.cell(row - 1, 2).value == "Xã Hải Thịnh"


def test_a_signer_title_typed_is_the_annexs(tmp_path):
    roster = commune_roster(tmp_path)
    run_reviewed(tmp_path / "kq", roster, COMMUNE, ROUND, "--signer-title", "kt. chủ tịch / phó chủ tịch")
    assert annex_bottom(tmp_path / "kq")[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký, ghi rõ họ tên và đóng dấu)"]


def test_an_older_round_keeps_its_results_and_its_phong(tmp_path):
    out = tmp_path / "ket-qua"
    run_reviewed(out, SAMPLE_ROSTER, OLD_OFFICE, "Đợt 1 năm 2025")
    records = json.loads((out / "results.json").read_text(encoding="utf-8"))
    expected = json.loads(OUTCOMES.read_text(encoding="utf-8"))
    assert {r["school_code"]: outcome(r) for r in records} == expected
    assert sum(bool(o["recognition"]) and o["recognition"]["recognised_level"] is not None
               for o in expected.values()) == 2   # the review counts: two schools recognised
    bottom = annex_bottom(out)
    assert bottom[-2:] == ["TRƯỞNG PHÒNG", "(Ký, ghi rõ họ tên và đóng dấu)"]
    ws = openpyxl.load_workbook(out / RECOGNITION_FILE).active
    assert ws.cell(4, 1).value.endswith(f"của {OLD_OFFICE})")
    assert OLD_OFFICE in (out / PAGE_FILE).read_text(encoding="utf-8")
    made = cds("template", "--rubric", "qd4725-phothong", "--roster", str(SAMPLE_ROSTER), "--office", OLD_OFFICE,
               "--out", str(tmp_path / "phieu"))
    assert made.returncode == 0, made.stderr
    info = openpyxl.load_workbook(next((tmp_path / "phieu").glob("79801_*")))["Thông tin chung"]
    district = next(r for r in info.iter_rows() if r[0].value == "Quận/Huyện")
    assert district[1].value == "Quận 7" and not info.row_dimensions[district[0].row].hidden
