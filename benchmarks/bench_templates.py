"""Benchmark: time `cds-batch template` for a synthetic 300-school roster (one process, one core).

Run: python benchmarks/bench_templates.py [--schools 300] [--rubric qd4725-phothong]
Prints the wall time for the whole run and per school; the files go to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

from cds_batch.roster import load_roster  # noqa: E402
from cds_batch.rubric import load_rubric  # noqa: E402
from cds_batch.template_text import Issue  # noqa: E402
from cds_batch.templates import write_school_template  # noqa: E402

WARDS = ("Tân Phong", "Tân Hưng", "Tân Kiểng", "Bình Thuận", "Phú Mỹ", "Phú Thuận", "Tân Quy", "Tân Thuận Đông")
LEVELS = (("Mầm non", "Trường Mầm non"), ("Tiểu học", "Trường Tiểu học"), ("THCS", "Trường THCS"))


def write_roster(path: Path, n: int) -> None:
    """A CSV roster of `n` schools with Vietnamese names, as an office would keep it."""
    lines = ["Mã trường,Tên trường,Cấp học,Xã/Phường,Quận/Huyện,Tỉnh/Thành phố,Email"]
    for i in range(n):
        level, prefix = LEVELS[i % len(LEVELS)]
        ward = WARDS[i % len(WARDS)]
        lines.append(f"{79000 + i},{prefix} {ward} số {i},{level},Phường {ward},Quận 7,"
                     f"Thành phố Hồ Chí Minh,truong{i}@example.edu.vn")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--rubric", default="qd4725-phothong")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "ds-truong.csv"
        write_roster(roster, args.schools)
        start = time.perf_counter()
        rubric = load_rubric(args.rubric)
        schools = load_roster(roster)
        issue = Issue("Đợt 1 năm 2025", "Phòng GDĐT Quận 7", "30/10/2025")
        out = Path(tmp) / "out"
        write_school_template(rubric, out, None, issue)
        for school in schools:
            write_school_template(rubric, out, school, issue)
        elapsed = time.perf_counter() - start
        files = list(out.glob("*.xlsx"))
        size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} workbooks ({args.rubric}, {size / len(files) / 1024:.1f} KB each) in {elapsed:.2f} s "
          f"= {1000 * elapsed / len(files):.1f} ms per workbook; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPU(s), {platform.machine()}, one process.", file=sys.stdout)


if __name__ == "__main__":
    main()
