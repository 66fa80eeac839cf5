"""Benchmark: the writing side of a district run (summary workbook, CSV, JSON, feedback) at scale.

Run: python benchmarks/bench_reports.py [--schools 200 3000 45000] [--feedback N|all] [--jobs N] [--no-trace]
Runs the district job once on samples/inbox, then replicates its schools, ledger and unplaced
files (new school codes and sources, `dataclasses.replace`) up to each size, and times each writer
as `run.run_district` calls it. Each size runs in a child process, so its peak RSS is its own; a
second pass under tracemalloc gives each writer's peak of Python allocations (skip: --no-trace).
The files go to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout without installing

from cds_batch.reports import feedback as report_feedback  # noqa: E402
from cds_batch.district.consolidate import District, LedgerRow, SchoolRow  # noqa: E402
from cds_batch.checking.examine import Submission  # noqa: E402
from cds_batch.reports.data_files import ledger, results, write_csv, write_json  # noqa: E402
from cds_batch.reports.summary import overview_table, write_summary  # noqa: E402
from cds_batch.reading.roster_file import load_roster  # noqa: E402
from cds_batch.rubric import builtin_ids, load_rubric  # noqa: E402
from cds_batch.rubric.model import Rubric  # noqa: E402
from cds_batch.pipeline.district_run import RunOptions, default_rubrics, run_district  # noqa: E402

OFFICE, ROUND = "Phòng GDĐT Quận 7", "Đợt 1 năm 2025"


def sample_district(work: Path) -> tuple[District, tuple[Rubric, ...]]:
    """The bundled sample inbox run once (in-process), as the seed to replicate."""
    rubrics = default_rubrics((), load_rubric, builtin_ids())
    roster = tuple(load_roster(ROOT / "samples" / "danh-sach-truong.csv"))
    opts = RunOptions((ROOT / "samples" / "inbox",), roster, rubrics, work / "seed", ROUND, OFFICE, None, 1)
    return run_district(opts).district, rubrics


def _moved(s: Submission, block: int, codes: dict[str, str]) -> Submission:
    entry = replace(s.entry, source=f"khoi-{block:04d}/{s.entry.source}")
    return replace(s, entry=entry, school_code=codes.get(s.school_code or "", s.school_code))


def replicate(seed: District, n: int) -> District:
    """`n` schools: copies of the seed's schools (and of its ledger and unplaced files) with new codes."""
    schools: list[SchoolRow] = []
    ledger_rows: list[LedgerRow] = []
    unplaced: list[Submission] = []
    block = 0
    while len(schools) < n:
        codes = {row.info.code: f"{row.info.code}{block:05d}" for row in seed.schools}
        for row in seed.schools[:n - len(schools)]:
            used = _moved(row.used, block, codes) if row.used is not None else None
            schools.append(replace(row, info=replace(row.info, code=codes[row.info.code]), used=used,
                                   superseded=tuple(_moved(s, block, codes) for s in row.superseded)))
        for r in seed.ledger:
            ledger_rows.append(replace(r, entry=replace(r.entry, source=f"khoi-{block:04d}/{r.entry.source}"),
                                       school_code=codes.get(r.school_code, r.school_code)))
        unplaced += [_moved(s, block, codes) for s in seed.unplaced]
        block += 1
    return District(tuple(schools), tuple(ledger_rows), tuple(unplaced))


def write_feedback_all(district: District, rubrics: tuple[Rubric, ...], folder: Path, limit: int | None,
                       jobs: int | None) -> int:
    """Feedback files for the first `limit` schools that sent a file, as run.py will write them."""
    rows = [r for r in district.schools if r.used is not None][:limit]
    many = getattr(report_feedback, "write_feedback_many", None)
    if many is not None:
        return len(many(rows, {r.id: r for r in rubrics}, folder, office=OFFICE, round_label=ROUND, jobs=jobs))
    by_id = {r.id: r for r in rubrics}   # before write_feedback_many existed: the serial loop of run.py
    assert all(r.used is not None for r in rows)
    return len([report_feedback.write_feedback(r, by_id.get(r.used.rubric_id) if r.used else None, folder,
                                               office=OFFICE, round_label=ROUND) for r in rows])


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers): steadier than the
    wall time on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_size(n: int, feedback: int | None, jobs: int | None, trace: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="cds_bench_reports-") as tmp:
        work = Path(tmp)
        seed, rubrics = sample_district(work)
        district = replicate(seed, n)
        rss_built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out = work / "out"
        out.mkdir()
        steps: list[tuple[str, Callable[[], object]]] = [
            ("tong-hop.xlsx", lambda: write_summary(district, rubrics, out / "tong-hop.xlsx", office=OFFICE,
                                                    round_label=ROUND)),
            ("tong-hop.csv", lambda: write_csv(out / "tong-hop.csv", *overview_table(district, rubrics))),
            ("results.json", lambda: write_json(out / "results.json", results(district, OFFICE))),
            ("ledger.json", lambda: write_json(out / "ledger.json", ledger(district))),
            ("phan-hoi/", lambda: write_feedback_all(district, rubrics, out / "phan-hoi", feedback, jobs)),
        ]
        print(f"{n} schools ({len(district.ledger)} ledger rows, {len(district.unplaced)} unplaced); "
              f"peak RSS after building: {rss_built:.0f} MiB")
        total = 0.0
        for name, step in steps:
            start, cpu_start = time.perf_counter(), _cpu()
            made = step()
            elapsed, cpu = time.perf_counter() - start, _cpu() - cpu_start
            total += elapsed
            size = sum(p.stat().st_size for p in (out / name).rglob("*")) if name.endswith("/") else \
                (out / name).stat().st_size
            extra = f", {made} files, {1000 * elapsed / made:.1f} ms each" if isinstance(made, int) and made else ""
            peak = ""
            if trace:
                tracemalloc.start()
                step()
                peak = f", traced peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB"
                tracemalloc.stop()
            print(f"  {name:14} {elapsed:8.2f} s (CPU {cpu:6.2f} s)  {size / 2**20:8.1f} MiB on disk{extra}{peak}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {'all writers':14} {total:8.2f} s; peak RSS of the process {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, nargs="+", default=[200, 3000])
    parser.add_argument("--feedback", default="all", help="how many feedback files to write: a number or 'all'")
    parser.add_argument("--jobs", type=int, default=None, help="processes for the feedback files (default: cores)")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    feedback = None if args.feedback == "all" else int(args.feedback)
    if args.one:
        one_size(args.schools[0], feedback, args.jobs, not args.no_trace)
        return
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    for n in args.schools:
        cmd = [sys.executable, __file__, "--one", "--schools", str(n), "--feedback", args.feedback]
        cmd += (["--jobs", str(args.jobs)] if args.jobs else []) + (["--no-trace"] if args.no_trace else [])
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
