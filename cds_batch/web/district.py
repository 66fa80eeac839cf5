"""The page's district run of a round: the round's settings → `prepare.district_options` → `run_district`.

In: a `Round` (its roster, rubric, label, office and folders), the progress callbacks, the number of
reading processes. Out: the same outputs in <round>/ket-qua as `cds-batch run` with `Round.command()`
writes, and the line the page shows when done; `JobFailed` with the Vietnamese message when the run
cannot finish (the traceback of an internal error goes to the log file the message names).
"""
from __future__ import annotations

from cds_batch.core.errors import CdsBatchError, RubricError
from cds_batch.pipeline.failures import cannot_run_message, internal_error_message, write_crash_log
from cds_batch.core.findings import Finding, Severity
from cds_batch.pipeline.use_cases import district_options, roster_usable, run_counts
from cds_batch.reading.roster_file import check_roster
from cds_batch.pipeline.district_run import Progress, run_district
from cds_batch.web.jobs import JobFailed
from cds_batch.web.workspace import Round

SHOWN_FINDINGS = 5   # findings of a roster or rubric quoted in the message; the rest are counted


def run_round(r: Round, progress: Progress, jobs: int | None = None) -> str:
    """Run the round's district job; the Vietnamese summary line, or JobFailed."""
    try:
        return _run(r, progress, jobs)
    except JobFailed:
        raise
    except RubricError as bad:
        raise JobFailed(_with_findings(str(bad), [f for f in bad.findings if isinstance(f, Finding)])) from bad
    except (CdsBatchError, OSError) as cannot:
        raise JobFailed(cannot_run_message(cannot)) from cannot
    except Exception as bug:  # noqa: BLE001 - any other failure is a bug: log it, tell the user where the log is
        log = write_crash_log(r.command(), [r.out, r.folder])
        raise JobFailed(internal_error_message(bug, log)) from bug


def _run(r: Round, progress: Progress, jobs: int | None) -> str:
    if not r.inbox.is_dir() or not any(p.is_file() for p in r.inbox.rglob("*")):
        raise JobFailed("Hộp thư của đợt này chưa có tệp nào: hãy tải lên các tệp các trường đã gửi rồi chạy lại.")
    schools, found = check_roster(r.roster_path)
    if not roster_usable(found):
        raise JobFailed(_with_findings(f"Danh sách trường '{r.settings.roster}' chưa dùng được.", found))
    s = r.settings
    options = district_options((r.inbox,), schools, (r.rubric_source,), r.out, round_label=s.label,
                               office=s.office, jobs=jobs, signer=r.signer)
    return " ".join(run_counts(run_district(options, progress)))


def _with_findings(message: str, found: list[Finding]) -> str:
    errors = [f for f in found if f.severity is Severity.ERROR] or found
    shown = "; ".join(f"{f.where}: {f.message}" for f in errors[:SHOWN_FINDINGS])
    more = f" (và {len(errors) - SHOWN_FINDINGS} lỗi khác)" if len(errors) > SHOWN_FINDINGS else ""
    return f"{message} {shown}{more}".strip()
