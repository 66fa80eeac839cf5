"""CLI, commands: thin click adapters over the library (rubric, template, run, province, serve).

In: the command line's arguments and options.
Out: the library's work done, its outcome shown (`console`) and the exit code (`exits`).
"""
from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import Sequence

import click

from cds_batch import __version__
from cds_batch.cli import click_vi
from cds_batch.cli.console import echo_findings, echo_run_summary, progress, steps
from cds_batch.cli.exits import EXIT_NEEDS_FIX, EXIT_OK
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, Severity
from cds_batch.core.office import COMMITTEE_SIGNER, DEPARTMENT_SIGNER, OTHER_SIGNER
from cds_batch.core.text import clean
from cds_batch.district.consolidate import Status
from cds_batch.district.limits import LIMITS, RunLimits, parse_limits
from cds_batch.pipeline.district_run import run_district
from cds_batch.reports.contract import LEDGER, PROVINCE_SUMMARY
from cds_batch.pipeline.use_cases import (
    district_options, plan_templates, province_counts, province_roll_up, roster_usable
)
from cds_batch.rubric import builtin_ids, check_file, export_rubric, load_rubric
from cds_batch.rubric.model import standing_line
from cds_batch.reports.standing import district_standing
from cds_batch.reading.roster_file import check_roster
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.batch import SERIAL_BELOW as TEMPLATES_SERIAL_BELOW, write_school_templates
from cds_batch.templates.text import Issue

click_vi.install()   # before any option is declared: click translates some texts (a Path's kind) right then

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_OPTIONS, _SUBCOMMAND = click_vi.OPTIONS_METAVAR, click_vi.SUBCOMMAND_METAVAR   # "[OPTIONS]" in Vietnamese
OFFICE_HELP = ("Đơn vị tổ chức đợt (nhận phiếu, tổng hợp, ký phụ lục), ví dụ 'UBND xã Hải Thịnh' hoặc "
               "'Sở GDĐT Ninh Bình'; để trống thì các văn bản ghi 'đơn vị'.")


@click.group(context_settings=_CONTEXT, options_metavar=_OPTIONS, subcommand_metavar=_SUBCOMMAND)
@click.version_option(__version__, "--version", message="cds-batch %(version)s")
@click.option("--debug", is_flag=True, help="In chi tiết kỹ thuật (vết lỗi của chương trình) khi có lỗi nội bộ.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Xử lý hàng loạt phiếu tự đánh giá chuyển đổi số (QĐ 4725/QĐ-BGDĐT) của các trường.

    Ví dụ: cds-batch rubric check qd4725-phothong
    """
    ctx.obj = {"debug": debug}


@cli.group(context_settings=_CONTEXT, options_metavar=_OPTIONS, subcommand_metavar=_SUBCOMMAND)
def rubric() -> None:
    """Bộ chỉ số: liệt kê, kiểm tra, xuất ra để chỉnh sửa.

    Ví dụ: cds-batch rubric export qd4725-phothong --out bo-chi-so.xlsx
    """


@rubric.command("list", context_settings=_CONTEXT, options_metavar=_OPTIONS)
def rubric_list() -> None:
    """Liệt kê các bộ chỉ số có sẵn trong công cụ.

    Ví dụ: cds-batch rubric list
    """
    rubrics = [load_rubric(rid) for rid in builtin_ids()]
    for r in rubrics:
        maxima = " + ".join(f"nhóm {g.id}: {g.effective_max}" for g in r.groups)
        click.echo(f"{r.id}  (phiên bản {r.version}, mã băm {r.short_hash}; {maxima} điểm)\n    {r.name}\n"
                   f"    Trạng thái: {r.status.label}.")
    notice = standing_line(rubrics)
    if notice:
        click.echo(f"\nLưu ý: {notice}")


@rubric.command("check", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.argument("source", metavar="MÃ|TỆP")
def rubric_check(source: str) -> None:
    """Kiểm tra một bộ chỉ số (mã có sẵn, tệp .yaml hoặc .xlsx) và báo mọi chỗ không nhất quán.

    Thoát với mã 0 khi bộ chỉ số dùng được (có thể kèm cảnh báo), 1 khi có lỗi.

    Ví dụ: cds-batch rubric check qd4725-phothong
    """
    result, findings = check_file(source)
    echo_findings(findings)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    if result is None:
        click.echo(f"Bộ chỉ số '{source}' KHÔNG dùng được: {errors} lỗi, {warnings} cảnh báo.")
        sys.exit(EXIT_NEEDS_FIX)
    maxima = ", ".join(f"nhóm {g.id} tối đa {g.effective_max} điểm" for g in result.groups)
    click.echo(f"Bộ chỉ số '{result.id}' phiên bản {result.version} dùng được ({warnings} cảnh báo); "
               f"{maxima}; mã băm {result.short_hash}; trạng thái: {result.status.label}.")
    notice = standing_line([result])
    if notice:
        click.echo(f"Lưu ý: {notice}")


@rubric.command("export", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.argument("source", metavar="MÃ|TỆP")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="TỆP",
              help="Tệp đích: .yaml để sửa bằng tay, .xlsx để sửa bằng Excel.")
def rubric_export(source: str, out: Path) -> None:
    """Xuất một bộ chỉ số ra tệp YAML hoặc Excel để điều chỉnh cho địa phương.

    Ví dụ: cds-batch rubric export quan7-mamnon-2023 --out bo-chi-so-quan7.xlsx
    """
    export_rubric(load_rubric(source), out)
    click.echo(f"Đã ghi {out}.")


@cli.command("template", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.option("--rubric", "rubric_source", required=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số (mã có sẵn hoặc tệp .yaml/.xlsx); mặc định cho các trường không ghi cột 'Bộ chỉ số'.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="TỆP",
              help="Danh sách trường (.xlsx, .xls, .ods, .csv): ghi thêm một tệp điền sẵn cho mỗi trường.")
@click.option("--round", "round_label", default="", metavar="ĐỢT", help="Đợt báo cáo, ví dụ 'Đợt 1 năm 2025'.")
@click.option("--office", default="", metavar="ĐƠN_VỊ", help=OFFICE_HELP)
@click.option("--deadline", default="", metavar="NGÀY",
              help="Hạn gửi, ghi như muốn hiện trong phiếu, ví dụ '30/10/2025'.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="SỐ",
              help=f"Số tiến trình ghi song song (mặc định: số lõi; dưới {TEMPLATES_SERIAL_BELOW} tệp thì ghi lần "
                   "lượt trong một tiến trình).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC",
              help="Thư mục ghi các tệp mẫu (tạo mới nếu chưa có).")
def template(rubric_source: str, roster: Path | None, round_label: str, office: str, deadline: str,
             jobs: int | None, out: Path) -> None:
    """Tạo phiếu tự đánh giá để gửi các trường: mẫu trống, và với --roster thêm một tệp điền sẵn cho mỗi trường.

    Tệp mẫu trống: <mã bộ chỉ số>_mau-trong_<đợt>.xlsx; tệp của trường: <mã trường>_<tên trường không dấu>_<đợt>.xlsx.

    \b
    Ví dụ: cds-batch template --rubric quan7-mamnon-2023 --roster ds-truong.xlsx --round "Đợt 1" --out phieu
    """
    schools: tuple[SchoolInfo, ...] = ()
    if roster is not None:
        schools, found = check_roster(roster)
        echo_findings(found)
        if not roster_usable(found):
            click.echo(f"Danh sách trường '{roster.name}' chưa dùng được; hãy sửa các lỗi trên rồi chạy lại.", err=True)
            sys.exit(EXIT_NEEDS_FIX)
    issue = Issue(clean(round_label), clean(office), clean(deadline), any(s.district for s in schools))
    plan = plan_templates(rubric_source, schools)   # every rubric loaded before any file is written
    with steps("Đang ghi các phiếu", len(plan.wanted)) as step:
        written = write_school_templates(plan.rubrics, plan.wanted, out, issue, jobs=jobs, on_done=step)
    blanks = written[:plan.blanks]
    click.echo(f"Đã ghi vào {out}: mẫu trống {', '.join(p.name for p in blanks)}"
               + (f" và {len(schools)} tệp điền sẵn cho các trường." if schools else "."))


@cli.command("run", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.argument("inbox", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="HỘP_THƯ...")
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="TỆP",
              help="Danh sách trường của đơn vị (.xlsx, .xls, .ods, .csv).")
@click.option("--rubric", "rubric_sources", multiple=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số dùng để chấm (lặp lại được); mặc định: mọi bộ chỉ số có sẵn.")
@click.option("--round", "round_label", default="", metavar="ĐỢT", help="Đợt đang tổng hợp, ví dụ 'Đợt 1 năm 2025'.")
@click.option("--office", default="", metavar="ĐƠN_VỊ", help=OFFICE_HELP)
@click.option("--signer-title", "signer", default="", metavar="CHỨC_VỤ",
              help="Chức vụ người ký phụ lục công nhận, ví dụ 'CHỦ TỊCH'; hai dòng cách nhau bằng '/', ví dụ "
                   f"'KT. CHỦ TỊCH / PHÓ CHỦ TỊCH'. Mặc định theo tên đơn vị: UBND… → {COMMITTEE_SIGNER}; "
                   f"Sở… → {DEPARTMENT_SIGNER}; đơn vị khác → {OTHER_SIGNER} (đủ các trường hợp: "
                   "docs/huong-dan-su-dung.md, mục 4.2).")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="THƯ_MỤC",
              help="Thư mục kết quả của đợt trước, để báo những gì đã thay đổi.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="SỐ",
              help="Số tiến trình đọc song song (mặc định: số lõi).")
@click.option("--limit", "limits", multiple=True, metavar="TÊN=SỐ", callback=lambda _c, _p, pairs: _limits(pairs),
              help="Đổi một giới hạn an toàn (lặp lại được), ví dụ --limit file-seconds=120. Các tên: "
                   + ", ".join(limit.name for limit in LIMITS) + " (bảng giới hạn trong README).")
@click.option("--review", "reviews", multiple=True, metavar="TỆP",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Bảng đánh giá ngoài (danh-gia-ngoai.xlsx) đơn vị đã điền: tính mức được công nhận, ghi danh "
                   "sách công nhận và trang công bố (lặp lại được khi bảng chia nhiều tệp).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC",
              help="Thư mục ghi kết quả (tạo mới nếu chưa có).")
def run(inbox: tuple[Path, ...], roster: Path, rubric_sources: tuple[str, ...], round_label: str, office: str,
        signer: str, previous: Path | None, jobs: int | None, limits: RunLimits, reviews: tuple[Path, ...],
        out: Path) -> None:
    """Tổng hợp một đợt: đọc mọi tệp các trường gửi (thư mục, .zip, .eml, .msg…), kiểm tra, chấm, ghi bảng tổng hợp.

    Ghi vào --out: tong-hop.xlsx, tong-hop.csv (để mở bằng Excel), results.json, results.csv (cho phần mềm),
    ledger.json, phan-hoi/<mã trường>_phan-hoi.xlsx
    và danh-gia-ngoai.xlsx (bảng đánh giá ngoài để đơn vị điền). Với --review: thêm danh-sach-cong-nhan.xlsx
    (phụ lục quyết định công nhận) và ket-qua-cong-nhan.html (trang công bố).
    Thoát với mã 0 khi mọi tệp nhận được đều hợp lệ, 1 khi có trường cần sửa, tệp không dùng được, giá trị
    đánh giá ngoài không dùng được hoặc trường chọn Công nhận nhưng chưa đủ điều kiện.

    \b
    Với bảng đã điền: cds-batch run hop-thu/ --roster ds.xlsx --out kq --review kq/danh-gia-ngoai.xlsx
    Ví dụ: cds-batch run hop-thu/ --roster ds-truong.xlsx --round "Đợt 1 năm 2025" --out ket-qua
    """
    schools, found = check_roster(roster)
    if not roster_usable(found):
        echo_findings(found)
        click.echo(f"Danh sách trường '{roster.name}' chưa dùng được; hãy sửa các lỗi trên rồi chạy lại.", err=True)
        sys.exit(EXIT_NEEDS_FIX)
    options = district_options(inbox, schools, rubric_sources, out, round_label=round_label, office=office,
                               previous=previous, jobs=jobs, limits=limits, reviews=reviews,
                               signer=signer)
    with progress() as shown:
        report = run_district(options, shown)
    echo_run_summary(report, out, district_standing(report.district, options.rubrics))
    to_fix = any(r.status is Status.NEEDS_FIX or (r.used is not None and r.used.errors)
                 for r in report.district.schools)
    withheld = report.recognition is not None and report.recognition.findings
    sys.exit(EXIT_NEEDS_FIX if to_fix or report.district.unusable or report.review_findings or withheld else EXIT_OK)


@cli.command("province", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="KẾT_QUẢ...")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="TỆP",
              help="Danh sách trường của tỉnh (cột Đơn vị quản lý, hoặc Xã/Phường): xếp mỗi trường vào đơn vị quản "
                   "lý của trường, liệt kê trường và đơn vị chưa gửi kết quả, và đọc phiếu các trường gửi thẳng lên "
                   "tỉnh.")
@click.option("--rubric", "rubric_sources", multiple=True, metavar="MÃ|TỆP",
              help="Bộ chỉ số (lặp lại được); mặc định: mọi bộ chỉ số có sẵn.")
@click.option("--title", default="Tổng hợp mức độ chuyển đổi số", metavar="TIÊU_ĐỀ",
              help="Tiêu đề in trên bảng tổng hợp.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC",
              help="Thư mục ghi kết quả của tỉnh.")
def province(inputs: tuple[Path, ...], roster: Path | None, rubric_sources: tuple[str, ...], title: str,
             out: Path) -> None:
    """Tổng hợp cấp tỉnh từ kết quả của các đơn vị (thư mục kết quả hoặc tệp tong-hop.xlsx gửi qua thư).

    Mỗi trường được tính một lần, trong đơn vị quản lý của trường. Ghi vào --out: tong-hop-tinh.xlsx (theo
    đơn vị, xếp hạng, tiêu chí, các trường, sổ nhận tệp), results.json, results.csv (cho phần mềm) và
    ledger.json (mọi tệp đã nhận và lý do dùng hay không dùng). Thoát với mã 0 khi mọi tệp đều dùng được
    (kể cả khi còn đơn vị chưa gửi kết quả), 1 khi có tệp không dùng được, có trường hai đơn vị cùng báo cáo
    hoặc không tổng hợp được đơn vị nào.

    \b
    Ví dụ: cds-batch province ket-qua-xa-a/ thu-cac-xa.zip --roster ds-truong-tinh.xlsx --out tong-hop-so
    """
    schools: tuple[SchoolInfo, ...] = ()
    if roster is not None:
        schools, found = check_roster(roster)
        if not roster_usable(found):
            echo_findings(found)
            sys.exit(EXIT_NEEDS_FIX)
    rolled = province_roll_up(inputs, schools, rubric_sources, out, title)
    echo_findings(rolled.findings)
    click.echo(province_counts(rolled) + f" Kết quả: {out / PROVINCE_SUMMARY}; sổ nhận tệp: {out / LEDGER}.")
    # An input not used, a school two units list, nothing rolled up: to look at. A unit that has not
    # reported is like a school that has not submitted in a district run: listed, not a failure.
    sys.exit(EXIT_NEEDS_FIX if any(f.code is not Code.P111 for f in rolled.findings) else EXIT_OK)


@cli.command("serve", context_settings=_CONTEXT, options_metavar=_OPTIONS)
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ĐỊA_CHỈ",
              help="Địa chỉ nghe. Mặc định chỉ máy này mở được trang; một địa chỉ khác (ví dụ 0.0.0.0 cho mạng "
                   "nội bộ của đơn vị) bắt buộc dùng mã truy cập in ra khi khởi động.")
@click.option("--port", type=click.IntRange(0, 65535), default=None, metavar="CỔNG",
              help="Cổng; 0 = một cổng còn trống. Cổng được nhớ trong thư mục làm việc: không ghi --port thì dùng "
                   "lại cổng lần trước, nên trang đã đánh dấu (bookmark) vẫn mở được.")
@click.option("--new-token", is_flag=True,
              help="Tạo mã truy cập mới: mọi đường dẫn đã đưa và trang đã đánh dấu trước đó không mở được nữa.")
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="THƯ_MỤC",
              help="Thư mục làm việc: mỗi đợt một thư mục con (mặc định: thư mục cds-batch trong thư mục người dùng).")
def serve(host: str, port: int | None, new_token: bool, no_browser: bool, data: Path | None) -> None:
    """Mở trang web trên máy này: tạo đợt và phiếu, nhận tệp các trường gửi, tổng hợp, tải kết quả về.

    Dữ liệu nằm trong thư mục --data trên máy này, không gửi đi đâu. Dừng bằng Ctrl+C. Địa chỉ trang (cổng và
    mã truy cập) được giữ trong thư mục đó, nên trang đã đánh dấu vẫn mở được sau khi khởi động lại.

    \b
    Ví dụ: cds-batch serve --data D:\\CDS
    """
    # Flask and waitress load only for this command
    from cds_batch.web.guard import PRINTED_AS
    from cds_batch.web.server import default_data, make_server

    served = make_server(data or default_data(), host=host, port=port, fresh_token=new_token)
    if served.moved_note:
        click.echo(served.moved_note)
    click.echo(f"{PRINTED_AS} {served.url}")
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
