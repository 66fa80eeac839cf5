"""The district run: inbox → discover → intake (read, identify, validate, score) → consolidate → report.

In: `RunOptions` (inbox paths, roster, rubrics, round, office, an earlier run's folder, output folder).
Out: the output folder, the run's files committed together (`core.commit`: written into a staging
folder inside it, then moved into place at once, so an interrupted run leaves the previous run's):
  tong-hop.xlsx        the summary workbook leaders read and sign
  tong-hop.csv         its Tổng hợp sheet for Excel on a Vietnamese Windows (";", decimal comma, UTF-8 with BOM)
  results.json         one object per school;  ledger.json  one object per input entry
  results.csv          results.json flattened for scripts (RFC 4180, "." decimals, ISO times)
  phan-hoi/<mã>_phan-hoi.xlsx   what each school that sent a file must fix (or that it is valid)
  danh-gia-ngoai.xlsx  the evaluators' workbook; with --review also the recognition list and page (`run_review`)
and a `RunReport` for the command line to summarise. Library code: no printing, no exiting.
"""
from __future__ import annotations

import gc
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, replace
from itertools import count
from pathlib import Path
from typing import Callable, Sequence

from cds_batch.core.atomic import remove_leftovers
from cds_batch.core.commit import Staging, scratch_folder, staged
from cds_batch.core.parallel import spawn_pool
from cds_batch.district.cache import RunCache, inputs_digest
from cds_batch.district.consolidate import District, SchoolRow, consolidate
from cds_batch.intake.discover import discover, private_workdir
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Finding
from cds_batch.checking.examine import Context, Submission
from cds_batch.district.limits import RunLimits
from cds_batch.district.pool import SERIAL_BELOW, Workers, default_jobs, examine_all, worker_pool
from cds_batch.reports.data_files import ledger, results, write_excel_csv, write_json, write_results_csv
from cds_batch.reports.contract import (
    FEEDBACK, FEEDBACK_SUFFIX, LEDGER, RESULTS, RESULTS_CSV, SUMMARY, SUMMARY_CSV, SchoolRecord, read_ledger,
    read_results
)
from cds_batch.district.recognition import Recognition, Review, recognise
from cds_batch.reports.feedback import feedback_names, review_note, write_feedback_many
from cds_batch.reports.findings_file import write_findings
from cds_batch.reports.summary import write_summary
from cds_batch.reports.tables import overview
from cds_batch.review.read import read_reviews
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.reports.rounds import Change, compare
from cds_batch.rubric.model import Rubric
from cds_batch.review.write import BIG_ROWS
from cds_batch.pipeline.review_outputs import ReviewBooks, ReviewPlan, plan_review_books, write_recognition

# The submissions live until the run ends. Frozen every so many, the garbage collector stops walking them
# again: a province's 43,650 cost this process 7 s of collections, as long as a worker takes for 1,800 files.
FREEZE_EVERY = 1000


@dataclass(frozen=True)
class RunOptions:
    inputs: tuple[Path, ...]
    roster: tuple[SchoolInfo, ...]
    rubrics: tuple[Rubric, ...]          # the first is the default for schools the roster does not assign
    out: Path
    round_label: str = ""
    office: str = ""
    previous: Path | None = None         # an earlier run's output folder
    jobs: int | None = None
    limits: RunLimits = RunLimits()
    reviews: tuple[Path, ...] = ()       # review workbooks the evaluators filled (--review)
    signer: str = ""                     # the annex's signer title as typed; "" = from the office (`core.office`)


@dataclass(frozen=True)
class RunReport:
    district: District
    files: int                            # ledger entries (input files and members)
    workbooks: int                        # entries read as workbooks
    changes: tuple[Change, ...] | None
    feedback: tuple[Path, ...]
    cached: int = 0                       # workbooks whose reading an earlier run into `out` had done
    review_books: ReviewBooks = ReviewBooks((), (), ())
    recognition: Recognition | None = None
    review_findings: tuple[Finding, ...] = ()
    recognition_files: tuple[Path, ...] = ()


class Progress:
    """Callbacks the command line gives to show a progress bar; all optional."""

    def __init__(self, start: Callable[[int], None] | None = None,
                 step: Callable[[Submission], None] | None = None) -> None:
        self.start = start
        self.step = step


def run_district(opts: RunOptions, progress: Progress | None = None) -> RunReport:
    """Run the whole district job; raises CdsBatchError when it cannot run at all."""
    previous = _previous(opts.previous)
    # Read before the inbox: a review that cannot be used stops the run before minutes of reading.
    review = read_reviews(opts.reviews, opts.rubrics, round_label=opts.round_label, roster=opts.roster)
    ctx = Context(opts.rubrics, opts.roster, opts.round_label, opts.limits.read, _had_before(opts.previous, previous))
    try:
        with closing(RunCache(opts.out, ctx)) as cache:
            return _run(opts, ctx, cache, previous, review, progress)
    finally:
        gc.unfreeze()   # what the run froze is collected again: `serve` runs round after round in one process


def _run(opts: RunOptions, ctx: Context, cache: RunCache, previous: list[SchoolRecord] | None,
         review: Review | None, progress: Progress | None) -> RunReport:
    remove_leftovers(opts.out, opts.out / FEEDBACK)   # from a run of an earlier version killed while writing
    # The staging folder is made now: an output folder that cannot be written stops the run before
    # minutes of reading; and a commit a killed run left is finished first (`staged`).
    with staged(opts.out) as stage:
        return _run_staged(opts, ctx, cache, previous, review, progress, stage)


def _run_staged(opts: RunOptions, ctx: Context, cache: RunCache, previous: list[SchoolRecord] | None,
                review: Review | None, progress: Progress | None, stage: Staging) -> RunReport:
    with _early_workers(opts, ctx, cache) as workers, private_workdir() as work:
        entries = discover(list(opts.inputs), work, opts.limits.inbox, skip=opts.out)
        todo = [e for e in entries if e.fate is None]
        if progress and progress.start:
            progress.start(len(todo))
        step = _freezing(progress.step if progress else None)
        cached = cache.lookup(todo)
        fresh = iter(examine_all([e for e in todo if e.source not in cached], ctx, opts.jobs, step, workers,
                                 opts.limits.file_seconds))
        for s in cached.values():
            step(s)
        submissions = [cached.get(e.source) or next(fresh) for e in todo]
        cache.store(submissions)
    district = consolidate(entries, submissions, opts.roster, carried_over(previous))
    recognition = recognise(district, review, opts.rubrics) if review is not None else None
    changes = compare(previous, results(district, opts.office, recognition)) if previous is not None else None
    feedback = _FeedbackPlan(district, opts, cache, recognition)
    review_books = plan_review_books(district, opts.rubrics, opts.out, cache, office=opts.office,
                                     round_label=opts.round_label, prior=review, read_from=opts.reviews)
    # Every file goes into the staging folder (`stage.place`), and all move into place at `stage.commit`.
    # The feedback files are written by their process pool, and big review workbooks each by a process of
    # its own, while this process writes the summary: the thread that drives the pool only waits on it
    # (3,000 schools on two cores: 51.7 s → 44.9 s end to end), and a second run, whose few feedback
    # files are written in-process, still uses both cores. A province's two review workbooks written one
    # after the other were the last 33 s of its run, with one core idle. Everything read and planned so
    # far lives until the end: frozen, the garbage collector stops walking it while the writers allocate
    # (4 s of this process at 45,000 schools). Ctrl+C here waits for the files being written, then the
    # staging folder is removed and the output folder is as the previous run left it.
    gc.freeze()
    with ThreadPoolExecutor(1) as background, scratch_folder("review") as spool, \
            _review_writer(review_books) as reviewer:   # the writers end before their spool is removed
        writing = background.submit(feedback.write, opts, stage)
        reviewing = [reviewer.submit(part) for part in review_books.parts(stage, spool)] if reviewer is not None \
            else []
        write_summary(district, opts.rubrics, stage.place(opts.out / SUMMARY), office=opts.office,
                      round_label=opts.round_label, changes=changes, recognition=recognition)
        write_excel_csv(stage.place(opts.out / SUMMARY_CSV), overview(district, opts.rubrics, opts.office))
        # Made here, not held through the writing: every school's object is about 1.8 KB (80 MB at 45,000).
        records = results(district, opts.office, recognition)
        write_json(stage.place(opts.out / RESULTS), records)
        write_results_csv(stage.place(opts.out / RESULTS_CSV), records)
        del records
        write_json(stage.place(opts.out / LEDGER), ledger(district))
        write_findings(stage.root, district)
        made = write_recognition(recognition, district, stage, office=opts.office, round_label=opts.round_label,
                                 rubrics=opts.rubrics, signer=opts.signer) if recognition is not None else ()
        if reviewer is None:
            for part in review_books.parts(stage):
                part()
        for future in reviewing:
            future.result()
        written = writing.result()
    feedback.done(cache, written, stage)
    books = review_books.done(cache, stage)
    stage.commit()
    cache.committed()
    return RunReport(district, len(entries), len(todo), changes, feedback.paths, cache.hits, books, recognition,
                     review.findings if review is not None else (), made)


def _freezing(step: Callable[[Submission], None] | None) -> Callable[[Submission], None]:
    """`step` for each submission, and a `gc.freeze()` every FREEZE_EVERY of them."""
    read = count(1)

    def done(s: Submission) -> None:
        if next(read) % FREEZE_EVERY == 0:
            gc.freeze()
        if step is not None:
            step(s)
    return done


def _review_writer(plan: ReviewPlan) -> AbstractContextManager[ProcessPoolExecutor | None]:
    """A process per review workbook (up to the cores) when they are big enough to pay for its start
    (about a second)."""
    if plan.rows < BIG_ROWS:
        return nullcontext(None)
    return spawn_pool(min(len(plan.todo), os.cpu_count() or 1))


def _early_workers(opts: RunOptions, ctx: Context, cache: RunCache) -> AbstractContextManager[Workers | None]:
    """The reading pool, started before discover when the inbox holds enough files to use it, so the
    workers start (about a second under "spawn") while the inbox is walked. Not when the cache is
    warm: a second run reads only its few new files."""
    if cache.warm or default_jobs(opts.jobs, _count_files(opts.inputs, SERIAL_BELOW)) <= 1:
        return nullcontext(None)
    return worker_pool(ctx, default_jobs(opts.jobs, SERIAL_BELOW))


def _count_files(inputs: Sequence[Path], enough: int) -> int:
    """The files under `inputs`, counted up to `enough`."""
    count = 0
    for path in inputs:
        if path.is_dir():
            for _, _, files in os.walk(path):
                count += len(files)
                if count >= enough:
                    return count
        else:
            count += 1
    return count


def carried_over(previous: Sequence[SchoolRecord] | None) -> frozenset[str]:
    """The SHA-256 of every file the previous run used: found again in the mailbox, it is carried over."""
    return frozenset(str(r["sha256"]) for r in previous or () if r.get("sha256"))


def _had_before(folder: Path | None, previous: Sequence[SchoolRecord] | None) -> frozenset[str]:
    """The SHA-256 of every file the previous run had: those it used, and every other its ledger lists
    (an older file a school replaced is still in the mailbox, and of that round too)."""
    if folder is None:
        return frozenset()
    try:
        listed = frozenset(str(e.get("sha256")) for e in read_ledger(folder) if e.get("sha256"))
    except (OSError, ValueError):   # a ledger lost or from elsewhere: the files it used are enough
        listed = frozenset()
    return carried_over(previous) | listed


def _previous(folder: Path | None) -> list[SchoolRecord] | None:
    if folder is None:
        return None
    try:
        return read_results(folder)
    except (OSError, ValueError) as exc:
        raise CdsBatchError(f"Không đọc được kết quả đợt trước trong '{folder}' (cần tệp {RESULTS} do "
                            f"cds-batch run ghi): {exc}") from exc


class _FeedbackPlan:
    """Every school's feedback file: which to write (one whose inputs did not change since the last run
    is left as is, untouched by the commit), written by `write` into the staging folder (in another thread:
    no cache use there), then recorded by `done`.
    A school whose criteria the review changed or commented on, or that it returns for more evidence, gets
    the decision, the changes and the comments in its file (`review_note`); what is shown is digested,
    so a changed review rewrites the file."""

    def __init__(self, district: District, opts: RunOptions, cache: RunCache, recognition: Recognition | None) -> None:
        self.folder = opts.out / FEEDBACK
        self.by_id = {r.id: r for r in opts.rubrics}
        notes = ((s.code, review_note(s)) for s in (recognition.schools if recognition is not None else ()))
        self.reviews = {code: note for code, note in notes if note is not None}
        self.todo: list[tuple[SchoolRow, str]] = []
        paths: list[Path] = []
        self.names = feedback_names(row.info.code for row in district.schools if row.used is not None)
        for row in district.schools:
            if row.used is None:
                continue
            rubric = self.by_id.get(row.used.rubric_id)
            target = self.folder / self.names[row.info.code]
            paths.append(target)
            inputs = inputs_digest(cache.fingerprint, _files_of(row), rubric.content_hash if rubric else None,
                                   opts.office, opts.round_label, self.reviews.get(row.info.code))
            if not cache.unchanged(target, inputs):
                self.todo.append((row, inputs))
        self.paths = tuple(paths)

    def write(self, opts: RunOptions, stage: Staging) -> list[Path]:
        """Write the files to write into `stage`; their staged paths."""
        return write_feedback_many([row for row, _ in self.todo], self.by_id, stage.place(self.folder),
                                   office=opts.office, round_label=opts.round_label, jobs=opts.jobs, names=self.names,
                                   reviews=self.reviews)

    def done(self, cache: RunCache, written: list[Path], stage: Staging) -> None:
        """Record the files written, and have the commit remove the files of schools this run has none for."""
        cache.written(list(zip(written, (inputs for _, inputs in self.todo))))
        keep = set(self.paths)
        for stale in self.folder.glob(f"*{FEEDBACK_SUFFIX}"):   # a school's file from an earlier run into this folder
            if stale not in keep:
                stage.drop(stale)


def _files_of(row: SchoolRow) -> tuple[object, ...]:
    """What a school's feedback page is made from besides the run's fingerprint: its roster line, status and
    the ledger entries of its files, without their private working paths (which differ from run to run).
    Each file's reading follows from its entry and the fingerprint, as the cache itself relies on, so
    the readings need not be digested: that cost a province's run seconds."""
    files = (row.used, *row.superseded) if row.used is not None else row.superseded
    return row.info, row.status, tuple(replace(s.entry, path=None) for s in files)


def default_rubrics(sources: Sequence[str], load: Callable[[str], Rubric],
                    builtin: Sequence[str]) -> tuple[Rubric, ...]:
    """The rubrics given with --rubric, else every built-in one (the national rubric first)."""
    chosen = list(sources) or sorted(builtin, key=lambda rid: (not rid.startswith("qd4725"), rid))
    return tuple(load(s) for s in chosen)
