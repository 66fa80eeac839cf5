"""Read stage, external evaluation: the review workbook the office filled → a `Review`.

In: the path of a review workbook written by `review_book` (as saved by Excel or LibreOffice: rows
sorted, filtered, hidden), the run's rubrics, round label and roster.
Out: a `recognition.Review` — every evaluated criterion and every school's decision, keyed by the
school and criterion codes each row carries (never by position: the header row and each column are
found by their texts) — with findings for values that cannot be used, which are then ignored.
A workbook that cannot be trusted raises `CdsBatchError`, naming the file, sheet and cell: not a
review workbook, another rubric version (content hash), another round, a school it does not know.

Values come from the project's reader (`read.Workbook`: python-calamine, the defined names and the
custom properties of the file itself); answers are parsed by the shared answer convention, so "7,5"
and 7.5 are the same exact Fraction.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Mapping, Sequence

from cds_batch.core.numbers import decimal_text, value_text
from cds_batch.review import layout as B
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, parse_flag, parse_number
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.core.cells import a1
from cds_batch.reading.workbook import Workbook
from cds_batch.reading.locate import named_cell
from cds_batch.reading.values import identity_text
from cds_batch.district.recognition import CriterionReview, Decision, Review, SchoolDecision
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Criterion, Kind, Rubric
from cds_batch.core.text import clean, fold

HEADER_SCAN = 30   # the header row is looked for in this many rows from the top


@dataclass(frozen=True)
class _Table:
    """A sheet's rows, its header row and the column of each header text (folded)."""

    sheet: str
    rows: list[list[object]]
    head: int
    cols: dict[str, int]

    def value(self, r: int, header: str) -> object:
        c = self.cols.get(fold(header))
        row = self.rows[r]
        return row[c] if c is not None and c < len(row) else None

    def ref(self, r: int, header: str) -> str:
        return a1(r, self.cols[fold(header)])


def read_review(path: Path, rubrics: Sequence[Rubric], *, round_label: str, roster: Sequence[SchoolInfo]) -> Review:
    """Read the review workbook at `path`; raises CdsBatchError when it cannot be trusted (module docstring).

    :param rubrics: the run's rubrics; every rubric the workbook names must be one of them, unchanged.
    :param roster: the office's schools; a row for a school not in it stops the reading.
    """
    with Workbook(path) as book:
        reader = _Reader(book, path.name, {r.id: r for r in rubrics}, {s.code for s in roster})
        office = reader.check(round_label)
        criteria = reader.criteria()
        schools = reader.schools()
        return Review(path.name, round_label, office, reader.hashes, tuple(criteria), tuple(schools),
                      tuple(reader.findings))


def read_reviews(paths: Sequence[Path], rubrics: Sequence[Rubric], *, round_label: str,
                 roster: Sequence[SchoolInfo]) -> Review | None:
    """`read_review` of each path (a review split in parts), as one `Review`; None for no path.
    A school in two of them stops the reading: which of the two counts cannot be guessed."""
    reviews = [read_review(p, rubrics, round_label=round_label, roster=roster) for p in paths]
    if not reviews:
        return None
    owner: dict[str, str] = {}
    for review in reviews:
        codes = {*(x.school_code for x in review.criteria), *(x.school_code for x in review.schools)}
        for code in sorted(codes):
            if code in owner:
                raise CdsBatchError(f"Trường {code} có trong hai bảng đánh giá ngoài '{owner[code]}' và "
                                    f"'{review.file}'; mỗi trường chỉ được có trong một bảng. Hãy bỏ bớt một tệp "
                                    "rồi chạy lại.")
            owner[code] = review.file
    first = reviews[0]
    return Review(", ".join(r.file for r in reviews), round_label, first.office,
                  {k: v for r in reviews for k, v in r.rubric_hashes.items()},
                  tuple(x for r in reviews for x in r.criteria), tuple(x for r in reviews for x in r.schools),
                  tuple(x for r in reviews for x in r.findings))


def _text(value: object) -> str:
    return clean(str(value)) if value is not None else ""


class _Reader:
    def __init__(self, book: Workbook, file: str, rubrics: Mapping[str, Rubric], roster: set[str]) -> None:
        self.book, self.file, self.rubrics, self.roster = book, file, rubrics, roster
        self.meta = book.find(B.SHEET_META)
        self.hashes: dict[str, str] = {}
        self.school_rubric: dict[str, Rubric] = {}
        self.findings: list[Finding] = []

    def at(self, sheet: str, cell: str) -> str:
        """'Tệp 'x.xlsx', trang 'Kết luận', ô F7' — or less, as much as is known."""
        return f"Tệp '{self.file}'" + (f", trang '{sheet}'" if sheet else "") + (f", ô {cell}" if cell else "")

    # --- identity ---------------------------------------------------------------------------------

    def scalar(self, key: str) -> tuple[str | None, str]:
        """An identity value and where it was read (a cell, or the custom property)."""
        spot = named_cell(self.book.names, self.book, key) or self.keyed(key)
        value = identity_text(self.book.raw(spot)) if spot else None
        if value is not None and spot is not None:
            return value, self.at(*spot)
        prop = identity_text(self.book.properties.get(key))
        return prop, f"Tệp '{self.file}', thuộc tính tệp {key}"

    def keyed(self, key: str) -> tuple[str, str] | None:
        """The cell beside the first hidden-sheet row keyed `key`."""
        rows = self.keyed_rows(key)
        return (self.meta, a1(rows[0][0], 1)) if rows and self.meta else None

    def keyed_rows(self, key: str) -> list[tuple[int, list[str]]]:
        """The hidden sheet's rows whose column A is `key`: (row, the values from column B on)."""
        if self.meta is None:
            return []
        return [(r, [identity_text(v) or "" for v in row[1:]]) for r, row in enumerate(self.book.rows(self.meta))
                if row and identity_text(row[0]) == key]

    def check(self, round_label: str) -> str:
        """Raise unless this is a review workbook of this round whose rubrics are the run's; return its office."""
        kind, where = self.scalar(B.K_KIND)
        if kind != B.KIND:
            raise CdsBatchError(f"{where}: tệp không phải bảng đánh giá ngoài do cds_batch ghi (loại tệp "
                                f"'{kind or 'không có'}', cần '{B.KIND}'). Hãy dùng tệp {B.REVIEW_FILE} trong thư mục "
                                "kết quả của lệnh cds-batch run.")
        version, where = self.scalar(B.K_VERSION)
        if version != B.LAYOUT_VERSION:
            raise CdsBatchError(f"{where}: bảng đánh giá ngoài theo mẫu phiên bản '{version}', công cụ đọc phiên bản "
                                f"'{B.LAYOUT_VERSION}'. Hãy ghi lại bảng bằng phiên bản công cụ này.")
        sent, where = self.scalar(B.K_ROUND)
        if fold(sent or "") != fold(round_label):
            raise CdsBatchError(f"{where}: bảng đánh giá ngoài thuộc đợt '{sent or ''}', không phải đợt đang xử lý "
                                f"'{round_label}'. Hãy dùng bảng của đợt này, hoặc chạy lại với --round đúng đợt.")
        self.rubric_identity()
        self.schools_identity()
        office, _ = self.scalar(B.K_OFFICE)
        return office or ""

    def rubric_identity(self) -> None:
        """Every rubric the workbook names must be loaded and have the same content hash."""
        listed = [(values[0], values[1], self.at(self.meta or "", a1(r, 2)))
                  for r, values in self.keyed_rows(B.K_RUBRIC) if len(values) >= 2]
        if not listed:   # the hidden sheet is gone: the custom properties still say
            listed = [(key[len(B.RUBRIC_PROPERTY):], identity_text(value) or "",
                       f"Tệp '{self.file}', thuộc tính tệp {key}")
                      for key, value in self.book.properties.items() if key.startswith(B.RUBRIC_PROPERTY)]
        if not listed:
            raise CdsBatchError(f"Tệp '{self.file}': bảng đánh giá ngoài không ghi bộ chỉ số nào (trang ẩn "
                                f"{B.SHEET_META} đã bị xóa?). Hãy ghi lại bảng bằng lệnh cds-batch run.")
        for rid, digest, where in listed:
            rubric = self.rubrics.get(rid)
            if rubric is None:
                loaded = ", ".join(sorted(self.rubrics)) or "không bộ nào"
                raise CdsBatchError(f"{where}: bảng đánh giá ngoài làm theo bộ chỉ số '{rid}' nhưng lần chạy này chỉ "
                                    f"có {loaded}. Hãy chạy lại với --rubric của bộ chỉ số đó.")
            if digest != rubric.content_hash:
                raise CdsBatchError(f"{where}: bảng đánh giá ngoài làm theo phiên bản khác của bộ chỉ số '{rid}' (mã "
                                    f"băm {digest[:12]}, bản đang dùng {rubric.short_hash}); điểm tối đa và cách tính "
                                    "có thể đã khác. Hãy ghi lại bảng đánh giá bằng bộ chỉ số đang dùng.")
            self.hashes[rid] = digest

    def schools_identity(self) -> None:
        """Each school's rubric: the hidden sheet's rows, else (sheet deleted) the visible 'Bộ chỉ số' column."""
        pairs = [(values[0], values[1]) for _, values in self.keyed_rows(B.K_SCHOOL) if len(values) >= 2]
        if not pairs:
            t = self.table(B.SHEET_SCHOOLS, (B.H_SCHOOL, B.H_DECISION), (B.H_SCHOOL, B.H_RUBRIC))
            pairs = [(identity_text(t.value(r, B.H_SCHOOL)) or "", identity_text(t.value(r, B.H_RUBRIC)) or "")
                     for r in range(t.head + 1, len(t.rows))]
        self.school_rubric = {code: self.rubrics[rid] for code, rid in pairs if code and rid in self.hashes}

    # --- tables -----------------------------------------------------------------------------------

    def table(self, name: str, keys: Sequence[str], needed: Sequence[str]) -> _Table:
        """The sheet `name` with its header row found by the texts `keys`; every `needed` header must be there."""
        sheet = self.book.find(name)
        if sheet is None:
            near = difflib.get_close_matches(name, list(self.book.sheets), n=1)
            hint = f" Có phải trang '{near[0]}'?" if near else ""
            raise CdsBatchError(f"{self.at('', '')}: không có trang '{name}' của bảng đánh giá ngoài.{hint} Không đổi "
                                "tên hay xóa trang của bảng.")
        rows = self.book.rows(sheet)
        for r, row in enumerate(rows[:HEADER_SCAN]):
            labels = [fold(str(v)) if v not in (None, "") else "" for v in row]
            if all(fold(k) in labels for k in keys):
                cols = {label: c for c, label in reversed(list(enumerate(labels))) if label}
                missing = [h for h in needed if fold(h) not in cols]
                if missing:
                    names = ", ".join(f"'{h}'" for h in missing)
                    raise CdsBatchError(f"{self.at(sheet, a1(r, 0))}: dòng tiêu đề thiếu cột {names}. Không xóa hay "
                                        "đổi tên cột của bảng.")
                return _Table(sheet, rows, r, cols)
        raise CdsBatchError(f"{self.at(sheet, '')}: không tìm thấy dòng tiêu đề (cần các cột "
                            + ", ".join(f"'{k}'" for k in keys) + "). Không xóa hay đổi tên cột của bảng.")

    def school(self, t: _Table, r: int) -> str | None:
        """The row's school code, checked: a code the roster or this review does not know stops the reading."""
        code = identity_text(t.value(r, B.H_SCHOOL))
        if code is None:
            return None
        where = self.at(t.sheet, t.ref(r, B.H_SCHOOL))
        if code not in self.roster:
            raise CdsBatchError(f"{where}: mã trường '{code}' không có trong danh sách trường của đơn vị. Cột "
                                f"'{B.H_SCHOOL}' là cột khóa: hãy trả lại mã trường cũ của dòng này.")
        if code not in self.school_rubric:
            raise CdsBatchError(f"{where}: trường '{code}' không có trong bảng đánh giá ngoài này (trường chưa nộp "
                                f"hoặc phiếu chưa chấm được). Cột '{B.H_SCHOOL}' là cột khóa: hãy trả lại mã trường "
                                "cũ của dòng này.")
        return code

    def flag(self, code: Code, t: _Table, r: int, header: str, raw: object, *, detail: str,
             expected: str = "") -> None:
        """A finding (V101-V105) at the row's `header` cell; the value it names is then ignored."""
        self.findings.append(finding(code, file=self.file, sheet=t.sheet, cell=t.ref(r, header),
                                     value=value_text(raw), detail=detail, expected=expected or None))

    def criteria(self) -> list[CriterionReview]:
        t = self.table(B.SHEET_CRITERIA, (B.H_SCHOOL, B.H_CODE), (B.H_SCHOOL, B.H_CODE, B.H_POINTS, B.H_COMMENT))
        out: list[CriterionReview] = []
        seen: dict[tuple[str, str], str] = {}
        for r in range(t.head + 1, len(t.rows)):
            school, code = self.school(t, r), identity_text(t.value(r, B.H_CODE))
            if school is None or code is None:
                continue
            rubric = self.school_rubric[school]
            criterion = next((c for g in rubric.groups for c in g.criteria if fold(c.code) == fold(code)), None)
            if criterion is None:
                self.flag(Code.V104, t, r, B.H_CODE, code,
                          detail=f"bộ chỉ số {rubric.id} của trường {school} không có tiêu chí này")
                continue
            key = (school, criterion.code)
            if key in seen:
                self.flag(Code.V105, t, r, B.H_CODE, code,
                          detail=f"Trường {school}, tiêu chí {criterion.code} đã có ở dòng {seen[key]}")
                continue
            seen[key] = str(r + 1)
            line = self.line(t, r, school, criterion)
            out.append(line)
        return out

    def line(self, t: _Table, r: int, school: str, c: Criterion) -> CriterionReview:
        """One evaluated criterion; an unusable value is a finding and counts as not given."""
        raw = t.value(r, B.H_POINTS)
        comment = _text(t.value(r, B.H_COMMENT))
        detail = f"{c.code} (trường {school})"
        base = CriterionReview(school, c.code, comment=comment, sheet=t.sheet, cell=t.ref(r, B.H_POINTS))
        if raw in (None, "") or (isinstance(raw, str) and not clean(raw)):
            return base
        if c.kind is Kind.CONDITION:
            flag = parse_flag(raw, (CONDITION_YES, CONDITION_NO))
            if flag.value is None:
                self.flag(Code.V101, t, r, B.H_POINTS, raw, detail=detail,
                          expected=f"'{CONDITION_YES}' hoặc '{CONDITION_NO}' (điều kiện bắt buộc)")
                return base
            return CriterionReview(school, c.code, met=flag.value, comment=comment, sheet=t.sheet, cell=base.cell)
        top = c.max_points
        expected = f"một số điểm từ 0 đến {decimal_text(top)}"
        number = parse_number(raw)
        if number.value is None:
            self.flag(Code.V101, t, r, B.H_POINTS, raw, expected=expected, detail=detail)
            return base
        if not Fraction(0) <= number.value <= top:
            self.flag(Code.V102, t, r, B.H_POINTS, raw, expected=expected, detail=detail)
            return base
        return CriterionReview(school, c.code, points=number.value, comment=comment, sheet=t.sheet, cell=base.cell)

    def schools(self) -> list[SchoolDecision]:
        t = self.table(B.SHEET_SCHOOLS, (B.H_SCHOOL, B.H_DECISION), (B.H_SCHOOL, B.H_DECISION, B.H_REVIEWER, B.H_NOTE))
        labels = {fold(d.label): d for d in Decision}
        out: list[SchoolDecision] = []
        seen: dict[str, str] = {}
        for r in range(t.head + 1, len(t.rows)):
            school = self.school(t, r)
            if school is None:
                continue
            if school in seen:
                self.flag(Code.V105, t, r, B.H_SCHOOL, school,
                          detail=f"Trường {school} đã có ở dòng {seen[school]}")
                continue
            seen[school] = str(r + 1)
            raw = t.value(r, B.H_DECISION)
            text = _text(raw)
            decision = labels.get(fold(text)) if text else None
            if text and decision is None:
                self.flag(Code.V103, t, r, B.H_DECISION, raw, detail=f"'{B.H_DECISION}' của trường "
                          f"{school}", expected=", ".join(d.label for d in Decision))
            out.append(SchoolDecision(school, decision, _text(t.value(r, B.H_REVIEWER)),
                                      _text(t.value(r, B.H_NOTE)), t.sheet, t.ref(r, B.H_DECISION), self.file))
        return out
