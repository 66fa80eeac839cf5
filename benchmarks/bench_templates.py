"""Benchmark: time `cds-batch template` for a synthetic 300-school roster, as a person runs it.

Run: python benchmarks/bench_templates.py [--schools 300] [--rubric qd4725-phothong] [--jobs 1 0]
Runs the command line (`python -m cds_batch template --roster … --jobs N`, a new process, imports
included) once per --jobs value; 0 means the default (the cores, in-process below
templates.SERIAL_BELOW). Prints the wall time for the whole run and per workbook, and checks that
every run wrote the same bytes. The files go to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--rubric", default="qd4725-phothong")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 0], help="0: the default")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="cds_bench_templates-") as tmp:
        roster = Path(tmp) / "ds-truong.csv"
        write_roster(roster, args.schools)
        first: dict[str, bytes] = {}
        for jobs in args.jobs:
            out = Path(tmp) / f"out-{jobs}"
            cmd = [sys.executable, "-m", "cds_batch", "template", "--rubric", args.rubric, "--roster", str(roster),
                   "--round", "Đợt 1 năm 2025", "--office", "Phòng GDĐT Quận 7", "--deadline", "30/10/2025",
                   "--out", str(out)] + (["--jobs", str(jobs)] if jobs else [])
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            files = {f.name: f.read_bytes() for f in out.glob("*.xlsx")}
            first = first or files
            same = "same bytes as the first run" if files == first else "DIFFERENT BYTES from the first run"
            size = sum(len(b) for b in files.values())
            print(f"--jobs {jobs or 'default'}: {len(files)} workbooks ({args.rubric}, "
                  f"{size / len(files) / 1024:.1f} KB each) in {elapsed:.2f} s = "
                  f"{1000 * elapsed / len(files):.1f} ms per workbook; {same}.")


if __name__ == "__main__":
    main()
