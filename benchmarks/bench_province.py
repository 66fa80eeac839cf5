"""Benchmark: the province roll-up of a merged province's units' results (`cds-batch province`).

Run: python benchmarks/bench_province.py [--schools 3000] [--units 120] [--results FILE] [--out DIR] [--json FILE]
Builds the results 120 units send a Sở, then times `cds-batch province` over them as a subprocess:
  - the results: with --results, the records of a direct run (its results.json, e.g. of the 3,000-school
    corpus of bench_run.py) dealt round-robin into the units; else `--schools` records made here with
    the national rubric's criteria (seeded: 3 % missing, 10 % to fix, the rest valid, levels spread);
  - each unit's result as a commune sends it: a third as output folders (results.json), a third as a
    mailed summary workbook (the payload sheet a district summary carries), a third as zipped folders;
    three units send twice (an older result first); one unit sends nothing;
  - the province roster (Đơn vị quản lý), so the units that have not reported are listed too;
  - measured: wall time of the whole command, the peak memory of its process (VmHWM), and, in this
    process, the time of loading the inputs, the roll-up and writing the outputs.
Prints a markdown table for the README and, with --json, writes the same figures to FILE.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout without installing

from cds_batch.pipeline.district_run import default_rubrics  # noqa: E402
from cds_batch.province.load import load_reports  # noqa: E402
from cds_batch.province.report import write_province  # noqa: E402
from cds_batch.province.rollup import roll_up  # noqa: E402
from cds_batch.reading.roster_file import load_roster  # noqa: E402
from cds_batch.reports.contract import PAYLOAD_SHEET, RECORD_VERSION, SUMMARY, payload_cells  # noqa: E402
from cds_batch.rubric import builtin_ids, load_rubric  # noqa: E402

from bench_run import PeakMemory, machine  # noqa: E402  (the sibling script: memory sampling, the machine)

RUBRIC = "qd4725-phothong"
PROVINCE = "Tỉnh Ninh Bình"
ROSTER_HEADER = ("Mã trường", "Tên trường", "Cấp học", "Xã/Phường", "Tỉnh/Thành phố", "Đơn vị quản lý")
SENT_TWICE, SILENT = 3, 1


# --- the records -------------------------------------------------------------------------------------

def unit_name(n: int) -> str:
    return f"UBND xã Số {n:03d}"


def made_records(schools: int, units: int, seed: int) -> list[dict[str, Any]]:
    """`schools` version-3 records as a commune's run writes them, dealt round-robin into `units` units."""
    rng = random.Random(seed)
    rubric = load_rubric(RUBRIC)
    records = []
    for k in range(schools):
        unit = unit_name(k % units + 1)
        status = "missing" if rng.random() < 0.03 else "needs_fix" if rng.random() < 0.1 else "valid"
        strength = rng.uniform(0.2, 1.0)
        groups, criteria = [], {}
        if status != "missing":
            for g in rubric.groups:
                points = {c.code: round(float(c.max_points) * min(1.0, strength + rng.uniform(-0.2, 0.2)))
                          for c in g.criteria if c.max_points}
                criteria.update(points)
                score, top = sum(points.values()), float(g.effective_max)
                level = 3 if score >= 0.8 * top else 2 if score >= 0.5 * top else 1
                groups.append({"id": g.id, "score": score, "max": top, "level": level, "level_name": f"Mức {level}",
                               "failed_conditions": []})
        code = f"{100000 + k}"
        records.append({
            "school_code": code, "school_name": f"Trường số {code}", "level_of_education": "Tiểu học",
            "commune": unit.removeprefix("UBND "), "district": "", "office": unit, "unit": unit,
            "rubric_id": RUBRIC, "status": status, "provisional": status == "needs_fix", "groups": groups,
            "overall_level": min((g["level"] for g in groups), default=None), "criteria": criteria,
            "source": None if status == "missing" else f"{code}.xlsx", "sha256": None,
            "received_at": None if status == "missing" else f"2026-10-{1 + k % 28:02d}T08:00:00+07:00",
            "errors": int(status == "needs_fix"), "warnings": 0, "recognition": None,
            "record_version": RECORD_VERSION})
    return records


def direct_records(path: Path, units: int) -> list[dict[str, Any]]:
    """A direct run's records, each school dealt into one of `units` units (its office: that unit's)."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return [{**r, "unit": unit_name(k % units + 1), "office": unit_name(k % units + 1)}
            for k, r in enumerate(records)]


# --- what the units send -------------------------------------------------------------------------------

def summary_workbook(path: Path, records: list[dict[str, Any]]) -> None:
    """A unit's tong-hop.xlsx as far as the province reads it: the hidden payload sheet."""
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Tổng hợp").write(0, 0, "Tổng hợp")
    hidden = wb.add_worksheet(PAYLOAD_SHEET)
    hidden.write_column(0, 0, list(payload_cells(records)))
    hidden.hide()
    wb.close()


def result_folder(folder: Path, records: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    summary_workbook(folder / SUMMARY, records)
    return folder


def build(out: Path, records: list[dict[str, Any]], units: int) -> dict[str, Any]:
    """The inbox of the Sở (`out/nhan`) and its roster (`out/ds-truong-tinh.csv`)."""
    inbox = out / "nhan"
    inbox.mkdir(parents=True)
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_unit.setdefault(r["unit"], []).append(r)
    with (out / "ds-truong-tinh.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ROSTER_HEADER)
        writer.writerows((r["school_code"], r["school_name"], r["level_of_education"], r["commune"], PROVINCE,
                          r["unit"]) for r in records)
    forms = {"folder": 0, "mailed": 0, "zip": 0}
    for n, (unit, schools) in enumerate(sorted(by_unit.items())):
        if n >= len(by_unit) - SILENT:
            continue   # has not sent its results
        slug = f"xa-{n + 1:03d}"
        if n < SENT_TWICE:   # an older result first, before its last schools had sent
            early = [{**s, "status": "missing", "groups": [], "received_at": None} if k % 4 == 0 else s
                     for k, s in enumerate(schools)]
            summary_workbook(inbox / f"{slug} (ban dau).xlsx", early)
        form = ("folder", "mailed", "zip")[n % 3]
        forms[form] += 1
        if form == "mailed":
            summary_workbook(inbox / f"Bao cao CDS {slug}.xlsx", schools)
        elif form == "folder":
            result_folder(inbox / f"ket-qua-{slug}", schools)
        else:
            folder = result_folder(out / "_zip" / f"ket-qua-{slug}", schools)
            with zipfile.ZipFile(inbox / f"ket-qua-{slug}.zip", "w", zipfile.ZIP_DEFLATED) as z:
                for file in sorted(folder.rglob("*")):
                    z.write(file, file.relative_to(folder.parent).as_posix())
    shutil.rmtree(out / "_zip", ignore_errors=True)
    return {"units": len(by_unit), "schools": len(records), "forms": forms, "sent_twice": SENT_TWICE,
            "silent": SILENT, "inbox_mib": round(sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file())
                                                 / 2 ** 20, 1)}


# --- the measurements ------------------------------------------------------------------------------------

def end_to_end(out: Path) -> dict[str, Any]:
    """`cds-batch province` as an office types it: wall time, exit code, peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cds_batch", "province", str(out / "nhan"), "--roster",
                             str(out / "ds-truong-tinh.csv"), "--out", str(out / "tinh")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with PeakMemory(proc.pid, fresh=True) as peak:
        stdout, stderr = proc.communicate()
        peak.sample()
    wall = time.perf_counter() - started
    line = stdout.strip().splitlines()[-1] if stdout.strip() else stderr
    return {"wall_s": round(wall, 2), "exit": proc.returncode, "peak_mib": round(peak.largest / 2 ** 20),
            "said": line}


def phases(out: Path) -> dict[str, float]:
    """The same roll-up in this process, timed by step."""
    rubrics = default_rubrics((), load_rubric, builtin_ids())
    roster = load_roster(out / "ds-truong-tinh.csv")
    t0 = time.perf_counter()
    reports, ledger = load_reports([out / "nhan"], roster, rubrics)
    t1 = time.perf_counter()
    rolled = roll_up(reports, ledger, roster)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_province(rolled, rubrics, Path(tmp) / "tong-hop-tinh.xlsx", title="Tổng hợp")
    t3 = time.perf_counter()
    return {"load_s": round(t1 - t0, 2), "roll_up_s": round(t2 - t1, 2), "workbook_s": round(t3 - t2, 2)}


def table(r: dict[str, Any]) -> str:
    b, e, p = r["built"], r["end_to_end"], r["phases"]
    return "\n".join((
        "| units (schools) | inputs | whole command | load / roll up / workbook | peak RSS |",
        "| --- | --- | ---: | ---: | ---: |",
        f"| {b['units']} ({b['schools']:,}) | {b['forms']['folder']} folders, {b['forms']['mailed']} mailed "
        f"workbooks, {b['forms']['zip']} zips, {b['sent_twice']} sent twice, {b['silent']} not sent "
        f"({b['inbox_mib']} MiB) | **{e['wall_s']} s** | {p['load_s']} / {p['roll_up_s']} / {p['workbook_s']} s "
        f"| {e['peak_mib']} MiB |"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path, help="a direct run's results.json to deal into the units")
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one, removed)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="cds_bench_province_"))
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out} is not empty")
    try:
        records = direct_records(args.results, args.units) if args.results else \
            made_records(args.schools, args.units, args.seed)
        built = build(out, records, args.units)
        report = {"built": built, "end_to_end": end_to_end(out), "phases": phases(out), "machine": machine()}
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    print(report["end_to_end"]["said"], file=sys.stderr)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
