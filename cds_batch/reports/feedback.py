"""Report, school feedback: one small printable workbook per school that sent a file.

In: the school's `SchoolRow` (with the submission used), its rubric (None when the file named a
rubric the run does not have), the office and the round.
Out: `<mã trường>_phan-hoi.xlsx`, written atomically: who and which file (the file's own name as the
school sent it, never the office's folders), the status, the group scores and levels (marked
provisional while the file has errors), and every finding with its sheet!cell — errors, then
warnings, then information — or the line saying the file is valid; for a school whose criteria the
external review changed or commented on, or that it returned for more evidence, the decision and each
change and comment (`ReviewNote`). A4 portrait, one page wide. Byte-identical for the same inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cds_batch.core.numbers import sheet_number
from cds_batch.core.office import office_or_neutral
from cds_batch.core.atomic import atomic_path, bounded, distinct_names
from cds_batch.core.parallel import pool_size, spawn_map
from cds_batch.district.consolidate import SchoolRow, Status
from cds_batch.intake.containers import local_time
from cds_batch.core.findings import Finding, Severity
from cds_batch.district.recognition import Decision, SchoolRecognition, decision_label
from cds_batch.reports.book import FONT_SIZE, Book, height
from cds_batch.reports.labels import ROW_NO, TIME_SOURCE_LABELS
from cds_batch.reports.review_tables import shown
from cds_batch.reports.tables import place
from cds_batch.rubric.model import Rubric, standing_line
from cds_batch.checking.score import SchoolResult
from cds_batch.core.text import ascii_slug

from cds_batch.reports.contract import FEEDBACK_SHEET as SHEET, FEEDBACK_SUFFIX as SUFFIX
VALID_LINE = "Hồ sơ hợp lệ, không cần sửa."
WIDTHS = (6, 11, 18, 9, 9, 46)       # A..F; tables merge B:C, D:F or E:F where a cell needs room
LABEL_W, VALUE_W, NAME_W, TEXT_W = sum(WIDTHS[:3]), sum(WIDTHS[3:]), sum(WIDTHS[1:3]), sum(WIDTHS[4:])
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
# With the default number of jobs, fewer files than this are written in-process. A pool of two
# "spawn" workers paid off from about 250 files (4 ms each) on the 2-core Linux VM
# (benchmarks/bench_reports.py); Windows starts processes several times slower, hence the margin.
SERIAL_BELOW = 500
CODE_MAX = 60   # characters of the code part of a file name; a longer code is cut and gets a hash


@dataclass(frozen=True)
class ReviewNote:
    """What a school's feedback shows of its external review (`review_note`); every field is shown, so
    the feedback's cache key digests it whole and a changed review rewrites the file."""

    decision: Decision | None
    recognised_level: int | None
    standing: str     # `SchoolRecognition.standing`: why it is withheld, or that its errors were resolved
    reviewer: str
    comment: str
    remarks: tuple[tuple[str, str, str, str, str], ...]   # code, name, school's value, evaluated value, comment


def review_note(school: SchoolRecognition) -> ReviewNote | None:
    """The review as the school's feedback shows it: for a school whose criteria the evaluators changed or
    commented on, that has a general comment, or that is returned for more evidence; None otherwise."""
    if not (school.remarks or school.comment or school.decision is Decision.MORE_EVIDENCE):
        return None
    return ReviewNote(school.decision, school.recognised_level, school.standing, school.reviewer, school.comment,
                      tuple((x.code, x.name, shown(x.self_value), shown(x.evaluated), x.comment)
                            for x in school.remarks))


def feedback_filename(code: str) -> str:
    """'79001_phan-hoi.xlsx'; a code typed with odd characters is reduced to a safe ASCII name.

    ASCII letters, digits and '-' before the suffix, so never a Windows device name or a trailing
    dot; at most CODE_MAX + 14 characters. Two codes can give one name ('TH/1', 'TH-1'): a run
    names its files with `feedback_names`.
    """
    return bounded(ascii_slug(code, "-") or "truong", CODE_MAX) + SUFFIX


def feedback_names(codes: Iterable[str]) -> dict[str, str]:
    """Each school code → its feedback file name, no two alike even ignoring case (as Windows does).

    A code whose `feedback_filename` no other code shares keeps it; codes that share one get a hash
    of the code in the name ('TH-1-5d41402a_phan-hoi.xlsx'), still ending in SUFFIX.
    """
    unique = list(dict.fromkeys(codes))
    return dict(zip(unique, distinct_names([feedback_filename(c) for c in unique], unique, SUFFIX)))


def write_feedback(row: SchoolRow, rubric: Rubric | None, target_dir: Path, *, office: str,
                   round_label: str, name: str | None = None, review: ReviewNote | None = None) -> Path:
    """Write the feedback workbook of a school that sent a file into `target_dir`; return its path.

    :param rubric: the rubric the file was scored with, for group and level names; None if unknown.
    :param name: the file name (from `feedback_names`); `feedback_filename` of the code by default.
    :param review: the office's external review of the school (`review_note`): its decision, changes and
        comments are added to the page.
    """
    if row.used is None:
        raise ValueError(f"Trường {row.info.code} chưa nộp tệp nào: không có gì để phản hồi.")
    target = target_dir / (name or feedback_filename(row.info.code))
    with atomic_path(target) as tmp:
        book = Book(tmp, title=f"Phản hồi kết quả tự đánh giá chuyển đổi số - {row.info.name}", office=office,
                    round_label=round_label, comments=f"Tạo bằng cds_batch cho trường {row.info.code}.")
        ws = book.sheet(SHEET, landscape=False, footer=f"{row.info.code} - {row.info.name}")
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        _Page(book, ws, row, rubric, office, round_label, review).write()
        book.close()
    return target


def write_feedback_many(rows: Sequence[SchoolRow], rubrics: Mapping[str, Rubric], folder: Path, *, office: str,
                        round_label: str, jobs: int | None = None, names: Mapping[str, str] | None = None,
                        reviews: Mapping[str, ReviewNote] | None = None) -> list[Path]:
    """`write_feedback` for every row whose school sent a file, in the rows' order; the paths written.

    Runs over `jobs` processes ("spawn", as on Windows); by default the cores, or in-process for fewer
    than SERIAL_BELOW files. An explicit `jobs` > 1 always uses the pool. The files are the same bytes
    either way.

    :param rubrics: rubric id → rubric; a file whose rubric is not here gets the feedback of an unknown one.
    :param names: school code → file name (`feedback_names` of every school of the run); by default
        `feedback_filename` of each code.
    :param reviews: school code → what its feedback shows of the external review (`write_feedback`).
    """
    todo = [(row, (names or {}).get(row.info.code), (reviews or {}).get(row.info.code))
            for row in rows if row.used is not None]
    workers = pool_size(jobs, len(todo), SERIAL_BELOW)
    if workers == 1:
        return [_write_one(row, rubrics, folder, office, round_label, name, back) for row, name, back in todo]
    # A file takes ~4 ms, so chunks of up to 64 rows keep the round trips rare.
    slim = [(_slim(row), name, back) for row, name, back in todo]
    return list(spawn_map(_write_in_worker, slim, workers=workers, max_chunk=64, initializer=_init_worker,
                          initargs=(dict(rubrics), folder, office, round_label)))


def _write_one(row: SchoolRow, rubrics: Mapping[str, Rubric], folder: Path, office: str, round_label: str,
               name: str | None = None, review: ReviewNote | None = None) -> Path:
    assert row.used is not None
    return write_feedback(row, rubrics.get(row.used.rubric_id), folder, office=office, round_label=round_label,
                          name=name, review=review)


def _slim(row: SchoolRow) -> SchoolRow:
    """The row without what a feedback page never shows, so a third as much crosses to a worker.

    Kept: the school, status, the used file's entry, findings, group scores and levels; of the other
    files only their entry. Dropped: the answers and per-criterion scores, which hold hundreds of
    Fractions (each pickled as text and parsed back).
    """
    used = row.used
    assert used is not None
    result = replace(used.result, criteria=()) if used.result is not None else None
    return replace(row, used=replace(used, answers={}, school_fields={}, result=result),
                   superseded=tuple(replace(s, answers={}, school_fields={}, result=None, findings=())
                                    for s in row.superseded))


# What every worker of the pool needs, set once by the pool initializer (picklable under "spawn").
_WORKER: tuple[Mapping[str, Rubric], Path, str, str] | None = None


def _init_worker(rubrics: Mapping[str, Rubric], folder: Path, office: str, round_label: str) -> None:
    global _WORKER
    _WORKER = (rubrics, folder, office, round_label)


def _write_in_worker(job: tuple[SchoolRow, str | None, ReviewNote | None]) -> Path:
    assert _WORKER is not None
    return _write_one(job[0], *_WORKER, job[1], job[2])


class _Page:
    def __init__(self, book: Book, ws: Any, row: SchoolRow, rubric: Rubric | None, office: str,
                 round_label: str, review: ReviewNote | None = None) -> None:
        assert row.used is not None
        self.book, self.ws, self.row, self.used, self.rubric = book, ws, row, row.used, rubric
        self.office, self.round_label, self.review_note = office, round_label, review
        self.receiver = office_or_neutral(office, "đơn vị nhận phiếu")   # how a sentence names the office
        self.r = 0   # the next free row

    def write(self) -> None:
        b, last = self.book, len(WIDTHS) - 1
        b.line(self.ws, 0, "PHẢN HỒI KẾT QUẢ TỰ ĐÁNH GIÁ MỨC ĐỘ CHUYỂN ĐỔI SỐ", last, "title", sum(WIDTHS))
        b.line(self.ws, 1, f"{self.office} - {self.round_label}".strip(" -") or " ", last, "subtitle", sum(WIDTHS))
        self.r = 3
        self.info()
        self.r += 1
        self.scores()
        self.r += 1
        if self.review_note is not None:
            self.review(self.review_note)
            self.r += 1
        self.findings()

    def pair(self, label: str, value: str, fmt_value: Any = None) -> None:
        ws, b = self.ws, self.book
        ws.merge_range(self.r, 0, self.r, 2, label, b.fmt("label"))
        ws.merge_range(self.r, 3, self.r, 5, value, fmt_value or b.fmt("wrap"))
        ws.set_row(self.r, height((value, VALUE_W, FONT_SIZE), (label, LABEL_W, FONT_SIZE)))
        self.r += 1

    def info(self) -> None:
        info, s = self.row.info, self.used
        e = s.entry
        self.pair("Trường", f"{info.name} (mã {info.code})" if info.name else info.code)
        if info.level or info.commune:
            self.pair("Cấp học, xã/phường", ", ".join(p for p in (info.level, info.commune) if p))
        self.pair("Tệp được dùng", e.name)   # as the school named it: the office's folders are not the school's
        self.pair("Thời điểm nhận", f"{local_time(e.received_at):%d/%m/%Y %H:%M} (giờ Việt Nam, "
                                    f"{TIME_SOURCE_LABELS[e.time_source]})")
        status = self.row.status.label
        detail = f"{s.errors} lỗi, {s.warnings} cảnh báo"
        if self.row.status is Status.UNLISTED:
            detail += f"; mã trường không có trong danh sách của {self.receiver}"
        self.pair("Trạng thái", f"{status} ({detail})", self.book.coloured(self.row.status))
        r = self.rubric
        self.pair("Bộ chỉ số", f"{r.name} ({r.id}, phiên bản {r.version})" if r else s.rubric_id or "Không rõ")
        if r is not None and (notice := standing_line([r], for_school=True)):
            self.pair("Lưu ý về bộ chỉ số", notice)
        if self.row.superseded:
            self.pair("Tệp khác đã nhận, không dùng", "; ".join(
                f"{x.entry.name} (nhận lúc {local_time(x.entry.received_at):%d/%m/%Y %H:%M})"
                for x in self.row.superseded))

    def scores(self) -> None:
        ws, b, result = self.ws, self.book, self.used.result
        b.line(ws, self.r, "KẾT QUẢ CHẤM", 5, "subtitle", sum(WIDTHS))
        self.r += 1
        if result is None:
            b.line(ws, self.r, "Tệp chưa chấm được điểm: hãy sửa các lỗi dưới đây rồi gửi lại.", 5, "text",
                   sum(WIDTHS))
            self.r += 1
            return
        tentative = " (tạm tính)" if self.row.provisional else ""
        head = b.fmt("head")
        ws.write_string(self.r, 0, "Nhóm", head)
        ws.merge_range(self.r, 1, self.r, 2, "Tên nhóm tiêu chí", head)
        for col, text in ((3, "Điểm"), (4, "Tối đa"), (5, "Mức")):
            ws.write_string(self.r, col, text, head)
        self.r += 1
        for g in result.groups:
            group = next((x for x in self.rubric.groups if x.id == g.id), None) if self.rubric else None
            level = f"Mức {g.level}: {g.level_name}{tentative}"
            if g.failed_conditions:
                level += f"\nĐiều kiện bắt buộc chưa đạt: {', '.join(g.failed_conditions)}"
            name = group.name if group else ""
            ws.write_number(self.r, 0, g.id, b.fmt("int"))
            ws.merge_range(self.r, 1, self.r, 2, name, b.fmt("wrap"))
            ws.write_number(self.r, 3, sheet_number(g.score), b.fmt("score"))
            ws.write_number(self.r, 4, sheet_number(g.max), b.fmt("score"))
            ws.write_string(self.r, 5, level, b.fmt("wrap"))
            ws.set_row(self.r, height((name, NAME_W, FONT_SIZE), (level, WIDTHS[5], FONT_SIZE)))
            self.r += 1
        overall = f"Mức {result.overall_level}{_level_name(result, self.rubric)}{tentative}"
        ws.merge_range(self.r, 0, self.r, 4, "Mức chung của trường", b.fmt("total:label"))
        ws.write_string(self.r, 5, overall, b.fmt("total:wrap"))
        self.r += 1
        if tentative:
            b.line(ws, self.r, "Mức tạm tính: chỉ được công nhận khi tệp không còn lỗi.", 5, "note", sum(WIDTHS))
            self.r += 1

    def review(self, note: ReviewNote) -> None:
        """The office's external review: its decision, the recognised level, reviewer, comment and each
        criterion changed or remarked on; for a school returned for more evidence, what to send."""
        ws, b = self.ws, self.book
        returned = note.decision is Decision.MORE_EVIDENCE
        of = f" CỦA {self.office.upper()}" if self.office else ""   # the office given, else no one named
        title = f"YÊU CẦU BỔ SUNG{of} (ĐÁNH GIÁ NGOÀI)" if returned else f"KẾT QUẢ ĐÁNH GIÁ NGOÀI{of}"
        b.line(ws, self.r, title, 5, "subtitle", sum(WIDTHS))
        self.r += 1
        self.pair("Kết luận", decision_label(note.decision), b.coloured())   # decisions are not coloured
        if note.recognised_level is not None:
            self.pair("Mức được công nhận", f"Mức {note.recognised_level}")
        if note.standing:
            self.pair("Điều kiện công nhận", note.standing)
        if note.reviewer:
            self.pair("Người đánh giá", note.reviewer)
        if note.comment:
            self.pair("Nhận xét chung", note.comment)
        kept = "Điểm đánh giá ngoài để trống: người đánh giá giữ nguyên điểm trường tự đánh giá."
        text = (f"Bổ sung minh chứng cho các tiêu chí dưới đây rồi gửi lại tệp cho {self.receiver}. {kept}"
                if returned else
                f"Người đánh giá của {self.receiver} đã điều chỉnh điểm hoặc nhận xét các tiêu chí dưới đây. {kept}")
        b.line(ws, self.r, text, 5, "note", sum(WIDTHS))
        self.r += 1
        if not note.remarks:
            return
        head = b.fmt("head")
        for col, text in enumerate((ROW_NO, "Mã tiêu chí", "Tiêu chí", "Tự đánh giá", "Đánh giá ngoài", "Nhận xét")):
            ws.write_string(self.r, col, text, head)
        self.r += 1
        for n, cells in enumerate(note.remarks, start=1):
            ws.write_number(self.r, 0, n, b.fmt("int"))
            for col, text in enumerate(cells, start=1):
                ws.write_string(self.r, col, text, b.fmt("code" if col in (1, 3, 4) else "wrap"))
            name, comment = cells[1], cells[4]
            ws.set_row(self.r, height((name, WIDTHS[2], FONT_SIZE), (comment, WIDTHS[5], FONT_SIZE)))
            self.r += 1

    def findings(self) -> None:
        ws, b, s = self.ws, self.book, self.used
        shown = sorted(s.findings, key=lambda f: _ORDER[f.severity])
        if s.errors or s.warnings:
            title = "NHỮNG ĐIỂM CẦN SỬA"
            note = ("Sửa các lỗi (bắt buộc) và xem lại các cảnh báo ngay trong tệp đã gửi, rồi gửi lại cho "
                    f"{self.receiver}. "
                    "Vị trí ghi theo dạng Trang!Ô.")
        else:
            ok = VALID_LINE if s.result is not None else f"Tệp chưa chấm được; hãy liên hệ {self.receiver}."
            b.line(ws, self.r, ok, 5, "subtitle", sum(WIDTHS))
            self.r += 2
            if not shown:
                return
            title, note = "GHI CHÚ THÊM (KHÔNG CẦN SỬA)", "Những điều công cụ đã tự xử lý; lần sau hãy lưu ý."
        b.line(ws, self.r, title, 5, "subtitle", sum(WIDTHS))
        b.line(ws, self.r + 1, note, 5, "note", sum(WIDTHS))
        self.r += 2
        head = b.fmt("head")
        for col, text in enumerate((ROW_NO, "Mức độ", "Vị trí", "Mã")):
            ws.write_string(self.r, col, text, head)
        ws.merge_range(self.r, 4, self.r, 5, "Nội dung", head)
        ws.repeat_rows(self.r)
        self.r += 1
        for n, f in enumerate(shown, start=1):
            self.finding_row(n, f)

    def finding_row(self, n: int, f: Finding) -> None:
        ws, b = self.ws, self.book
        where = place(f) or self.used.entry.name   # the whole file: its own name, not the office's path
        ws.write_number(self.r, 0, n, b.fmt("int"))
        ws.write_string(self.r, 1, f.severity.value, b.coloured(f.severity))
        ws.write_string(self.r, 2, where, b.fmt("wrap"))
        ws.write_string(self.r, 3, f.code.name, b.fmt("code"))
        ws.merge_range(self.r, 4, self.r, 5, f.message, b.fmt("wrap"))
        ws.set_row(self.r, height((f.message, TEXT_W, FONT_SIZE), (where, WIDTHS[2], FONT_SIZE)))
        self.r += 1


def _level_name(result: SchoolResult, rubric: Rubric | None) -> str:
    if rubric is None:
        return ""
    names = {b.level: b.name for g in rubric.groups for b in g.levels.bands}
    return f": {names[result.overall_level]}" if result.overall_level in names else ""
