"""Preparation shared by the command line and the web page: checked roster → rubrics → the job.

In: a roster already checked with `roster_file.check_roster` (its schools and findings), rubric sources
(built-in ids or files), the round's texts, the folders of the job.
Out: whether the roster can be used; the rubrics and the
list of templates `template` writes; the `RunOptions` of a district run; the province roll-up,
written. `cli` and `web` both call these, so
a round prepared on the page and one typed on the command line are the same job.

The roster check itself stays with the caller (`check_roster`): the command line shows its findings
on the console, the page in a table, and a test replaces it in `cli` to fail before any reading.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cds_batch.core.commit import staged
from cds_batch.core.windows import extended
from cds_batch.district.consolidate import Status
from cds_batch.core.findings import Finding, Severity
from cds_batch.district.limits import RunLimits
from cds_batch.reports.contract import LEDGER, PROVINCE_SUMMARY, RESULTS, RESULTS_CSV
from cds_batch.reports.data_files import ledger_records, write_json, write_results_csv
from cds_batch.province.load import load_reports
from cds_batch.province.rollup import Province, roll_up
from cds_batch.province.report import write_province
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric import builtin_ids, load_rubric
from cds_batch.rubric.model import Rubric
from cds_batch.pipeline.district_run import RunOptions, RunReport, default_rubrics
from cds_batch.core.text import clean


def roster_usable(found: Sequence[Finding]) -> bool:
    """Whether a roster with these findings can be used: it has no error (warnings are fine)."""
    return not any(f.severity is Severity.ERROR for f in found)


@dataclass(frozen=True)
class TemplatePlan:
    """What `write_school_templates` writes: one blank per rubric in use, then one file per school."""

    rubrics: dict[str, Rubric]                       # rubric source as given → rubric; the first is the default
    wanted: list[tuple[str, SchoolInfo | None]]      # (rubric source, school or None for a blank)

    @property
    def blanks(self) -> int:
        return len(self.rubrics)


def plan_templates(rubric_source: str, schools: Sequence[SchoolInfo]) -> TemplatePlan:
    """Load the default rubric and every rubric the roster's 'Bộ chỉ số' column names, before any file
    is written (a bad one raises RubricError), and list the templates to write."""
    rubrics = {rubric_source: load_rubric(rubric_source)}
    for school in schools:
        if school.rubric and school.rubric not in rubrics:
            rubrics[school.rubric] = load_rubric(school.rubric)
    wanted: list[tuple[str, SchoolInfo | None]] = [(key, None) for key in rubrics]
    wanted += [(s.rubric or rubric_source, s) for s in schools]
    return TemplatePlan(rubrics, wanted)


def run_rubrics(sources: Sequence[str], schools: Sequence[SchoolInfo]) -> tuple[Rubric, ...]:
    """The rubrics of a district run: those given (else every built-in one, the national rubric first),
    then any other the roster's 'Bộ chỉ số' column names."""
    rubrics = list(default_rubrics(sources, load_rubric, builtin_ids()))
    for wanted in sorted({s.rubric for s in schools if s.rubric} - {r.id for r in rubrics}):
        rubrics.append(load_rubric(wanted))
    return tuple(rubrics)


def district_options(inputs: Sequence[Path], schools: Sequence[SchoolInfo], rubric_sources: Sequence[str],
                     out: Path, *, round_label: str = "", office: str = "", previous: Path | None = None,
                     jobs: int | None = None, limits: RunLimits = RunLimits(),
                     reviews: Sequence[Path] = (), signer: str = "") -> RunOptions:
    """The `RunOptions` of `cds-batch run` with these arguments (round, office and signer cleaned as typed; the
    output folder in the form Windows writes beyond 260 characters when it is that deep, `core.windows`)."""
    return RunOptions(tuple(inputs), tuple(schools), run_rubrics(rubric_sources, schools), extended(out),
                      clean(round_label), clean(office), previous, jobs, limits, tuple(reviews), clean(signer))


def province_roll_up(inputs: Sequence[Path], schools: Sequence[SchoolInfo], rubric_sources: Sequence[str],
                     out: Path, title: str) -> Province:
    """`cds-batch province`: load the offices' results, roll them up by unit, write tong-hop-tinh.xlsx,
    results.json (and results.csv, the same for scripts) and ledger.json (every input and what became of it)
    into `out`, committed together (`core.commit`); the roll-up (its findings, among them every input not
    used, are for the caller to show).

    :param schools: the province roster, or none: it places school workbooks sent to the province, names
        the unit of every school on it, and lists its schools and units that have not reported.
    """
    rubrics = default_rubrics(rubric_sources, load_rubric, builtin_ids())
    reports, ledger = load_reports(inputs, schools, rubrics)
    rolled = roll_up(reports, ledger, schools)
    out = extended(out)   # a folder deep enough for Windows' 260-character limit (`core.windows`)
    with staged(out) as stage:   # the files appear together, like a district run's
        write_province(rolled, rubrics, stage.place(out / PROVINCE_SUMMARY), title=clean(title))
        write_json(stage.place(out / RESULTS), list(rolled.schools))
        write_results_csv(stage.place(out / RESULTS_CSV), rolled.schools)
        write_json(stage.place(out / LEDGER), ledger_records(rolled.ledger))
        stage.commit()
    return rolled


def run_counts(report: RunReport) -> tuple[str, str]:
    """The two lines that sum a district run up, for the command line and the page alike."""
    counts = report.district.counts()
    reused = f"; {report.cached} bảng tính không đổi từ lần chạy trước, dùng lại kết quả đọc" if report.cached else ""
    unlisted = f", {counts[Status.UNLISTED]} ngoài danh sách" if counts[Status.UNLISTED] else ""
    return (f"Đã xử lý {report.files} tệp ({report.workbooks} bảng tính{reused}).",
            f"Trường: {counts[Status.VALID]} hợp lệ, {counts[Status.NEEDS_FIX]} cần sửa, "
            f"{counts[Status.MISSING]} chưa nộp{unlisted}.")


def province_counts(rolled: Province) -> str:
    """The line that sums a province roll-up up, for the command line and the page alike."""
    if not rolled.units:
        return f"Không tổng hợp được đơn vị nào từ {len(rolled.ledger)} tệp đã nhận."
    silent = sum(not u.reported for u in rolled.units)
    silent_text = f" ({silent} đơn vị chưa gửi kết quả)" if silent else ""
    unused = f"; {len(rolled.unused)} tệp không dùng (xem trang Cần xem)" if rolled.unused else ""
    return f"Đã tổng hợp {len(rolled.units)} đơn vị{silent_text}, {len(rolled.schools)} trường{unused}."
