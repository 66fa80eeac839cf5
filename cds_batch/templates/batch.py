"""Templates, batch: every template of a roster, written in this process or over a pool of processes.

In: the rubrics by key, the (rubric key, school or None) wanted, the folder and the `Issue`.
Out: the files (`writer.write_school_template`), named by `naming.template_names`, their paths in
order; a progress call after each. The same bytes whichever way they were written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from cds_batch.core.parallel import pool_size, spawn_map
from cds_batch.core.windows import extended
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.naming import template_names
from cds_batch.templates.text import Issue
from cds_batch.templates.writer import checked_contract, write_school_template

# With the default number of jobs, fewer templates than this are written in-process. Starting
# "spawn" workers (a new interpreter and its imports) took 0.35 s on the 2-core Linux VM, where a
# pool of two paid off from about 20 templates (benchmarks/bench_templates.py); Windows starts
# processes several times slower, hence the margin.
SERIAL_BELOW = 40


def write_school_templates(rubrics: Mapping[str, Rubric], wanted: Sequence[tuple[str, SchoolInfo | None]],
                           out_dir: Path, issue: Issue, *, jobs: int | None = None,
                           on_done: Callable[[Path], None] | None = None) -> list[Path]:
    """`write_school_template` for every (rubric key, school or None) of `wanted`; the paths in that order.

    Runs over `jobs` processes ("spawn", as on Windows); by default the cores, or in-process for fewer
    than SERIAL_BELOW templates. An explicit `jobs` > 1 always uses the pool. The files are the same
    bytes either way. A rubric whose names clash stops the run before any file is written.

    :param rubrics: key (as `wanted` names it) → rubric; each reaches a worker once, not per file.
    :param on_done: called in this process after each file, in order, for a progress bar.
    """
    for rubric in {id(r): r for r in rubrics.values()}.values():
        checked_contract(rubric)
    out_dir = extended(out_dir)   # a folder deep enough for Windows' 260-character limit (`core.windows`)
    names = template_names(rubrics, wanted, issue.round_label)
    jobs_named = [(key, school, name) for (key, school), name in zip(wanted, names)]
    workers = pool_size(jobs, len(wanted), SERIAL_BELOW)
    written: Iterable[Path]
    if workers == 1:
        written = (write_school_template(rubrics[key], out_dir, school, issue, name)
                   for key, school, name in jobs_named)
    else:
        # Chunks of a few files: each costs ~30 ms, so the round trip per chunk is noise, and small
        # chunks keep both workers busy to the end and the progress bar moving.
        written = spawn_map(_write_in_worker, jobs_named, workers=workers, max_chunk=8, initializer=_init_worker,
                            initargs=(dict(rubrics), out_dir, issue))
    return [_report(p, on_done) for p in written]


def _report(path: Path, on_done: Callable[[Path], None] | None) -> Path:
    if on_done is not None:
        on_done(path)
    return path


# What every worker of the pool needs, set once by the pool initializer (picklable under "spawn").
_WORKER: tuple[Mapping[str, Rubric], Path, Issue] | None = None


def _init_worker(rubrics: Mapping[str, Rubric], out_dir: Path, issue: Issue) -> None:
    global _WORKER
    _WORKER = (rubrics, out_dir, issue)


def _write_in_worker(job: tuple[str, SchoolInfo | None, str]) -> Path:
    assert _WORKER is not None
    rubrics, out_dir, issue = _WORKER
    return write_school_template(rubrics[job[0]], out_dir, job[1], issue, job[2])
