"""`cds-batch province` as an office types it: every input accounted for in ledger.json and on the
workbook's "Cần xem" sheet, exit 1 when an input was not used or nothing rolled up, and the result of a
district that sent two decided by its submissions' times, never by the files' modification times."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cds_batch.cli import main
from cds_batch.reports.contract import LedgerRecord

from tests.web_helpers import INBOX, OFFICE, ROSTER

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ("EOCD", "zip file", "Cannot detect", "Traceback", "Error")


def province(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m cds_batch province …` of this checkout, run in `cwd` (the inputs are named relative to it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "cds_batch", "province", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, env=env, timeout=120)


def district_run(inbox: Path, out: Path, round_label: str) -> Path:
    with pytest.raises(SystemExit):
        main(["run", str(inbox), "--roster", str(ROSTER), "--round", round_label, "--office", OFFICE,
              "--out", str(out)])
    return out


def stamp(path: Path, when: datetime) -> None:
    """Give `path` (and everything under it) the modification time `when`."""
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (when.timestamp(), when.timestamp()))


@pytest.fixture(scope="module")
def district_out(tmp_path_factory) -> Path:
    return district_run(INBOX, tmp_path_factory.mktemp("quan7") / "ket-qua", "Đợt 1")


def ledger(out: Path) -> dict[str, dict[str, object]]:
    return {r["source"]: r for r in json.loads((out / "ledger.json").read_text(encoding="utf-8"))}


def sheet(out: Path, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(out / "tong-hop-tinh.xlsx")).get_sheet_by_name(name).to_python()


def test_a_damaged_and_a_foreign_file_beside_a_good_folder_are_listed_and_exit_1(district_out, tmp_path):
    sent = tmp_path / "thu"
    shutil.copytree(district_out, sent / "ket-qua-quan7")
    data = (district_out / "tong-hop.xlsx").read_bytes()
    (sent / "tong-hop quan 8.xlsx").write_bytes(data[: len(data) // 2])   # cut short in the download
    shutil.copy(district_out / "phan-hoi" / "79707_phan-hoi.xlsx", sent / "bang-tinh-la.xlsx")   # no payload
    (sent / "cong-van.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    done = province("thu", "--out", "ra", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Đã tổng hợp 1 đơn vị, 30 trường; 3 tệp không dùng" in done.stdout
    entries = ledger(tmp_path / "ra")
    assert {s: (r["fate"], r["kind"]) for s, r in entries.items()} == {
        "thu/bang-tinh-la.xlsx": ("not_our_template", "xlsx"), "thu/cong-van.pdf": ("not_a_workbook", "other"),
        "thu/ket-qua-quan7/results.json": ("used", "other"), "thu/tong-hop quan 8.xlsx": ("unreadable", "xlsx")}
    assert "cắt cụt" in str(entries["thu/tong-hop quan 8.xlsx"]["reason"])
    assert "không phải bảng tổng hợp" in str(entries["thu/bang-tinh-la.xlsx"]["reason"])
    assert "Tệp PDF" in str(entries["thu/cong-van.pdf"]["reason"])
    assert set(entries["thu/ket-qua-quan7/results.json"]) == set(LedgerRecord.__annotations__)   # the district's shape
    to_look_at = {r[0]: r[3] for r in sheet(tmp_path / "ra", "Cần xem")[3:]}
    assert to_look_at == {s: r["reason"] for s, r in entries.items() if r["fate"] != "used"}
    assert sorted(r[1] for r in sheet(tmp_path / "ra", "Sổ nhận file")[3:]) == sorted(entries)
    for text in [done.stdout, done.stderr, *(str(r["reason"]) for r in entries.values())]:
        assert not any(word in text for word in ENGLISH), text


def test_a_roll_up_of_only_a_damaged_file_is_no_success(district_out, tmp_path):
    data = (district_out / "tong-hop.xlsx").read_bytes()
    (tmp_path / "tong-hop.xlsx").write_bytes(data[:4000])
    done = province("tong-hop.xlsx", "--out", "ra", cwd=tmp_path)
    assert done.returncode == 1
    assert "Không tổng hợp được đơn vị nào từ 1 tệp đã nhận." in done.stdout and "Đã tổng hợp" not in done.stdout
    assert [r["fate"] for r in ledger(tmp_path / "ra").values()] == ["unreadable"]
    codes = [r[1] for r in sheet(tmp_path / "ra", "Cần xem")[3:]]
    assert codes == ["L105", "P110"]
    assert json.loads((tmp_path / "ra" / "results.json").read_text(encoding="utf-8")) == []


def test_a_result_folder_sent_zipped_is_used_whole_and_exits_0(district_out, tmp_path):
    shutil.make_archive(str(tmp_path / "ket-qua-quan7"), "zip", district_out.parent, district_out.name)
    done = province("ket-qua-quan7.zip", "--out", "ra", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    fates = {r["fate"] for r in ledger(tmp_path / "ra").values()}
    assert fates == {"container", "used"}
    assert sheet(tmp_path / "ra", "Cần xem")[3][0].startswith("Không có vấn đề nào cần xem")


ROUND_1, ROUND_2 = datetime(2025, 10, 1, 1, tzinfo=timezone.utc), datetime(2025, 10, 20, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory) -> tuple[Path, Path]:
    """The summaries of one district's two rounds: the schools' files re-sent later for round 2."""
    base = tmp_path_factory.mktemp("hai-dot")
    first, second = base / "inbox-1", base / "inbox-2"
    shutil.copytree(INBOX / "Zalo", first)   # round 1: three loose workbooks, received 1 October
    stamp(first, ROUND_1)
    shutil.copytree(INBOX, second)          # round 2: everything, loose files received 20 October, mails dated
    stamp(second, ROUND_2)
    return (district_run(first, base / "ra-1", "Đợt 1") / "tong-hop.xlsx",
            district_run(second, base / "ra-2", "Đợt 2") / "tong-hop.xlsx")


@pytest.mark.parametrize("older_file_is_newer", [False, True])
def test_two_summaries_of_one_district_the_later_round_wins_in_any_order(two_rounds, tmp_path, older_file_is_newer):
    mail = tmp_path / "thu"
    mail.mkdir()
    first, second = mail / "b-dot-1.xlsx", mail / "a-dot-2.xlsx"   # round 2's name sorts first
    shutil.copy(two_rounds[0], first)
    shutil.copy(two_rounds[1], second)
    stamp(first, ROUND_2 if older_file_is_newer else ROUND_1)   # copying mail attachments in another order
    stamp(second, ROUND_1 if older_file_is_newer else ROUND_2)
    runs = [province(*names, "--out", out, cwd=mail) for names, out in
            (([first.name, second.name], "ra-1"), ([second.name, first.name], "ra-2"))]
    assert [r.returncode for r in runs] == [1, 1]
    for out in ("ra-1", "ra-2"):
        entries = ledger(mail / out)
        assert (entries["a-dot-2.xlsx"]["fate"], entries["b-dot-1.xlsx"]["fate"]) == ("used", "superseded")
        why = str(entries["b-dot-1.xlsx"]["reason"])
        assert why.startswith(f"{OFFICE} gửi hơn một kết quả: dùng a-dot-2.xlsx, không dùng b-dot-1.xlsx, "
                              "vì a-dot-2.xlsx có bài nộp nhận muộn nhất lúc ")
        assert why.endswith("(của b-dot-1.xlsx: 01/10/2025 08:00).")
        rolled = json.loads((mail / out / "results.json").read_text(encoding="utf-8"))
        assert sum(s["status"] != "missing" for s in rolled) == 24   # round 2's schools, not round 1's three
    for name in ("tong-hop-tinh.xlsx", "results.json", "ledger.json"):
        assert (mail / "ra-1" / name).read_bytes() == (mail / "ra-2" / name).read_bytes(), name
