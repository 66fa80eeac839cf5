"""Issue 22 (5): every input that could not be used is in every list the office looks at.

An inbox holding one of each kind of unusable file — a .pdf renamed .xlsx, a .txt, a .docx, a
0-byte file, a truncated workbook, a password-protected one, our blank template with no school on
it, a foreign workbook, and one whose styles part is garbage (python-calamine: "Cannot detect file
format") — is run through the command line into the folder of a round made on the web page. The
summary's "Tệp không dùng được" sheet, the run's end-of-run list, ledger.json and the page's list
then hold the same files, each with its kind and reason in Vietnamese and no library English.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from cds_batch.reports.contract import LEDGER, SHEET_UNUSABLE, SUMMARY
from cds_batch.reports.labels import KIND_LABELS
from cds_batch.intake.containers import FileKind
from tests.builders.archives import docx_bytes, xlsx_bytes
from tests.builders.cfb import encrypted_package
from tests.hostile_files import BLANK_TEMPLATE, rezip
from tests.web_helpers import client_with_token, create_round, make_app, small_roster

ROOT = Path(__file__).resolve().parents[2]
SLUG = "Dot-1-nam-2025"
TEMPLATE = BLANK_TEMPLATE.read_bytes()
# File name → (the kind shown, words its reason must hold).
INBOX = {
    "Báo cáo CĐS.xlsx": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", FileKind.OTHER, "Tệp PDF"),
    "ghi chú.txt": ("Nhờ Phòng xem giúp".encode(), FileKind.OTHER, "Tệp văn bản (.txt)"),
    "công văn.docx": (docx_bytes(), FileKind.OTHER, "Tệp Word (.docx)"),
    "rỗng.xlsx": (b"", FileKind.XLSX, "Tệp rỗng (0 byte)"),
    "bị cắt.xlsx": (TEMPLATE[:len(TEMPLATE) // 2], FileKind.XLSX, "bị cắt cụt"),
    "có mật khẩu.xlsx": (encrypted_package(), FileKind.XLSX, "có mật khẩu"),
    "không tên.xlsx": (TEMPLATE, FileKind.XLSX, "Không xác định được tệp này của trường nào"),
    "danh sách lớp.xlsx": (xlsx_bytes(), FileKind.XLSX, "không phải phiếu tự đánh giá"),
    "định dạng lạ.xlsx": (rezip(TEMPLATE, {"xl/styles.xml": lambda b: b"<x"}), FileKind.XLSX,
                          "phần 'xl/styles.xml' bị hỏng"),
}
# English a library says about a broken file; none of it may reach the office.
ENGLISH = re.compile(r"\b(could|cannot|file|error|invalid|detect|format|exception|not|EOCD|zip file)\b", re.I)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("khong-dung")
    inbox = base / "hop-thu"
    inbox.mkdir()
    for name, (data, _, _) in INBOX.items():
        (inbox / name).write_bytes(data)
    app = make_app(base / "ws")
    client = client_with_token(app)
    roster = small_roster(base)
    assert create_round(client, roster=roster).status_code == 303
    out = base / "ws" / SLUG / "ket-qua"   # the round's output folder: the page shows this run
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cds_batch", "run", "hop-thu", "--roster", str(roster), "--round",
                           "Đợt 1 năm 2025", "--out", str(out)], cwd=base, capture_output=True, text=True, env=env,
                          timeout=300)
    page = client.get(f"/dot/{SLUG}/ket-qua").get_data(as_text=True)
    return {"done": done, "out": out, "page": page}


def expected() -> dict[str, tuple[str, str]]:
    return {f"hop-thu/{name}": (KIND_LABELS[kind], words) for name, (_, kind, words) in INBOX.items()}


def check(listed: dict[str, tuple[str, str]]) -> None:
    """`listed`: source → (kind shown, reason shown) of one list; it must be the inbox, in Vietnamese."""
    assert set(listed) == set(expected())
    for source, (kind, words) in expected().items():
        shown_kind, reason = listed[source]
        assert shown_kind == kind and words in reason, (source, shown_kind, reason)
        assert not ENGLISH.search(reason), (source, reason)


def test_the_run_exits_1_and_lists_every_unusable_file(run):
    done = run["done"]
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    listed = {}
    for line in done.stdout.splitlines():
        m = re.fullmatch(r"  - (.+) \[(.+)\] — (.+?): (.+)", line)
        if m:
            listed[m.group(1)] = (m.group(2), m.group(4))
    assert f"Tệp không dùng được: {len(INBOX)} (trang '{SHEET_UNUSABLE}'" in done.stdout
    check(listed)


def test_the_summary_sheet_lists_them(run):
    ws = openpyxl.load_workbook(run["out"] / SUMMARY, read_only=True)[SHEET_UNUSABLE]
    rows = [r for r in ws.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(rows) if r[0] == "STT")
    assert rows[top] == ("STT", "Tệp", "Loại tệp", "Kết quả", "Mã trường", "Lý do")
    check({r[1]: (r[2], r[5]) for r in rows[top + 1:] if r[0] is not None})


def test_ledger_json_marks_them(run):
    entries = json.loads((run["out"] / LEDGER).read_text(encoding="utf-8"))
    check({e["source"]: (e["kind_label"], e["reason"]) for e in entries if e["unusable"]})
    assert all(e["time_source_label"] == "theo thời gian sửa tệp" for e in entries)


def test_the_web_page_lists_them(run):
    section = run["page"].split('id="tep-khong-dung"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td class=\"tep\">(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      section)
    assert f"Tệp không dùng được ({len(INBOX)})" in section
    check({unescape(r[0]): (unescape(r[1]), unescape(r[4])) for r in rows})
