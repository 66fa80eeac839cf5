"""Builders: the benchmark corpus — a district's (or province's) returned workbooks, as they come back.

In: an output folder, a number of schools and a seed. Out, in the folder: roster.csv, inbox/ (the files
of ~97 % of the schools), late/ (ceil(1 % of N) files of schools missing from inbox/, the second run's new
files) and plan.json (per school the expected status, per file what it holds, counts, timings). The
workbooks are written by a spawn process pool (`stencil`), some re-saved by LibreOffice in batches
(`office`), then packaged (`corpus_files`). The same N and seed give the same corpus (LibreOffice's own
output and the timings aside).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterable

from cds_batch.templates.text import Issue

from . import stencil
from .archives import stamp
from .corpus_files import Folder, package, place_late
from .corpus_plan import (DEADLINE, LO_FORMATS, OFFICE, ROUND, Copy, Role, make_schools, plan_roles, with_corpus_units,
                          write_roster)
from .office import soffice_batch

LO_BATCH = 250          # files per soffice start


# --- workbooks ----------------------------------------------------------------------------------------

def make_workbooks(copies: list[Copy], staging: Path, jobs: int, mode: str) -> dict[str, int]:
    """Write every copy's filled .xlsx into `staging` over a spawn process pool (in-process for one job);
    count how the templates were made."""
    issue = Issue(ROUND, OFFICE, DEADLINE)
    work = []
    for c in copies:
        c.staged = staging / f"{c.school.code}-{c.version}.xlsx"
        work.append(stencil.Job(c.school, c.school.rubric, issue, c.key, c.profile, str(c.staged), stamp(c.saved)))
    if jobs == 1:   # no pool: a spawned worker costs more than a small corpus
        return count_templates(map(stencil.Worker(mode, 100).make, work))
    chunk = max(1, min(64, len(work) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=stencil.init_worker,
                             initargs=(mode, 100)) as pool:
        return count_templates(pool.map(stencil.make_in_worker, work, chunksize=chunk))


def count_templates(results: Iterable[stencil.Made]) -> dict[str, int]:
    """How many templates came from the writer, from a stencil, from a stencil checked against the writer."""
    made: dict[str, int] = {}
    for result in results:
        made[result.template] = made.get(result.template, 0) + 1
    return made


def resave(copies: list[Copy], fmt: str, outdir: Path) -> dict[Path, Path]:
    """One soffice start saving `copies` as `fmt`, without thumbnails (the profile switch saves ~30 % on .ods)."""
    return soffice_batch([c.staged for c in copies], fmt, outdir, timeout=120 + 3 * len(copies), thumbnails=False)


def libreoffice(copies: list[Copy], staging: Path, jobs: int) -> int:
    """Re-save the copies meant as LibreOffice files, one soffice start per batch, `jobs` batches at a time."""
    batches = []
    for fmt in LO_FORMATS:
        mine = [c for c in copies if c.fmt == fmt]
        for i in range(0, len(mine), LO_BATCH):
            batches.append((fmt, mine[i:i + LO_BATCH]))
    if not batches:
        return 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(lambda b: (b[1], resave(b[1], b[0], staging / b[0])), batches))
    for group, saved in done:
        for c in group:
            c.staged = saved[c.staged]
    return len(batches)


# --- the plan and the whole corpus ---------------------------------------------------------------------

def school_records(roles: list[Role], files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per school: its role, expected statuses, the ledger sources of its files and the one to be used."""
    sources: dict[str, list[str]] = {}
    by_key: dict[str, str] = {}
    for f in files:
        for m in f.get("members") or [f]:
            sources.setdefault(m["school"], []).append(m.get("source", f["source"]))
            if "key" in m:
                by_key[m["key"]] = m["source"]
    return [school_record(r, sorted(sources.get(r.school.code, [])), by_key) for r in roles]


def school_record(role: Role, sources: list[str], by_key: dict[str, str]) -> dict[str, Any]:
    used = by_key[role.copies[role.used].key] if role.status != "missing" else None
    return {"code": role.school.code, "name": role.school.name, "rubric": role.school.rubric, "role": role.kind,
            "status": role.status, "status_second_run": "valid" if role.kind == "late" else role.status,
            "sure": True, "sources": sources, "used": used,
            "profiles": [c.profile for c in role.copies], "formats": [c.fmt for c in role.copies]}


class Phases:
    """Wall time per phase of the generation, printed as each one ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.start = self.clock = time.perf_counter()

    def end(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.clock, 2)
        self.clock = now
        print(f"  {name}: {self.seconds[name]:.1f} s", flush=True)

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def tally(items: Iterable[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in items:
        counted[item] = counted.get(item, 0) + 1
    return counted


def generate(out: Path, n: int, seed: int = 1, jobs: int | None = None, writer: bool = False,
             lo_share: float = 0.02, units: int = 0) -> dict[str, Any]:
    """Write the whole corpus into `out` (which must not hold one yet); return the plan.

    :param units: with 2 or more, the roster names each school's management unit ("Đơn vị quản lý") among
        that many (`with_corpus_units`), drawn apart from everything else: the inbox is the same as without.
    """
    if (out / "plan.json").exists() or (out / "inbox").exists():
        raise FileExistsError(f"{out} already holds a corpus; remove it first")
    jobs = jobs or os.cpu_count() or 1
    phases = Phases()
    schools = make_schools(n, random.Random(f"{seed}:names"))
    (out / "_staging").mkdir(parents=True)
    write_roster(out / "roster.csv",
                 with_corpus_units(schools, units, random.Random(f"{seed}:units")) if units else schools)
    roles, late = plan_roles(schools, seed, lo_share)
    phases.end("plan")
    copies = [c for r in roles for c in r.copies]
    templates = make_workbooks(copies, out / "_staging", jobs, "writer" if writer else "stencil")
    phases.end("workbooks")
    batches = libreoffice(copies, out / "_staging", jobs)
    phases.end("libreoffice")
    files = package([r for r in roles if r.kind != "late"], Folder(out / "inbox", "inbox"), random.Random(seed))
    files += place_late(late, out, seed)
    shutil.rmtree(out / "_staging")
    phases.end("packaging")
    plan = {"schools_count": n, "seed": seed, "round": ROUND, "office": OFFICE, "jobs": jobs, "lo_share": lo_share,
            "units": units, "templates": templates, "libreoffice_batches": batches, "generated_in_s": phases.total,
            "phases_s": phases.seconds,
            "counts": {"files": tally(f["kind"] for f in files), "roles": tally(r.kind for r in roles),
                       "workbooks": len(copies), "status": tally(r.status for r in roles)},
            "schools": school_records(roles, files), "files": files}
    (out / "plan.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    phases.end("plan.json")
    return plan
