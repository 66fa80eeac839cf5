"""Benchmark: the whole district run on a generated corpus, against the floor of reading the same files.

Run: python benchmarks/bench_run.py --corpus DIR [--schools N] [--seed S] [--jobs J] [--skip-e2e] [--json FILE]
(the corpus is generated first with make_corpus when DIR holds none; --schools is then required).
Measures, on the same files:
  1. the floor: a bare python-calamine read of every sheet plus the defined names of each workbook,
     over a spawn process pool of all cores (archive and mail members extracted first, untimed);
  2. `cds-batch run INBOX` end to end as a subprocess: wall time, workbooks per second;
  3. its read+validate+score stage alone, in-process (`intake.examine_all` after an untimed `discover`);
  4. peak memory of 2 and 3: the largest process (each process's own high-water mark, as the kernel
     keeps it) and the largest sum (the tree sampled every 100 ms);
  5. the stage's throughput against the floor's;
  6. a second run over INBOX plus late/ into the same output folder, and the ratio first/second;
  7. the machine.
Prints a markdown table for the README and, with --json, writes the same figures to FILE.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Sequence

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout without installing

from cds_batch.intake.discover import Entry, discover, private_workdir  # noqa: E402
from cds_batch.checking.examine import Context  # noqa: E402
from cds_batch.district.pool import SERIAL_BELOW, examine_all  # noqa: E402
from cds_batch.reading.roster_file import load_roster  # noqa: E402
from cds_batch.rubric import builtin_ids, load_rubric  # noqa: E402
from cds_batch.pipeline.district_run import default_rubrics  # noqa: E402

import make_corpus  # noqa: E402  (the sibling script: generates a missing corpus)

# A sample walks every process of the machine (about 1 ms of CPU): every 20 ms that was 5 % of a core
# taken from the run being measured. The largest process's peak does not depend on it (the kernel's
# high-water mark); the sum's peak may be missed by less than a sampling interval.
SAMPLE_S = 0.1
DEFINED_NAME = re.compile(rb'<definedName name="([^"]+)"[^>]*>([^<]*)</definedName>')


# --- memory ---------------------------------------------------------------------------------------------

class PeakMemory:
    """Samples a process tree's resident memory in a thread: the largest process and the largest sum.

    :param fresh: the tree started with the measurement, so each process's high-water mark is its peak
        during it (not so for this process, whose mark dates from before).
    """

    def __init__(self, pid: int, fresh: bool) -> None:
        self.pid, self.fresh = pid, fresh
        self.largest = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_S)

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        sizes, peaks = [], []
        for p in procs:
            try:
                info = p.memory_info()
                sizes.append(info.rss)
                peaks.append((self.fresh and _high_water(p.pid, info)) or info.rss)
            except psutil.Error:
                pass   # a worker that just ended
        if sizes:
            self.largest, self.total = max(self.largest, max(peaks)), max(self.total, sum(sizes))


def _high_water(pid: int, info: Any) -> int:
    """A process's peak resident size in bytes (Linux's VmHWM, Windows's peak working set); 0 when unknown."""
    if hasattr(info, "peak_wset"):
        return int(info.peak_wset)
    try:
        found = re.search(r"VmHWM:\s*(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(found.group(1)) * 1024 if found else 0


# --- 1. the floor -------------------------------------------------------------------------------------

def floor_read(path: str) -> int:
    """Every sheet's cells (calamine) and, for .xlsx, the defined names of xl/workbook.xml; cells read, or -1."""
    from python_calamine import CalamineWorkbook
    try:
        book = CalamineWorkbook.from_path(path)
        cells = sum(len(row) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python())
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                if "xl/workbook.xml" in z.namelist():
                    cells += len(DEFINED_NAME.findall(z.read("xl/workbook.xml")))
        return cells
    except Exception:   # noqa: BLE001  (a broken file costs what it costs; the floor only counts it)
        return -1


def floor(paths: Sequence[Path], jobs: int | None) -> tuple[float, int]:
    """Wall time (pool start included, as for the stage) and how many files could not be read.

    :param jobs: processes; None chooses as `examine_all` does (in-process below SERIAL_BELOW files).
    """
    if jobs is None:
        jobs = 1 if len(paths) < SERIAL_BELOW else os.cpu_count() or 1
    start = time.perf_counter()
    if jobs == 1:
        failed = sum(floor_read(str(p)) < 0 for p in paths)
        return time.perf_counter() - start, failed
    chunk = max(1, min(64, len(paths) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        failed = sum(n < 0 for n in pool.map(floor_read, map(str, paths), chunksize=chunk))
    return time.perf_counter() - start, failed


# --- 2 and 6. end to end --------------------------------------------------------------------------------

@dataclass
class Timed:
    seconds: float
    largest_rss: int = 0
    tree_rss: int = 0


def e2e(inputs: Sequence[Path], roster: Path, plan: dict[str, Any], out: Path, jobs: int | None) -> Timed:
    """`python -m cds_batch run` as a subprocess, with its process tree's memory sampled."""
    cmd = [sys.executable, "-m", "cds_batch", "run", *map(str, inputs), "--roster", str(roster),
           "--round", plan["round"], "--office", plan["office"], "--out", str(out)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with PeakMemory(proc.pid, fresh=True) as mem:
        stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):   # 1: done, some school must fix something
        raise RuntimeError(f"cds-batch run exited {proc.returncode}: {stderr.decode()[-2000:]}")
    return Timed(seconds, mem.largest, mem.total)


# --- 3. the stage -------------------------------------------------------------------------------------

def stage(todo: Sequence[Entry], roster: Path, plan: dict[str, Any], jobs: int | None) -> Timed:
    """`examine_all` on the discovered workbooks, as `run_district` calls it (the command's default
    rubrics, the roster, the round); only it is timed."""
    ctx = Context(default_rubrics((), load_rubric, builtin_ids()), load_roster(roster), plan["round"])
    with PeakMemory(os.getpid(), fresh=False) as mem:
        start = time.perf_counter()
        examine_all(todo, ctx, jobs)
        seconds = time.perf_counter() - start
    return Timed(seconds, mem.largest, mem.total)


# --- 7. the machine -------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python, OS, and the load average before the measurement."""
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "os": platform.platform(terse=True), "load_before": load()}


def code_digest() -> str:
    """SHA-256 of cds_batch's sources: a change between the runs (others editing) voids the comparison."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "cds_batch").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load() -> float:
    """The 1-minute load average: on a shared machine, what else was running (0 where unknown)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return 0.0


# --- the report ---------------------------------------------------------------------------------------------

def mb(n: int) -> str:
    """Bytes as whole MiB; a dash when not sampled."""
    return f"{n / 2**20:.0f} MB" if n else "—"


def table(r: dict[str, Any]) -> str:
    """The figures as a markdown table to paste into the README."""
    m, c = r["machine"], r["corpus"]
    rows = [("floor: calamine reads every sheet + defined names", r["floor"], c["workbooks"]),
            ("stage: read + validate + score (`examine_all`)", r["stage"], c["workbooks"])]
    if "first_run" in r:
        rows.insert(1, ("`cds-batch run` end to end (first run)", r["first_run"], c["workbooks"]))
        rows.append(("second run: inbox + late/ into the same --out", r["second_run"], c["workbooks_second"]))
    units = f" over {c['units']} units (the roster's Đơn vị quản lý)" if c.get("units") else ""
    lines = [f"Corpus: {c['schools']} schools{units}, {c['workbooks']} workbooks ({c['formats']}), "
             f"{c['entries']} files and members; jobs: {r['jobs'] or 'default'}.", "",
             "| step | wall time | workbooks/s | peak RSS, largest process | peak RSS, process tree |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for label, t, n in rows:
        lines.append(f"| {label} | {t['seconds']:.1f} s | {n / t['seconds']:.0f} | {mb(t.get('largest_rss', 0))} "
                     f"| {mb(t.get('tree_rss', 0))} |")
    lines += ["", f"Stage throughput / floor throughput: **{r['stage_vs_floor']:.2f}** "
              f"(the stage reads, checks and scores at {100 * r['stage_vs_floor']:.0f} % of the speed of a bare read)."]
    if "first_run" in r:
        lines.append(f"First run / second run wall time: **{r['first_vs_second']:.2f}**.")
    if r["code_changed"]:
        lines.append("⚠️ cds_batch's code changed during the measurement: the figures mix two versions.")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, {m['os']}; "
                 f"load average {m['load_before']} before, {r['load_after']} after.")
    return "\n".join(lines)


def corpus_facts(plan: dict[str, Any], entries: Sequence[Entry], todo: Sequence[Entry], late: Path) -> dict[str, Any]:
    """What the measured inbox holds: schools, workbooks by format, ledger entries."""
    formats: dict[str, int] = {}
    for e in todo:
        formats[e.kind.value] = formats.get(e.kind.value, 0) + 1
    late_n = sum(1 for p in late.rglob("*") if p.is_file())
    return {"schools": plan["schools_count"], "units": plan.get("units", 0), "workbooks": len(todo),
            "entries": len(entries),
            "formats": ", ".join(f"{k} {v}" for k, v in sorted(formats.items())),
            "workbooks_second": len(todo) + late_n, "generated_in_s": plan["generated_in_s"]}


def measure(corpus: Path, jobs: int | None, skip_e2e: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Steps 1 to 7 on the corpus in `corpus`; the figures as a JSON-ready dict."""
    plan = json.loads((corpus / "plan.json").read_text(encoding="utf-8"))
    roster, inbox, late, out = corpus / "roster.csv", corpus / "inbox", corpus / "late", corpus / "bench-out"
    report: dict[str, Any] = {"jobs": jobs, "machine": machine()}
    code = code_digest()
    with private_workdir() as work:   # the members discover extracts live as long as this folder
        started = time.perf_counter()
        entries = discover([inbox], work)
        todo = [e for e in entries if e.fate is None]
        log(f"discover (untimed below): {time.perf_counter() - started:.1f} s, {len(todo)} workbooks")
        report["corpus"] = corpus_facts(plan, entries, todo, late)
        seconds, failed = floor([e.path for e in todo if e.path is not None], jobs)
        report["floor"] = {"seconds": seconds, "unreadable": failed}
        log(f"floor: {seconds:.1f} s")
        if not skip_e2e:
            shutil.rmtree(out, ignore_errors=True)   # the first run starts from nothing
            report["first_run"] = vars(e2e([inbox], roster, plan, out, jobs))
            log(f"first run: {report['first_run']['seconds']:.1f} s")
        report["stage"] = vars(stage(todo, roster, plan, jobs))
        log(f"stage: {report['stage']['seconds']:.1f} s")
    report["stage_vs_floor"] = report["floor"]["seconds"] / report["stage"]["seconds"]
    if not skip_e2e:
        report["second_run"] = vars(e2e([inbox, late], roster, plan, out, jobs))
        log(f"second run: {report['second_run']['seconds']:.1f} s")
        report["first_vs_second"] = report["first_run"]["seconds"] / report["second_run"]["seconds"]
    report["load_after"] = load()
    report["code_changed"] = code_digest() != code
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--schools", type=int, help="generate a corpus of N schools when --corpus does not exist")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores; the tool's default)")
    parser.add_argument("--skip-e2e", action="store_true", help="skip the end-to-end runs (2 and 6)")
    parser.add_argument("--no-libreoffice", action="store_true", help="generate without LibreOffice-saved files")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    args = parser.parse_args()
    if not (args.corpus / "plan.json").exists():
        if not args.schools:
            parser.error(f"{args.corpus} holds no corpus: give --schools N to generate one")
        make_corpus.generate(args.corpus, args.schools, args.seed, args.jobs,
                             lo_share=0.0 if args.no_libreoffice else 0.02)
    report = measure(args.corpus, args.jobs, args.skip_e2e, lambda text: print(text, file=sys.stderr, flush=True))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
