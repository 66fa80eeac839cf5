"""Benchmark: time `read_workbook` on N filled school workbooks (one process, one core).

Run: python benchmarks/bench_read.py [--files 200] [--rubric qd4725-phothong] [--libreoffice]
Writes 10 distinct prefilled templates, types the sample answers into them (openpyxl, as the
template tests do), copies them up to --files, then reads every file once and prints ms per file.
With --libreoffice the filled files are first re-saved by LibreOffice (one soffice start), as a
school's Calc would save them; the files go to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

from cds_batch.reading.workbook import read_workbook  # noqa: E402
from cds_batch.rubric import load_rubric  # noqa: E402
from cds_batch.templates.text import Issue  # noqa: E402
from cds_batch.templates.writer import write_school_template  # noqa: E402
from tests.builders.answers import sample_answers  # noqa: E402
from tests.builders.office import soffice_batch  # noqa: E402
from tests.builders.workbook import fill  # noqa: E402
from tests.template_helpers import SCHOOL  # noqa: E402

DISTINCT = 10


def build(folder: Path, rubric_id: str, n: int, libreoffice: bool) -> list[Path]:
    """`n` filled workbooks in `folder`: DISTINCT schools, copied round-robin."""
    rubric = load_rubric(rubric_id)
    values = sample_answers(rubric)
    filled: list[Path] = []
    for i in range(DISTINCT):
        school = replace(SCHOOL, code=str(79001 + i), name=f"{SCHOOL.name} {i}")
        blank = write_school_template(rubric, folder / "blank", school, Issue("Đợt 1 năm 2025"))
        filled.append(fill(blank, folder / f"filled-{i}.xlsx", values))
    if libreoffice:
        saved = soffice_batch(filled, "xlsx", folder / "lo")
        filled = [saved[f] for f in filled]
    files = []
    for k in range(n):
        target = folder / "inbox" / f"{k:05d}.xlsx"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(filled[k % DISTINCT], target)
        files.append(target)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rubric", default="qd4725-phothong")
    parser.add_argument("--libreoffice", action="store_true", help="re-save the filled files with LibreOffice")
    args = parser.parse_args()
    rubric = load_rubric(args.rubric)
    with tempfile.TemporaryDirectory(prefix="cds_bench_read-") as tmp:
        (Path(tmp) / "blank").mkdir()
        files = build(Path(tmp), args.rubric, args.files, args.libreoffice)
        read_workbook(files[0], rubric, "warm-up")   # imports and first-call costs out of the timing
        start = time.perf_counter()
        answers = 0
        for path in files:
            answers += len(read_workbook(path, rubric, path.name).answers)
        elapsed = time.perf_counter() - start
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.files} files ({args.rubric}{', LibreOffice-saved' if args.libreoffice else ''}), "
          f"{answers // args.files} answers each: {elapsed:.2f} s, {elapsed * 1000 / args.files:.1f} ms per file")


if __name__ == "__main__":
    main()
