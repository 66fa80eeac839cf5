"""The command line: thin click adapters over the library; the only module that prints or exits.

Exit codes: 0 done (no error), 1 done but something needs fixing (a rubric with errors, …),
2 usage error (click), 3 could not run (missing input, output not writable), 70 internal error.
"""
from __future__ import annotations

import ast
import re
import sys
import traceback
import webbrowser
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Sequence

import click

from cds_batch import __version__
from cds_batch.district.consolidate import Status
from cds_batch.core.errors import CdsBatchError, RubricError
from cds_batch.pipeline.failures import cannot_run_message, internal_error_message, write_crash_log
from cds_batch.core.findings import Finding, Severity
from cds_batch.district.limits import LIMITS, RunLimits, parse_limits
from cds_batch.pipeline.use_cases import (
    UNUSABLE, district_options, plan_templates, province_roll_up, roster_usable, run_counts
)
from cds_batch.district.recognition import decision_label
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.reading.roster_file import check_roster
from cds_batch.rubric import builtin_ids, check_file, export_rubric, load_rubric
from cds_batch.pipeline.district_run import FEEDBACK, PROVINCE_SUMMARY, SUMMARY, Progress, RunReport, run_district
from cds_batch.templates.text import Issue
from cds_batch.templates.writer import SERIAL_BELOW as TEMPLATES_SERIAL_BELOW, write_school_templates
from cds_batch.core.text import clean

EXIT_OK, EXIT_NEEDS_FIX, EXIT_USAGE, EXIT_CANNOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3, 70
_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _echo_findings(findings: Sequence[Finding]) -> None:
    for f in findings:
        click.echo(f"[{f.severity.value}] {f.code.name} {f.where}: {f.message}")


@click.group(context_settings=_CONTEXT)
@click.version_option(__version__, "--version", message="cds-batch %(version)s")
@click.option("--debug", is_flag=True, help="In chi tiết kỹ thuật (traceback) khi có lỗi nội bộ.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Xử lý hàng loạt phiếu tự đánh giá chuyển đổi số (QĐ 4725/QĐ-BGDĐT) của các trường.

    Ví dụ: cds-batch rubric check qd4725-phothong
    """
    ctx.obj = {"debug": debug}


@cli.group(context_settings=_CONTEXT)
def rubric() -> None:
    """Bộ chỉ số: liệt kê, kiểm tra, xuất ra để chỉnh sửa.

    Ví dụ: cds-batch rubric export qd4725-phothong --out bo-chi-so.xlsx
    """


@rubric.command("list", context_settings=_CONTEXT)
def rubric_list() -> None:
    """Liệt kê các bộ chỉ số có sẵn trong công cụ.

    Ví dụ: cds-batch rubric list
    """
    for rid in builtin_ids():
        r = load_rubric(rid)
        maxima = " + ".join(f"nhóm {g.id}: {g.effective_max}" for g in r.groups)
        click.echo(f"{rid}  (phiên bản {r.version}, mã băm {r.short_hash}; {maxima} điểm)\n    {r.name}")


@rubric.command("check", context_settings=_CONTEXT)
@click.argument("source", metavar="MÃ|TỆP")
def rubric_check(source: str) -> None:
    """Kiểm tra một bộ chỉ số (mã có sẵn, tệp .yaml hoặc .xlsx) và báo mọi chỗ không nhất quán.

    Thoát với mã 0 khi bộ chỉ số dùng được (có thể kèm cảnh báo), 1 khi có lỗi.

    Ví dụ: cds-batch rubric check qd4725-phothong
    """
    result, findings = check_file(source)
    _echo_findings(findings)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    if result is None:
        click.echo(f"Bộ chỉ số '{source}' KHÔNG dùng được: {errors} lỗi, {warnings} cảnh báo.")
        sys.exit(EXIT_NEEDS_FIX)
    maxima = ", ".join(f"nhóm {g.id} tối đa {g.effective_max} điểm" for g in result.groups)
    click.echo(f"Bộ chỉ số '{result.id}' phiên bản {result.version} dùng được ({warnings} cảnh báo); "
               f"{maxima}; mã băm {result.short_hash}.")


@rubric.command("export", context_settings=_CONTEXT)
@click.argument("source", metavar="MÃ|TỆP")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp đích: .yaml để sửa bằng tay, .xlsx để sửa bằng Excel.")
def rubric_export(source: str, out: Path) -> None:
    """Xuất một bộ chỉ số ra tệp YAML hoặc Excel để điều chỉnh cho địa phương.

    Ví dụ: cds-batch rubric export quan7-mamnon-2023 --out bo-chi-so-quan7.xlsx
    """
    export_rubric(load_rubric(source), out)
    click.echo(f"Đã ghi {out}.")


@cli.command("template", context_settings=_CONTEXT)
@click.option("--rubric", "rubric_source", required=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số (mã có sẵn hoặc tệp .yaml/.xlsx); mặc định cho các trường không ghi cột 'Bộ chỉ số'.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Danh sách trường (.xlsx, .xls, .ods, .csv): ghi thêm một tệp điền sẵn cho mỗi trường.")
@click.option("--round", "round_label", default="", help="Đợt báo cáo, ví dụ 'Đợt 1 năm 2025'.")
@click.option("--office", default="", help="Đơn vị nhận phiếu, ví dụ 'Phòng GDĐT Quận 7'.")
@click.option("--deadline", default="", help="Hạn gửi, ghi như muốn hiện trong phiếu, ví dụ '30/10/2025'.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help=f"Số tiến trình ghi song song (mặc định: số lõi; dưới {TEMPLATES_SERIAL_BELOW} tệp thì ghi lần "
                   "lượt trong một tiến trình).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi các tệp mẫu (tạo mới nếu chưa có).")
def template(rubric_source: str, roster: Path | None, round_label: str, office: str, deadline: str,
             jobs: int | None, out: Path) -> None:
    """Tạo phiếu tự đánh giá để gửi các trường: mẫu trống, và với --roster thêm một tệp điền sẵn cho mỗi trường.

    Tệp mẫu trống: <mã bộ chỉ số>_mau-trong_<đợt>.xlsx; tệp của trường: <mã trường>_<tên trường không dấu>_<đợt>.xlsx.

    \b
    Ví dụ: cds-batch template --rubric quan7-mamnon-2023 --roster ds-truong.xlsx --round "Đợt 1" --out phieu
    """
    issue = Issue(clean(round_label), clean(office), clean(deadline))
    schools: tuple[SchoolInfo, ...] = ()
    if roster is not None:
        schools, found = check_roster(roster)
        _echo_findings(found)
        if not roster_usable(found):
            click.echo(f"Danh sách trường '{roster.name}' chưa dùng được; hãy sửa các lỗi trên rồi chạy lại.", err=True)
            sys.exit(EXIT_NEEDS_FIX)
    plan = plan_templates(rubric_source, schools)   # every rubric loaded before any file is written
    with _steps("Đang ghi các phiếu", len(plan.wanted)) as step:
        written = write_school_templates(plan.rubrics, plan.wanted, out, issue, jobs=jobs, on_done=step)
    blanks = written[:plan.blanks]
    click.echo(f"Đã ghi vào {out}: mẫu trống {', '.join(p.name for p in blanks)}"
               + (f" và {len(schools)} tệp điền sẵn cho các trường." if schools else "."))


@cli.command("run", context_settings=_CONTEXT)
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Danh sách trường của đơn vị (.xlsx, .xls, .ods, .csv).")
@click.option("--rubric", "rubric_sources", multiple=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số dùng để chấm (lặp lại được); mặc định: mọi bộ chỉ số có sẵn.")
@click.option("--round", "round_label", default="", help="Đợt đang tổng hợp, ví dụ 'Đợt 1 năm 2025'.")
@click.option("--office", default="", help="Tên đơn vị tổng hợp, ví dụ 'Phòng GDĐT Quận 7'.")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Thư mục kết quả của đợt trước, để báo những gì đã thay đổi.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Số tiến trình đọc song song (mặc định: số lõi).")
@click.option("--limit", "limits", multiple=True, metavar="TÊN=SỐ", callback=lambda _c, _p, pairs: _limits(pairs),
              help="Đổi một giới hạn an toàn (lặp lại được), ví dụ --limit file-seconds=120. Các tên: "
                   + ", ".join(limit.name for limit in LIMITS) + " (bảng giới hạn trong README).")
@click.option("--review", "reviews", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Bảng đánh giá ngoài (danh-gia-ngoai.xlsx) Phòng đã điền: tính mức được công nhận, ghi danh "
                   "sách công nhận và trang công bố (lặp lại được khi bảng chia nhiều tệp).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi kết quả (tạo mới nếu chưa có).")
def run(inbox: tuple[Path, ...], roster: Path, rubric_sources: tuple[str, ...], round_label: str, office: str,
        previous: Path | None, jobs: int | None, limits: RunLimits, reviews: tuple[Path, ...], out: Path) -> None:
    """Tổng hợp một đợt: đọc mọi tệp các trường gửi (thư mục, .zip, .eml, .msg…), kiểm tra, chấm, ghi bảng tổng hợp.

    Ghi vào --out: tong-hop.xlsx, tong-hop.csv, results.json, ledger.json, phan-hoi/<mã trường>_phan-hoi.xlsx
    và danh-gia-ngoai.xlsx (bảng đánh giá ngoài để Phòng điền). Với --review: thêm danh-sach-cong-nhan.xlsx
    (phụ lục quyết định công nhận) và ket-qua-cong-nhan.html (trang công bố).
    Thoát với mã 0 khi mọi tệp nhận được đều hợp lệ, 1 khi có trường cần sửa, tệp không dùng được hoặc
    giá trị đánh giá ngoài không dùng được.

    \b
    Với bảng đã điền: cds-batch run hop-thu/ --roster ds.xlsx --out kq --review kq/danh-gia-ngoai.xlsx
    Ví dụ: cds-batch run hop-thu/ --roster ds-truong.xlsx --round "Đợt 1 năm 2025" --out ket-qua
    """
    schools, found = check_roster(roster)
    if not roster_usable(found):
        _echo_findings(found)
        click.echo(f"Danh sách trường '{roster.name}' chưa dùng được; hãy sửa các lỗi trên rồi chạy lại.", err=True)
        sys.exit(EXIT_NEEDS_FIX)
    options = district_options(inbox, schools, rubric_sources, out, round_label=round_label, office=office,
                               previous=previous, jobs=jobs, limits=limits, reviews=reviews)
    with _progress() as progress:
        report = run_district(options, progress)
    _echo_run_summary(report, out)
    to_fix = any(r.status is Status.NEEDS_FIX or (r.used is not None and r.used.errors)
                 for r in report.district.schools)
    unusable = any(r.fate in UNUSABLE for r in report.district.ledger)
    sys.exit(EXIT_NEEDS_FIX if to_fix or unusable or report.review_findings else EXIT_OK)


@cli.command("province", context_settings=_CONTEXT)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Danh sách trường của tỉnh (có cột Quận/Huyện), khi tổng hợp thẳng từ phiếu của các trường.")
@click.option("--rubric", "rubric_sources", multiple=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số (lặp lại được); mặc định: mọi bộ chỉ số có sẵn.")
@click.option("--title", default="Tổng hợp mức độ chuyển đổi số", help="Tiêu đề in trên bảng tổng hợp.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi kết quả của tỉnh.")
def province(inputs: tuple[Path, ...], roster: Path | None, rubric_sources: tuple[str, ...], title: str,
             out: Path) -> None:
    """Tổng hợp cấp tỉnh từ kết quả của các Phòng GDĐT (thư mục kết quả hoặc tệp tong-hop.xlsx gửi qua thư).

    Ghi vào --out: tong-hop-tinh.xlsx (theo đơn vị, xếp hạng, tiêu chí, các trường) và results.json.

    \b
    Ví dụ: cds-batch province ket-qua-quan7/ ket-qua-quan8/ thu-cac-phong.zip --out tong-hop-so
    """
    schools: tuple[SchoolInfo, ...] = ()
    if roster is not None:
        schools, found = check_roster(roster)
        if not roster_usable(found):
            _echo_findings(found)
            sys.exit(EXIT_NEEDS_FIX)
    rolled = province_roll_up(inputs, schools, rubric_sources, out, title)
    _echo_findings(rolled.findings)
    click.echo(f"Đã tổng hợp {len(rolled.districts)} đơn vị, {len(rolled.schools)} trường: {out / PROVINCE_SUMMARY}.")
    sys.exit(EXIT_NEEDS_FIX if rolled.findings else EXIT_OK)


@cli.command("serve", context_settings=_CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ nghe. Mặc định chỉ máy này mở được trang; một địa chỉ khác (ví dụ 0.0.0.0 cho mạng "
                   "nội bộ của Phòng) bắt buộc dùng mã truy cập in ra khi khởi động.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Cổng; 0 = chọn một cổng còn trống.")
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục làm việc: mỗi đợt một thư mục con (mặc định: thư mục cds-batch trong thư mục người dùng).")
def serve(host: str, port: int, no_browser: bool, data: Path | None) -> None:
    """Mở trang web trên máy này: tạo đợt và phiếu, nhận tệp các trường gửi, tổng hợp, tải kết quả về.

    Dữ liệu nằm trong thư mục --data trên máy này, không gửi đi đâu. Dừng bằng Ctrl+C.

    \b
    Ví dụ: cds-batch serve --data D:\\CDS
    """
    from cds_batch.web.server import default_data, make_server  # Flask and waitress load only for this command

    served = make_server(data or default_data(), host=host, port=port)
    click.echo(f"Trang web của cds-batch: {served.url}")
    if served.lan_note:
        click.echo(served.lan_note)
    click.echo(f"Thư mục làm việc: {served.data}. Giữ cửa sổ này mở trong khi dùng trang; nhấn Ctrl+C để dừng.")
    if not no_browser:
        webbrowser.open(served.url)
    try:
        served.run()   # until Ctrl+C, which waitress catches to return from here
    except KeyboardInterrupt:
        pass
    finally:
        if served.busy():
            click.echo("Đang chờ lần tổng hợp đang chạy ghi xong kết quả…")
        served.close()
    click.echo("Đã dừng trang web.")


def _limits(pairs: Sequence[str]) -> RunLimits:
    try:
        return parse_limits(pairs)
    except CdsBatchError as wrong:
        raise click.BadParameter(str(wrong), param_hint="--limit") from wrong


@contextmanager
def _progress() -> Iterator[Progress]:
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
def _steps(label: str, total: int) -> Iterator[Callable[[object], None] | None]:
    """A progress bar of `total` steps on standard error when it is a terminal; None otherwise."""
    if not sys.stderr.isatty() or total < 2:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield lambda _: bar.update(1)


def _echo_run_summary(report: RunReport, out: Path) -> None:
    unusable = [r for r in report.district.ledger if r.fate in UNUSABLE]
    for line in run_counts(report):
        click.echo(line)
    if unusable:
        click.echo(f"Tệp không dùng được: {len(unusable)} (lý do ở trang 'Sổ nhận file'):")
        for r in unusable:
            click.echo(f"  - {r.entry.source}: {r.reason}")
    if report.changes is not None:
        click.echo(f"So với đợt trước: {len(report.changes)} thay đổi (trang 'Thay đổi so với đợt trước').")
    click.echo(f"Kết quả: {out / SUMMARY}; phản hồi cho {len(report.feedback)} trường trong {out / FEEDBACK}.")
    _echo_review(report)


def _echo_review(report: RunReport) -> None:
    books = report.review_books
    if books.written:
        click.echo("Bảng đánh giá ngoài để Phòng điền: " + ", ".join(str(p) for p in books.written) + ".")
    for kept in books.unread:
        click.echo(f"Không ghi đè {kept}: bảng đánh giá ngoài này đã được sửa sau lần chạy trước. Hãy chạy lại với "
                   f"--review \"{kept}\" để đọc kết quả đánh giá; trường mới nộp sẽ có bảng bổ sung riêng.")
    if books.kept and not books.unread:
        click.echo("Giữ nguyên bảng đánh giá ngoài đã điền: " + ", ".join(str(p) for p in books.kept) + ".")
    recognition = report.recognition
    if recognition is None:
        return
    _echo_findings(report.review_findings)
    if report.review_findings:
        click.echo(f"{len(report.review_findings)} giá trị trong bảng đánh giá ngoài không dùng được (đã bỏ qua, "
                   "giữ kết quả trường tự đánh giá); vị trí ghi ở trên.")
    decided = Counter(decision_label(s.decision) for s in recognition.schools)
    recognised = Counter(s.recognised_level for s in recognition.schools if s.recognised_level is not None)
    shares = ", ".join(f"{label}: {n}" for label, n in sorted(decided.items()))
    click.echo(f"Đánh giá ngoài: {len(recognition.schools)} trường; {shares}.")
    click.echo("Được công nhận: " + ", ".join(f"Mức {n}: {recognised[n]}" for n in (3, 2, 1))
               + f"; {len(recognition.differences)} tiêu chí được điều chỉnh (trang 'Điều chỉnh đánh giá ngoài').")
    if recognition.unmatched:
        click.echo("Bảng đánh giá ngoài có trường chưa có phiếu đã chấm trong lần chạy này (bỏ qua): "
                   + ", ".join(recognition.unmatched) + ".")
    click.echo("Danh sách công nhận và trang công bố: " + ", ".join(str(p) for p in report.recognition_files) + ".")


def _force_utf8() -> None:
    """Vietnamese Windows encodes redirected output as cp1258, which cannot encode 'ờ'."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):   # a stream that cannot change any more: keep it as it is
                pass


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning every failure into a Vietnamese message and an exit code."""
    _force_utf8()
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        code = cli.main(args=args, prog_name="cds-batch", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("Đã dừng.", err=True)
        sys.exit(EXIT_NEEDS_FIX)
    except click.ClickException as usage:
        _usage_failed(usage)
    except RubricError as bad:
        _echo_findings([f for f in bad.findings if isinstance(f, Finding)])
        click.echo(str(bad), err=True)
        sys.exit(EXIT_NEEDS_FIX)
    except (CdsBatchError, OSError) as cannot:
        click.echo(cannot_run_message(cannot), err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except Exception as bug:  # the last line of defence: no traceback for users unless asked for
        _internal_error(bug, args, debug="--debug" in args)
    if isinstance(code, int) and code:   # click hands back the code of an Exit it caught
        sys.exit(code)


# Click's message for a path option or argument that fails `exists=True` ("Path 'x' does not exist.").
_NO_PATH = re.compile(r"\w+ (.+) (does not exist|is not readable)\.")


def _usage_failed(usage: click.ClickException) -> NoReturn:
    """Exit 3 for an input path that is not there (could not run), 2 for any other usage error."""
    param = usage.param if isinstance(usage, click.BadParameter) else None
    match = _NO_PATH.fullmatch(usage.message) if param is not None and isinstance(param.type, click.Path) else None
    if match is None:
        usage.show()
        sys.exit(EXIT_USAGE if isinstance(usage, click.UsageError) else EXIT_CANNOT_RUN)
    try:
        path = str(ast.literal_eval(match.group(1)))   # click quotes the path with repr()
    except (ValueError, SyntaxError):
        path = match.group(1)
    what = "không tìm thấy" if match.group(2) == "does not exist" else "không đọc được"
    click.echo(f"Không thể chạy: {what} '{path}'. Hãy kiểm tra lại đường dẫn.", err=True)
    sys.exit(EXIT_CANNOT_RUN)


def _internal_error(bug: Exception, args: Sequence[str], *, debug: bool) -> NoReturn:
    """Exit 70 with a Vietnamese message naming the log file that holds the details (the traceback
    only on the console with --debug): an office can mail the log without re-running anything."""
    if debug:
        traceback.print_exc()
    log = write_crash_log(args, [_out_folder(args)])
    click.echo(internal_error_message(bug, log), err=True)
    sys.exit(EXIT_INTERNAL)


def _out_folder(args: Sequence[str]) -> Path | None:
    """The folder given with --out; for `rubric export`, whose --out is a file, the file's folder."""
    for n, arg in enumerate(args):
        if arg == "--out" and n + 1 < len(args):
            value = args[n + 1]
        elif arg.startswith("--out="):
            value = arg.removeprefix("--out=")
        else:
            continue
        exporting = any(a == "rubric" and b == "export" for a, b in zip(args, args[1:]))
        return Path(value).parent if exporting else Path(value)
    return None
