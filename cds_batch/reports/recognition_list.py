"""Report, recognition list: the annex to the office's decision recognising the schools' levels.

In: the `Recognition` (each scored school's evaluated result and the office's decision), the
consolidated `District` (the roster's commune of each school), the office and the round.
Out: one .xlsx, written atomically, in the form such an annex takes: "PHỤ LỤC / DANH SÁCH TRƯỜNG ĐƯỢC
CÔNG NHẬN MỨC ĐỘ CHUYỂN ĐỔI SỐ / (Kèm theo Quyết định số …/QĐ-… của <office>)", the schools grouped by
the overall level recognised (Mức 3, 2, 1), then the schools not (yet) recognised with the decision and
its reason, then (only when there are any) the schools decided "Công nhận" that are not eligible,
each with what is missing ("Chưa đủ điều kiện công nhận"), then the place for the signature. A recognised
school whose errors the evaluators' values cured says so in its note. A4 portrait, one page wide, the
table's header repeated on every page, "Trang x/y" in the footer. Byte-identical for the same inputs.
`sections` (pure) is also what `report_page` publishes, so the annex and the web page always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from cds_batch.core.atomic import atomic_path
from cds_batch.core.office import signer_lines, signer_title
from cds_batch.district.consolidate import District
from cds_batch.district.recognition import NOT_ELIGIBLE, Recognition, SchoolRecognition, decision_label
from cds_batch.reports.book import FONT_SIZE, Book, RowLook, height
from cds_batch.reports.labels import ROW_NO, SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.standing import recognition_standing
from cds_batch.rubric.model import Rubric
from cds_batch.reports.tables import Column, Look, TableCell
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.checking.score import SchoolResult

from cds_batch.reports.contract import RECOGNITION_FILE as RECOGNITION_FILE, RECOGNITION_SHEET as SHEET  # noqa: F401
TITLE = "DANH SÁCH TRƯỜNG ĐƯỢC CÔNG NHẬN MỨC ĐỘ CHUYỂN ĐỔI SỐ"
LEVELS = (3, 2, 1)   # the order of the sections: the highest level first, as the decisions list them
ROMAN = ("I", "II", "III", "IV", "V")
COLUMNS = (Column(ROW_NO, 5, Look.INT), Column(SCHOOL_CODE, 9, Look.CODE), Column(SCHOOL_NAME, 34, Look.WRAP),
           Column("Xã/Phường", 21, Look.WRAP), Column("Nhóm 1 (dạy, học)", 9, Look.LEVEL),
           Column("Nhóm 2 (quản trị)", 9, Look.LEVEL), Column("Chung", 8, Look.LEVEL),
           Column("Ghi chú", 21, Look.WRAP))
LEVEL_HEAD = "Mức độ chuyển đổi số được công nhận"
FIRST_LEVEL_COL, LAST_COL = 4, len(COLUMNS) - 1
WIDTH = sum(c.width for c in COLUMNS)
_EXTRA: dict[str, dict[str, Any]] = {   # the annex's own looks, beside the house formats of `Book`
    "annex": {"bold": True, "align": "center", "font_size": 13},
    "title": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "font_size": 14},
    "centre": {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True},
    "attached": {"italic": True, "align": "center", "valign": "vcenter", "text_wrap": True},
    "summary": {"align": "center", "valign": "vcenter", "text_wrap": True},
    "section": {"bold": True, "border": 1, "bg_color": "#F2F2F2", "valign": "vcenter", "text_wrap": True},
    "empty": {"italic": True, "border": 1, "valign": "vcenter"},
    "sign_note": {"italic": True, "align": "center"},
    "standing": {"bold": True, "italic": True, "align": "center", "valign": "vcenter", "text_wrap": True},
}


@dataclass(frozen=True)
class Listed:
    """One school as the annex and the web page show it."""

    code: str
    name: str
    commune: str
    levels: tuple[int | None, int | None]   # recognised level of group 1 (dạy, học) and group 2 (quản trị)
    overall: int | None                     # the recognised overall level; None when not recognised
    self_overall: int                       # the level the school gave itself
    decision: str                           # `recognition.decision_label`
    comment: str                            # the evaluators' conclusion for the school
    withheld: bool = False                  # decided "Công nhận" but not eligible (`SchoolRecognition.withheld`)
    standing: str = ""                      # why it is withheld, or that its errors were resolved; "" otherwise

    @property
    def note(self) -> str:
        """The annex's "Ghi chú": why a school is withheld, the decision and its reason when not recognised,
        else the errors resolved and a changed level."""
        own = f"Tự đánh giá: Mức {self.self_overall}."
        if self.withheld:
            return f"{self.standing}. {own}"
        if self.overall is None:
            reason = f": {self.comment.rstrip('. ')}" if self.comment.rstrip(". ") else ""
            return f"{self.decision}{reason}. {own}"
        notes = [f"{self.standing}."] if self.standing else []
        return " ".join(notes + ([] if self.overall == self.self_overall else [own]))


@dataclass(frozen=True)
class ListPart:
    """A part of the list: the schools recognised at one level, or (level None) those not recognised."""

    level: int | None
    title: str
    schools: tuple[Listed, ...]
    withheld: bool = False   # the part of the schools decided "Công nhận" that are not eligible


def sections(recognition: Recognition, district: District) -> tuple[ListPart, ...]:
    """The list's parts, Mức 3, 2, 1 and not recognised, each in the roster's order, and a fifth for the
    schools decided "Công nhận" that are not eligible, when there are any. Pure.

    Every school of `recognition` is in exactly one part; a school without a decision is among the
    not recognised ("Chưa có kết luận"), so that a gap in the review shows instead of vanishing.
    """
    info = {row.info.code: row.info for row in district.schools}
    listed = [_listed(s, info.get(s.code)) for s in recognition.schools]
    parts = [ListPart(level, f"{ROMAN[n]}. Trường được công nhận đạt Mức {level}",
                      tuple(x for x in listed if x.overall == level)) for n, level in enumerate(LEVELS)]
    parts.append(ListPart(None, f"{ROMAN[len(LEVELS)]}. Trường chưa được công nhận",
                          tuple(x for x in listed if x.overall is None and not x.withheld)))
    withheld = tuple(x for x in listed if x.withheld)
    if withheld:
        parts.append(ListPart(None, f"{ROMAN[len(LEVELS) + 1]}. Trường {NOT_ELIGIBLE.lower()} (đã chọn Công "
                                    "nhận nhưng phiếu tự đánh giá còn lỗi chưa được xử lý)", withheld, withheld=True))
    return tuple(parts)


def _listed(school: SchoolRecognition, info: SchoolInfo | None) -> Listed:
    """The school's row: the evaluated group levels only when the office recognised them."""
    recognised = school.recognised_level is not None
    return Listed(school.code, school.name, info.commune if info else "",
                  (_level(school.result, 1), _level(school.result, 2)) if recognised else (None, None),
                  school.recognised_level, school.self_result.overall_level,
                  decision_label(school.decision), school.comment, school.withheld, school.standing)


def _level(result: SchoolResult, group_id: int) -> int | None:
    """A group's level, None for a rubric without that group."""
    return next((g.level for g in result.groups if g.id == group_id), None)


def counts(parts: Sequence[ListPart]) -> Mapping[int | None, int]:
    """Schools per part (level, or None for not recognised); the withheld part is `withheld_count`."""
    return {p.level: len(p.schools) for p in parts if not p.withheld}


def withheld_count(parts: Sequence[ListPart]) -> int:
    """Schools decided "Công nhận" that are not eligible."""
    return sum(len(p.schools) for p in parts if p.withheld)


def summary(parts: Sequence[ListPart]) -> str:
    """One sentence with the totals, as the line under an annex's title gives them."""
    n, held = counts(parts), withheld_count(parts)
    recognised = sum(n[level] for level in LEVELS)
    apart = f"; {NOT_ELIGIBLE.lower()}: {held} trường" if held else ""
    return (f"Tổng số: {recognised + n[None] + held} trường; được công nhận: {recognised} trường ("
            + ", ".join(f"Mức {level}: {n[level]}" for level in LEVELS)
            + f"); chưa được công nhận: {n[None]} trường{apart}.")


def write_recognition_list(recognition: Recognition, district: District, target: Path, *, office: str,
                           round_label: str, signer: str = "", rubrics: Sequence[Rubric] = ()) -> None:
    """Write the annex listing the schools by recognised level to `target` atomically.

    :param district: the run's district; only the roster's commune of each school is taken from it.
    :param signer: the title over the signature as typed ("CHỦ TỊCH", "GIÁM ĐỐC"; lines split by '/');
        "" = the default for the office's name (`office.signer_title`).
    :param rubrics: the run's rubrics: a line under the title names those of the list that are not official.
    """
    parts = sections(recognition, district)
    with atomic_path(target) as tmp:
        book = Book(tmp, title=f"Phụ lục: Danh sách trường được công nhận mức độ chuyển đổi số - {round_label}",
                    office=office, round_label=round_label,
                    comments="Tạo bằng cds_batch từ kết quả đánh giá ngoài và quyết định của đơn vị.")
        annex = _Annex(book, office, round_label, recognition_standing(recognition, rubrics))
        annex.write(parts, signer_title(office, signer))
        book.close()


class _Annex:
    """The one sheet of the annex, written top to bottom."""

    def __init__(self, book: Book, office: str, round_label: str, standing: str | None = None) -> None:
        self.book, self.office, self.round_label, self.standing = book, office, round_label, standing
        self.ws = book.sheet(SHEET, landscape=False, footer="Phụ lục: Danh sách trường được công nhận")
        self.ws.center_horizontally()
        for col, c in enumerate(COLUMNS):
            self.ws.set_column(col, col, c.width)
        self.formats = {name: book.wb.add_format(spec) for name, spec in _EXTRA.items()}

    def write(self, parts: Sequence[ListPart], signer: str) -> None:
        """Title block, header, the four parts, signature."""
        top = self.title_block(parts)
        row = self.header(top)
        look = RowLook(COLUMNS)
        for part in parts:
            row = self.part(row, part, look)
        self.signature(row + 1, signer)

    def line(self, row: int, text: str, style: str, first: int = 0, last: int = LAST_COL,
             size: float = FONT_SIZE) -> None:
        """`text` merged across columns first..last, tall enough to show it all."""
        self.ws.merge_range(row, first, row, last, text, self.formats[style])
        width = sum(c.width for c in COLUMNS[first:last + 1])
        self.ws.set_row(row, height((text, width * 0.95, size)))

    def title_block(self, parts: Sequence[ListPart]) -> int:
        """"PHỤ LỤC", the title, the round, what decision it is attached to, the totals; the next free row."""
        of = self.office or "……………"
        self.line(0, "PHỤ LỤC", "annex", size=13)
        self.line(1, TITLE, "title", size=14)
        if self.round_label:
            self.line(2, self.round_label, "centre")
        self.line(3, f"(Kèm theo Quyết định số ……/QĐ-…… ngày …… tháng …… năm …… của {of})", "attached")
        self.line(4, summary(parts), "summary")
        if self.standing:   # the rubric is not the official text: said before any level
            self.line(5, self.standing, "standing")
        return 7 if self.standing else 6

    def header(self, top: int) -> int:
        """The two header rows (repeated on every printed page); the first row under them."""
        head = self.book.fmt("head")
        for col, c in enumerate(COLUMNS):
            if FIRST_LEVEL_COL <= col < LAST_COL:
                self.ws.write_string(top + 1, col, c.header, head)
            else:
                self.ws.merge_range(top, col, top + 1, col, c.header, head)
        self.ws.merge_range(top, FIRST_LEVEL_COL, top, LAST_COL - 1, LEVEL_HEAD, head)
        level_width = sum(c.width for c in COLUMNS[FIRST_LEVEL_COL:LAST_COL])
        self.ws.set_row(top, height((LEVEL_HEAD, level_width * 0.9, FONT_SIZE)))
        self.ws.set_row(top + 1, height(*((c.header, c.width * 0.9, FONT_SIZE) for c in COLUMNS[FIRST_LEVEL_COL:-1])))
        self.ws.repeat_rows(top, top + 1)
        self.ws.freeze_panes(top + 2, 0)
        return top + 2

    def part(self, row: int, part: ListPart, look: RowLook) -> int:
        """A part's title row and its schools numbered from 1; the next free row."""
        self.line(row, f"{part.title} ({len(part.schools)} trường)", "section")
        row += 1
        if not part.schools:
            self.line(row, "Không có trường nào.", "empty")
            return row + 1
        for n, school in enumerate(part.schools, start=1):
            self.book.write_row(self.ws, row, look, _cells(n, school))
            row += 1
        return row

    def signature(self, row: int, signer: str) -> None:
        """The signer's title and the room to sign and stamp, on the right as Vietnamese documents have it."""
        first = FIRST_LEVEL_COL
        lines = signer_lines(signer)   # "TM. ỦY BAN NHÂN DÂN" over "CHỦ TỊCH": one row each
        for n, text in enumerate(lines):
            self.line(row + n, text, "centre", first=first)
        row += len(lines) - 1
        self.line(row + 1, "(Ký, ghi rõ họ tên và đóng dấu)", "sign_note", first=first)
        for r in range(row + 2, row + 6):   # blank rows: the signature and the stamp
            self.ws.set_row(r, FONT_SIZE * 4 / 3 + 2)


def _cells(n: int, school: Listed) -> tuple[TableCell, ...]:
    """A school's row of the annex: school text as strings, levels as numbers."""
    return (n, school.code, school.name, school.commune, *school.levels, school.overall, school.note)
