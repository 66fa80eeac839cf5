"""CLI, console: what the command line shows while and after it works.

In: findings, the run's report, a count of steps.
Out: lines on standard output (findings, the run's summary, the external review's outcome) and
progress bars on standard error when it is a terminal, always in UTF-8 (`use_utf8`).
"""
from __future__ import annotations

import atexit
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import click

from cds_batch.core.findings import Finding
from cds_batch.core.windows import is_windows, shown
from cds_batch.district.recognition import decision_label
from cds_batch.pipeline.district_run import Progress, RunReport
from cds_batch.reports.contract import FEEDBACK, SHEET_UNUSABLE, SUMMARY
from cds_batch.reports.tables import unusable_table
from cds_batch.pipeline.use_cases import run_counts


UTF8_CODE_PAGE = 65001


def use_utf8() -> None:
    """Vietnamese whatever the console's code page: standard output and error write UTF-8 (a character
    nothing can encode becomes '?', never an exception), and a Windows console is switched to the UTF-8
    code page while the command runs (cp437 or cp1252 would show 'Tá»‡p' for 'Tệp'; redirected, Vietnamese
    Windows encodes as cp1258, which cannot encode 'ờ'). Called once, before anything is printed."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):   # a stream that cannot change any more: keep it as it is
                pass
    if is_windows() and any(_is_console(s) for s in (sys.stdout, sys.stderr)):
        try:
            kernel32 = _kernel32()
            before = kernel32.GetConsoleOutputCP()
            if before and before != UTF8_CODE_PAGE and kernel32.SetConsoleOutputCP(UTF8_CODE_PAGE):
                atexit.register(kernel32.SetConsoleOutputCP, before)   # the window goes on as the user had it
        except (AttributeError, OSError):   # no console API: the streams' UTF-8 is what there is
            pass


def _is_console(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):
        return False


def _kernel32() -> Any:
    import ctypes

    return getattr(ctypes, "windll").kernel32   # Windows only; tests replace this function


def echo_findings(findings: Sequence[Finding]) -> None:
    """One line per finding: [severity] code where: message."""
    for f in findings:
        click.echo(f"[{f.severity.value}] {f.code.name} {f.where}: {f.message}")


@contextmanager
def progress() -> Iterator[Progress]:
    """A progress bar with counts on standard error when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield Progress()
        return
    bars: list[Any] = []

    def start(total: int) -> None:
        bar = click.progressbar(length=total, label="Đang đọc các tệp", file=sys.stderr, show_pos=True)
        bar.__enter__()
        bars.append(bar)

    def step(_: object) -> None:
        bars[0].update(1)

    try:
        yield Progress(start, step)
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


@contextmanager
def steps(label: str, total: int) -> Iterator[Callable[[object], None] | None]:
    """A progress bar of `total` steps on standard error when it is a terminal; None otherwise."""
    if not sys.stderr.isatty() or total < 2:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield lambda _: bar.update(1)


def echo_run_summary(report: RunReport, out: Path, standing: str | None) -> None:
    """The run's counts, every file not used, where the outputs are; `standing` when the levels come from a
    rubric that is not the official text (`reports.standing`)."""
    for line in run_counts(report):
        click.echo(line)
    if standing:
        click.echo(standing)
    unusable = unusable_table(report.district).rows   # the rows of the summary's sheet of that name
    if unusable:
        click.echo(f"Tệp không dùng được: {len(unusable)} (trang '{SHEET_UNUSABLE}' của {out / SUMMARY}):")
        for _, source, kind, fate, _, reason in unusable:
            click.echo(f"  - {source} [{kind}] — {fate}: {reason}")
    if report.changes is not None:
        click.echo(f"So với đợt trước: {len(report.changes)} thay đổi (trang 'Thay đổi so với đợt trước').")
    click.echo(f"Kết quả: {out / SUMMARY}; phản hồi cho {len(report.feedback)} trường trong {out / FEEDBACK}.")
    echo_review(report)


def echo_review(report: RunReport) -> None:
    books = report.review_books
    if books.written:
        click.echo("Bảng đánh giá ngoài để đơn vị điền: " + ", ".join(shown(p) for p in books.written) + ".")
    for kept in map(shown, books.unread):   # paths as typed: the run wrote through `core.windows.extended`
        click.echo(f"Không ghi đè {kept}: bảng đánh giá ngoài này đã được sửa sau lần chạy trước. Hãy chạy lại với "
                   f"--review \"{kept}\" để đọc kết quả đánh giá; trường mới nộp sẽ có bảng bổ sung riêng.")
    if books.kept and not books.unread:
        click.echo("Giữ nguyên bảng đánh giá ngoài đã điền: " + ", ".join(shown(p) for p in books.kept) + ".")
    recognition = report.recognition
    if recognition is None:
        return
    echo_findings(report.review_findings)
    if report.review_findings:
        click.echo(f"{len(report.review_findings)} giá trị trong bảng đánh giá ngoài không dùng được (đã bỏ qua, "
                   "giữ kết quả trường tự đánh giá); vị trí ghi ở trên.")
    decided = Counter(decision_label(s.decision) for s in recognition.schools)
    recognised = Counter(s.recognised_level for s in recognition.schools if s.recognised_level is not None)
    shares = ", ".join(f"{label}: {n}" for label, n in sorted(decided.items()))
    click.echo(f"Đánh giá ngoài: {len(recognition.schools)} trường; {shares}.")
    click.echo("Được công nhận: " + ", ".join(f"Mức {n}: {recognised[n]}" for n in (3, 2, 1))
               + f"; {len(recognition.differences)} tiêu chí được điều chỉnh (trang 'Điều chỉnh đánh giá ngoài').")
    if recognition.findings:
        echo_findings(recognition.findings)
        click.echo(f"{sum(s.withheld for s in recognition.schools)} trường chọn Công nhận nhưng chưa đủ điều kiện: "
                   "chưa được công nhận, liệt kê riêng trong danh sách công nhận; việc cần làm ghi ở trên.")
    if recognition.unmatched:
        click.echo("Bảng đánh giá ngoài có trường chưa có phiếu đã chấm trong lần chạy này (bỏ qua): "
                   + ", ".join(recognition.unmatched) + ".")
    click.echo("Danh sách công nhận và trang công bố: " + ", ".join(shown(p) for p in report.recognition_files) + ".")
