"""Review, write: the workbook "Đánh giá ngoài" the office's evaluators fill.

In: the consolidated `District`, the run's rubrics, the office and round, and what each school listed
as evidence for each criterion.
Out: `danh-gia-ngoai.xlsx`, written atomically beside the summary:
  "Đánh giá tiêu chí"  one row per criterion of each school with a scored self-assessment: school,
                       group, criterion, the school's answer and points, the maximum, its evidence;
                       yellow columns for the evaluated points (or Đạt / Không đạt) and a comment;
  "Kết luận"           one row per school: its self-assessed levels, and yellow columns for the
                       decision (Công nhận / Yêu cầu bổ sung / Không công nhận), the reviewer and a comment;
  "_cds_review"        hidden: the workbook's identity (kind, layout version, round, office, tool
                       version, every rubric with its content hash, each school's rubric) as cells and
                       defined names, also kept as custom document properties (as the school template does).
Byte-identical for the same inputs (fixed document date). Its names, headers and identity keys are
defined in `review.layout`, which `review.read` goes by (never by positions); `review.spool` holds a
province's schools on disk while a process of its own writes the workbook.

Sorting and protection. Evaluators sort and filter the rows, and both Excel and LibreOffice refuse
to sort a range of a protected sheet that holds a locked cell (Excel: "users can't sort ranges that
contain locked cells on a protected worksheet, regardless of this setting"; LibreOffice 7.4 silently
leaves such a range unsorted — tried over UNO, both with `XSortable.sort` and `.uno:DataSort`). So
every cell of the table body is unlocked, the information columns included, and the sheet is
protected without a password with sorting, filtering and column/row formatting allowed: what stays
locked is what the reader needs intact — the titles and the header row it finds the columns by. The
information columns are grey and never read back (the tool takes the school's values from the run);
the two key columns carry a list validation (school codes, criterion codes) with a stop alert, so a
code cannot be typed over by mistake; and the reader checks every key anyway. A validation per row
(0..6 here, 0..15 there) would be right only as long as a sort moves it with its row, which cannot be
relied on across programs; so each column has one rule whose formula looks at its own row: "0 ≤ points
≤ the row's maximum, or Đạt / Không đạt where the maximum says 'Điều kiện'" (LibreOffice keeps these
rules whole-column through a sort: tests/review/test_review.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from cds_batch import __version__
from cds_batch.core.atomic import atomic_path
from cds_batch.core.cells import a1
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.numbers import decimal_text, sheet_number, value_text
from cds_batch.district.consolidate import District, SchoolRow, Status
from cds_batch.district.recognition import Decision, Review
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES, item_key, parse_flag, parse_number
from cds_batch.reports.book import FONT_SIZE, Book, height
from cds_batch.reports.labels import CONDITION_MAX
from cds_batch.reports.tables import Column
from cds_batch.review.layout import (
    CRITERIA_COLUMNS, CRITERIA_NOTE, H_CODE, H_DECISION, H_MAX, H_NAME, H_NOTE, H_OVERALL, H_POINTS,
    H_REVIEWER, H_RUBRIC, H_SCHOOL, H_SELF, H_STATUS, K_CRITERION, K_KIND, K_OFFICE, K_ROUND, K_RUBRIC, K_SCHOOL,
    K_TOOL, K_VERSION, KIND, LAYOUT_VERSION, N_CRITERIA, N_SCHOOLS, RUBRIC_PROPERTY, SCHOOLS_NOTE, SHEET_CRITERIA,
    SHEET_META, SHEET_SCHOOLS)
from cds_batch.review.spool import Spool, outline
from cds_batch.rubric.model import Criterion, Kind, Rubric

GREY, YELLOW = "#EDEDED", "#FFF2CC"
BIG_ROWS = 20_000   # from this many criterion rows the workbook streams its rows to disk (Book(big=True))


def reviewed_rows(district: District) -> list[SchoolRow]:
    """The schools to evaluate: in the roster, with a self-assessment that could be scored."""
    return [row for row in district.schools if row.status in (Status.VALID, Status.NEEDS_FIX)
            and row.used is not None and row.used.result is not None]


def write_review(rows: Sequence[SchoolRow] | Spool, rubrics: Sequence[Rubric], target: Path, *, office: str,
                 round_label: str, prior: Review | None = None) -> None:
    """Write the review workbook of `rows` (`reviewed_rows`) to `target` atomically.

    :param rows: the schools, or a `Spool` of them (read once, one school at a time).
    :param rubrics: the run's rubrics; each school's rows follow the rubric it was scored with.
    :param prior: the evaluators' work read back from an earlier review workbook of the round: its
        points, comments, decisions and reviewers are written in again, so a later run (a late or
        corrected file) never makes them start over. Lines of criteria or schools no longer listed drop out.
    """
    by_id = {r.id: r for r in rubrics}
    ids, count = (rows.rubric_ids, rows.lines) if isinstance(rows, Spool) else outline(rows, by_id)
    if unknown := [i for i in ids if i not in by_id]:
        raise CdsBatchError(f"Không ghi được bảng đánh giá ngoài: thiếu bộ chỉ số {', '.join(unknown)} mà các trường "
                            "đã dùng; hãy chạy lại với --rubric của bộ chỉ số đó.")
    used = [by_id[i] for i in ids] or list(rubrics)
    groups = sorted({g.id for r in used for g in r.groups})
    earlier = _Prior(prior)
    # The schools are gone through once: their criterion rows are made as they are written, never held
    # (with each school's evidence text they were 28 MB of the 68 MB that writing the workbook of 3,000
    # schools held), and the few cells of their "Kết luận" row and hidden key row are noted on the way.
    schools: list[list[object]] = []
    keys: list[tuple[str, str]] = []

    def note(row: SchoolRow) -> None:
        assert row.used is not None
        schools.append([*_school_cells(row, groups), *earlier.school(row.info.code)])
        keys.append((row.info.code, row.used.rubric_id))

    title = f"Đánh giá ngoài mức độ chuyển đổi số - {round_label}" if round_label else \
        "Đánh giá ngoài mức độ chuyển đổi số"
    with atomic_path(target) as tmp, Book(tmp, title=title, office=office, round_label=round_label,
                                          big=count >= BIG_ROWS,
                                          comments="Tạo bằng cds_batch: bảng đánh giá ngoài của đơn vị.") as book:
        writer = _Writer(book)
        writer.identity(office, round_label, used)
        writer.criteria(_lines(rows, by_id, earlier, note), count, office, round_label)
        writer.schools(schools, groups, office, round_label)
        writer.meta(office, round_label, used, keys)
        book.close()


class _Prior:
    """An earlier review's values by school and criterion code, as cell values to write in again."""

    def __init__(self, review: Review | None) -> None:
        lines = review.criteria if review else ()
        self.lines = {(x.school_code, x.code): x for x in lines}
        self.schools = {x.school_code: x for x in (review.schools if review else ())}

    def line(self, school: str, code: str) -> tuple[object, object]:
        x = self.lines.get((school, code))
        if x is None:
            return None, None
        value: object = None
        if x.met is not None:
            value = CONDITION_YES if x.met else CONDITION_NO
        elif x.points is not None:
            value = sheet_number(x.points)
        return value, x.comment or None

    def school(self, code: str) -> list[object]:
        x = self.schools.get(code)
        if x is None:
            return [None, None, None]
        return [x.decision.label if x.decision else None, x.reviewer or None, x.comment or None]


def answer_text(c: Criterion, answers: Mapping[str, object]) -> str:
    """The school's answer as it typed it; a checklist as its base choice and the items marked Có."""
    if c.kind is Kind.CHECKLIST:
        parts = [value_text(answers.get(c.code))] if c.options else []
        yes = sum(parse_flag(answers.get(item_key(c.code, n)), (ITEM_YES, ITEM_NO)).value is True
                  for n in range(1, len(c.items) + 1))
        return "; ".join([*parts, f"{yes}/{len(c.items)} mục {ITEM_YES}"])
    raw = answers.get(c.code)
    if c.kind is Kind.PERCENTAGE and (parsed := parse_number(raw, percent=True)).value is not None:
        return f"{decimal_text(parsed.value)}%"
    return value_text(raw)


def _lines(rows: Iterable[SchoolRow], by_id: Mapping[str, Rubric], prior: _Prior,
           note: Callable[[SchoolRow], None]) -> Iterator[tuple[object, ...]]:
    """The criterion rows of `rows`, school after school; `note` sees each school before its rows."""
    for row in rows:
        note(row)
        used = row.used
        assert used is not None and used.result is not None
        scores = {c.code: c for c in used.result.criteria}
        listed = used.evidence
        for group in by_id[used.rubric_id].groups:
            for c in group.criteria:
                s = scores[c.code]
                own: object = (CONDITION_YES if s.met else CONDITION_NO) if c.kind is Kind.CONDITION \
                    else sheet_number(s.claimed)
                top: object = CONDITION_MAX if c.kind is Kind.CONDITION else sheet_number(c.max_points)
                yield (row.info.code, row.info.name, group.id, c.code, c.name, answer_text(c, used.answers), own,
                       top, listed.get(c.code, ""), *prior.line(row.info.code, c.code))


def _points_rule(first_row: int) -> str:
    """The validity of the evaluated-points cell of `first_row`, relative to its own row (see docstring)."""
    cols = [c.header for c in CRITERIA_COLUMNS]
    v = a1(first_row, cols.index(H_POINTS))
    top = "$" + a1(first_row, cols.index(H_MAX))
    return (f'IF(ISNUMBER({top}),AND(ISNUMBER({v}),{v}>=0,{v}<={top}),'
            f'OR({v}="{CONDITION_YES}",{v}="{CONDITION_NO}"))')


class _Writer:
    """The three sheets of one review workbook, written top to bottom (a big Book streams its rows)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        cell = {"border": 1, "valign": "top", "text_wrap": True, "locked": False}
        specs: dict[str, dict[str, Any]] = {
            "info": {**cell, "bg_color": GREY},
            "info_c": {**cell, "bg_color": GREY, "align": "center"},
            "info_n": {**cell, "bg_color": GREY, "align": "center", "num_format": "0.0#"},
            "input": {**cell, "bg_color": YELLOW},
            "input_c": {**cell, "bg_color": YELLOW, "align": "center"},
            "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
            "free": {"locked": False},
            # The yellow columns' empty cells are not written (two of the eleven cells of each criterion
            # row): they take the column's format, and a conditional format colours them in the table only.
            "input_col": {"locked": False, "valign": "top", "text_wrap": True},
            "input_col_c": {"locked": False, "valign": "top", "text_wrap": True, "align": "center"},
            "yellow": {"bg_color": YELLOW, "border": 1},
        }
        self.f = {name: book.wb.add_format(spec) for name, spec in specs.items()}

    def identity(self, office: str, round_label: str, rubrics: Sequence[Rubric]) -> None:
        """Custom document properties: the identity a reader finds even when the hidden sheet is gone."""
        for key, value in _scalars(office, round_label).items():
            self.book.wb.set_custom_property(key, value)
        for r in rubrics:
            self.book.wb.set_custom_property(RUBRIC_PROPERTY + r.id, r.content_hash)

    def top(self, ws: Any, columns: Sequence[Column], title: str, office: str, round_label: str, note: str,
            looks: Sequence[str] = ()) -> int:
        """Title, office and round, and how to fill; returns the header row."""
        last, width = len(columns) - 1, sum(c.width for c in columns)
        self.book.line(ws, 0, title, last, "title", width)
        self.book.line(ws, 1, f"Đơn vị: {office or '(không ghi)'}. Đợt: {round_label or '(không ghi)'}.", last,
                       "subtitle", width)
        self.book.line(ws, 2, note, last, "note", width)
        for col, c in enumerate(columns):   # unlocked below the table too: sorting whole columns works
            look = looks[col] if looks else ""
            ws.set_column(col, col, c.width, self.f[look.replace("input", "input_col") if _typed(look) else "free"])
        return 4

    def table(self, ws: Any, columns: Sequence[Column], head: int, rows: Iterable[Sequence[object]], count: int,
              looks: Sequence[str]) -> int:
        """Header at `head`, then the `count` `rows` in the formats `looks`; autofilter, frozen header. Returns
        the last row."""
        self.book.write_header(ws, head, columns)
        wrapped = [(i, c.width) for i, c in enumerate(columns) if looks[i] in ("info", "input")]
        for n, cells in enumerate(rows, start=1):
            for col, (value, look) in enumerate(zip(cells, looks)):
                f = self.f[look]
                if value is None or value == "":
                    if not _typed(look):
                        ws.write_blank(head + n, col, None, f)
                elif isinstance(value, str):
                    ws.write_string(head + n, col, value, f)
                else:
                    ws.write_number(head + n, col, value, f)
            ws.set_row(head + n, height(*((str(cells[i]), w, FONT_SIZE) for i, w in wrapped if cells[i])))
        last = head + count
        if count:
            ws.autofilter(head, 0, last, len(columns) - 1)
        ws.freeze_panes(head + 1, 2)
        ws.repeat_rows(head)
        # No password (as the school template): sorting needs every body cell unlocked (module docstring).
        ws.protect("", {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True})
        return last

    def yellow(self, ws: Any, first: int, last: int, looks: Sequence[str]) -> None:
        """The table's yellow columns in yellow, empty cells included; added after the sheet's other
        conditional formats, which then come first (a value out of range shows red)."""
        for col in (i for i, look in enumerate(looks) if _typed(look)):
            ws.conditional_format(first, col, last, col, {"type": "formula", "criteria": "=TRUE",
                                                          "format": self.f["yellow"]})

    def key_rule(self, ws: Any, first: int, last: int, header: str, columns: Sequence[Column], source: str) -> None:
        col = [c.header for c in columns].index(header)
        ws.data_validation(first, col, last, col, {
            "validate": "list", "source": f"={source}", "dropdown": False, "input_title": header,
            "input_message": "Cột khóa: công cụ đọc lại dòng theo mã này, không sửa.",
            "error_title": "Không sửa cột khóa", "error_message": f"'{header}' phải là một mã có trong bảng; "
                                                                  "hãy bấm Hủy (Cancel) để giữ mã cũ."})

    def criteria(self, lines: Iterable[tuple[object, ...]], count: int, office: str, round_label: str) -> None:
        ws = self.book.sheet(SHEET_CRITERIA, landscape=True)
        cols = CRITERIA_COLUMNS
        looks = ("info_c", "info", "info_c", "info_c", "info", "info", "info_n", "info_n", "info", "input_c",
                 "input")
        head = self.top(ws, cols, "ĐÁNH GIÁ NGOÀI THEO TIÊU CHÍ", office, round_label, CRITERIA_NOTE, looks)
        last = self.table(ws, cols, head, lines, count, looks)
        if not count:
            self.book.line(ws, head + 1, "Không có trường nào có phiếu tự đánh giá đã chấm để đánh giá.",
                           len(cols) - 1, "text", sum(c.width for c in cols))
            return
        first = head + 1
        self.key_rule(ws, first, last, H_SCHOOL, cols, N_SCHOOLS)
        self.key_rule(ws, first, last, H_CODE, cols, N_CRITERIA)
        col = [c.header for c in cols].index(H_POINTS)
        rule = _points_rule(first)
        ws.data_validation(first, col, last, col, {
            "validate": "custom", "value": f"={rule}", "input_title": H_POINTS,
            "input_message": f"Số điểm từ 0 đến '{H_MAX}' của dòng; điều kiện bắt buộc: {CONDITION_YES} hoặc "
                             f"{CONDITION_NO}. Để trống: giữ kết quả trường tự đánh giá.",
            "error_title": "Giá trị không hợp lệ",
            "error_message": f"Hãy ghi số điểm từ 0 đến điểm tối đa của dòng, hoặc {CONDITION_YES} / "
                             f"{CONDITION_NO} với điều kiện bắt buộc."})
        ref = a1(first, col)
        ws.conditional_format(first, col, last, col, {
            "type": "formula", "criteria": f'=AND({ref}<>"",NOT({rule}))', "format": self.f["bad"]})
        ws.data_validation(first, col + 1, last, col + 1, {
            "validate": "length", "criteria": "<=", "value": 2000, "error_title": "Nội dung quá dài",
            "error_message": "Ô này ghi tối đa 2000 ký tự."})
        self.yellow(ws, first, last, looks)

    def schools(self, table: Sequence[list[object]], ids: Sequence[int], office: str, round_label: str) -> None:
        """The "Kết luận" sheet: `table` holds each school's cells (`_school_cells` and the earlier review's)."""
        ws = self.book.sheet(SHEET_SCHOOLS, landscape=True)
        cols = [Column(H_SCHOOL, 9), Column(H_NAME, 26), Column(H_RUBRIC, 14), Column(H_STATUS, 11)]
        for gid in ids:
            cols += [Column(f"{H_SELF} nhóm {gid}", 9), Column(f"Mức tự đánh giá nhóm {gid}", 9)]
        cols += [Column(H_OVERALL, 9), Column(H_DECISION, 16), Column(H_REVIEWER, 20), Column(H_NOTE, 34)]
        looks = ["info_c", "info", "info_c", "info_c", *(["info_n", "info_c"] * len(ids)), "info_c", "input_c",
                 "input", "input"]
        head = self.top(ws, cols, "KẾT LUẬN ĐÁNH GIÁ NGOÀI THEO TRƯỜNG", office, round_label, SCHOOLS_NOTE, looks)
        last = self.table(ws, cols, head, table, len(table), looks)
        if not table:
            return
        first = head + 1
        self.key_rule(ws, first, last, H_SCHOOL, cols, N_SCHOOLS)
        col = [c.header for c in cols].index(H_DECISION)
        labels = [d.label for d in Decision]
        ws.data_validation(first, col, last, col, {
            "validate": "list", "source": labels, "input_title": H_DECISION,
            "input_message": "Chọn một quyết định trong danh sách.", "error_title": "Không có trong danh sách",
            "error_message": "Hãy chọn " + ", ".join(labels) + "."})
        ref = a1(first, col)
        known = ",".join(f'{ref}<>"{label}"' for label in labels)
        ws.conditional_format(first, col, last, col, {
            "type": "formula", "criteria": f'=AND({ref}<>"",{known})', "format": self.f["bad"]})
        self.yellow(ws, first, last, looks)

    def meta(self, office: str, round_label: str, rubrics: Sequence[Rubric],
             schools: Sequence[tuple[str, str]]) -> None:
        """The hidden identity sheet: key rows, each value named; the key columns' lists are named ranges.

        :param schools: (school code, rubric id) of each school listed.
        """
        ws = self.book.wb.add_worksheet(SHEET_META)
        ws.hide()
        ws.protect("")
        ws.write_row(0, 0, ["Khóa", "Giá trị"])
        r = 1
        for key, value in _scalars(office, round_label).items():
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, value)
            self.book.wb.define_name(key, f"='{SHEET_META}'!$B${r + 1}")
            r += 1
        for rubric in rubrics:
            ws.write_row(r, 0, [K_RUBRIC, rubric.id, rubric.content_hash, rubric.version])
            r += 1
        r = self.listed(ws, r, K_SCHOOL, N_SCHOOLS, schools)
        codes = dict.fromkeys(c.code for rubric in rubrics for g in rubric.groups for c in g.criteria)
        self.listed(ws, r, K_CRITERION, N_CRITERIA, [(code,) for code in codes])

    def listed(self, ws: Any, r: int, key: str, name: str, values: Sequence[tuple[str, ...]]) -> int:
        """Key rows `key | value…` from row `r`, their first values named `name`; returns the next row."""
        for n, value in enumerate(values):
            ws.write_row(r + n, 0, [key, *value])
        if values:
            self.book.wb.define_name(name, f"='{SHEET_META}'!$B${r + 1}:$B${r + len(values)}")
        return r + len(values)


def _typed(look: str) -> bool:
    """A column the evaluators type into (yellow)."""
    return look.startswith("input")


def _scalars(office: str, round_label: str) -> dict[str, str]:
    return {K_KIND: KIND, K_VERSION: LAYOUT_VERSION, K_ROUND: round_label, K_OFFICE: office, K_TOOL: __version__}


def _school_cells(row: SchoolRow, ids: Sequence[int]) -> list[object]:
    used = row.used
    assert used is not None and used.result is not None
    cells: list[object] = [row.info.code, row.info.name, used.rubric_id, row.status.label]
    for gid in ids:
        g = next((g for g in used.result.groups if g.id == gid), None)
        cells += [sheet_number(g.score), g.level] if g is not None else [None, None]
    return [*cells, used.result.overall_level]
