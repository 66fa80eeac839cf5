"""The one layout definition of the school workbook, shared by the template writer and the reader.

In: a Rubric (and, for reading by code, the rows of a criterion sheet as plain values).
Out: sheet names, column positions, row plans and the defined-name contract (`CDS_…` name →
sheet and A1 cell). Pure data and pure functions, no I/O: the writer places cells where this
module says, and the reader looks for them where this module says, so the two cannot drift.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import lru_cache
from typing import Iterable, Sequence

from cds_batch.core.cells import a1
from cds_batch.form.answers import item_key
from cds_batch.rubric.model import Criterion, Group, Kind, Rubric
from cds_batch.core.text import fold

# Bump when a cell moves or a name changes meaning; the reader checks it.
TEMPLATE_VERSION = "1"
# Fixed document date, so that the same inputs give byte-identical workbooks.
DOCUMENT_DATE = datetime(2025, 1, 1, 0, 0, 0)

# The words that head every list of schools, the form's own first: the reports take them from here.
ROW_NO, SCHOOL_CODE, SCHOOL_NAME = "STT", "Mã trường", "Tên trường"

SHEET_GUIDE = "Hướng dẫn"
SHEET_INFO = "Thông tin chung"
SHEET_EVIDENCE = "Danh mục minh chứng"
SHEET_META = "_cds"   # hidden: identity cells and dropdown lists


def group_sheet(group_id: int) -> str:
    """The sheet of criteria group `group_id`: 'Nhóm 1'."""
    return f"Nhóm {group_id}"


class Col(IntEnum):
    """Columns of a criterion sheet (0-based), in the order schools know from seed 002, plus the code."""

    STT = 0
    CODE = 1
    NAME = 2
    RULE = 3
    NOTE = 4
    VALUE = 5
    POINTS = 6


HEADERS: dict[Col, str] = {
    Col.STT: ROW_NO,
    Col.CODE: "Mã tiêu chí",
    Col.NAME: "Tiêu chí",
    Col.RULE: "Mức độ đánh giá (tối đa / cách tính)",
    Col.NOTE: "Ghi chú, minh chứng",
    Col.VALUE: "Kết quả tự đánh giá",
    Col.POINTS: "Điểm tạm tính",
}
WIDTHS: dict[Col, float] = {Col.STT: 5, Col.CODE: 9, Col.NAME: 46, Col.RULE: 34, Col.NOTE: 30,
                            Col.VALUE: 24, Col.POINTS: 10}
HEADER_ROW = 3          # 0-based row of the column headers on criterion sheets
FIRST_ROW = HEADER_ROW + 1


class RowKind(IntEnum):
    CRITERION = 0
    ITEM = 1


@dataclass(frozen=True)
class RowSpec:
    """One row of a criterion sheet: a criterion, or checklist item `n` (1-based) of one."""

    row: int                 # 0-based
    kind: RowKind
    criterion: Criterion
    n: int = 0

    @property
    def key(self) -> str:
        """The answer key the scoring engine uses, also written in the code column."""
        return self.criterion.code if self.kind is RowKind.CRITERION else item_key(self.criterion.code, self.n)

    @property
    def has_value(self) -> bool:
        """Whether the row has an input in the value column (a checklist without options has none)."""
        c = self.criterion
        return self.kind is RowKind.ITEM or c.kind is not Kind.CHECKLIST or bool(c.options)


def group_rows(group: Group) -> tuple[RowSpec, ...]:
    """The rows of a group's sheet: each criterion, its checklist items right below it."""
    rows: list[RowSpec] = []
    r = FIRST_ROW
    for c in group.criteria:
        rows.append(RowSpec(r, RowKind.CRITERION, c))
        r += 1
        for n in range(1, len(c.items) + 1):
            rows.append(RowSpec(r, RowKind.ITEM, c, n))
            r += 1
    return tuple(rows)


def total_row(group: Group) -> int:
    """The 0-based row of the group total, right below the last criterion or item."""
    return FIRST_ROW + sum(1 + len(c.items) for c in group.criteria)


# School information sheet: label in column A, value in column B, from INFO_FIRST_ROW on.
INFO_FIRST_ROW = 3
INFO_LABEL_COL, INFO_VALUE_COL = 0, 1


@dataclass(frozen=True)
class Field:
    name: str      # defined name
    label: str     # what the person reads
    attr: str      # SchoolInfo attribute that prefills it ("" = the school fills it)


SCHOOL_FIELDS: tuple[Field, ...] = (
    Field("CDS_SCHOOL_CODE", SCHOOL_CODE, "code"),
    Field("CDS_SCHOOL_NAME", SCHOOL_NAME, "name"),
    Field("CDS_SCHOOL_LEVEL", "Cấp học", "level"),
    Field("CDS_COMMUNE", "Xã/Phường", "commune"),
    Field("CDS_DISTRICT", "Quận/Huyện", "district"),
    Field("CDS_PROVINCE", "Tỉnh/Thành phố", "province"),
    Field("CDS_CONTACT_NAME", "Người liên hệ (họ tên, chức vụ)", ""),
    Field("CDS_CONTACT_PHONE", "Số điện thoại liên hệ", ""),
    Field("CDS_CONTACT_EMAIL", "Email liên hệ", "email"),
    Field("CDS_REPORT_DATE", "Ngày báo cáo", ""),
)

# Hidden sheet: key in column A, value in column B from row 1 on; dropdown lists from column D on.
META_FIRST_ROW = 1
META_LIST_FIRST_COL = 3
IDENTITY_FIELDS: tuple[Field, ...] = (
    Field("CDS_RUBRIC_ID", "Mã bộ chỉ số", ""),
    Field("CDS_RUBRIC_VERSION", "Phiên bản bộ chỉ số", ""),
    Field("CDS_RUBRIC_HASH", "Mã băm bộ chỉ số", ""),
    Field("CDS_TEMPLATE_VERSION", "Phiên bản mẫu", ""),
    Field("CDS_ROUND", "Đợt báo cáo", ""),
    Field("CDS_ISSUED_FOR", "Mẫu dành cho trường (mã)", ""),
)

# Evidence index.
EVIDENCE_NAME = "CDS_EVIDENCE"
EVIDENCE_HEADER_ROW = 5
EVIDENCE_ROWS = 250
EVIDENCE_HEADERS = ("Mã minh chứng", "Tiêu chí", "Tên minh chứng / trích yếu", "Số, ngày văn bản",
                    "Nơi lưu / đường link")
EVIDENCE_WIDTHS = (18, 10, 50, 22, 40)


def evidence_code_example(code: str, n: int = 1) -> str:
    """An evidence code as the guide explains it: MC-1.3.1-01."""
    return f"MC-{code}-{n:02d}"


@lru_cache(maxsize=4096)   # the same codes in every workbook of a run
def name_part(code: str) -> str:
    """A criterion code as it appears in a defined name: '1.3.1' → '1_3_1', '1.2a' → '1_2A'."""
    return re.sub(r"[^0-9A-Z]+", "_", code.upper()).strip("_")


def value_name(code: str) -> str:
    return f"CDS_V_{name_part(code)}"


def item_name(code: str, n: int) -> str:
    return f"CDS_V_{name_part(code)}_{n}"


def evidence_name(code: str) -> str:
    return f"CDS_E_{name_part(code)}"


def total_name(group_id: int) -> str:
    return f"CDS_T_{group_id}"


def contract(rubric: Rubric) -> dict[str, tuple[str, str]]:
    """Every defined name of the workbook made for `rubric` → (sheet, A1 cell or range).

    Raises ValueError when two criterion codes give the same name ('1.2a' and '1_2a').
    """
    names: dict[str, tuple[str, str]] = {}

    def add(name: str, sheet: str, ref: str) -> None:
        if name in names:
            raise ValueError(name)
        names[name] = (sheet, ref)

    for group in rubric.groups:
        sheet = group_sheet(group.id)
        for spec in group_rows(group):
            c = spec.criterion
            if spec.kind is RowKind.ITEM:
                add(item_name(c.code, spec.n), sheet, a1(spec.row, Col.VALUE))
                continue
            if spec.has_value:
                add(value_name(c.code), sheet, a1(spec.row, Col.VALUE))
            add(evidence_name(c.code), sheet, a1(spec.row, Col.NOTE))
        add(total_name(group.id), sheet, a1(total_row(group), Col.POINTS))
    for i, f in enumerate(SCHOOL_FIELDS):
        add(f.name, SHEET_INFO, a1(INFO_FIRST_ROW + i, INFO_VALUE_COL))
    for i, f in enumerate(IDENTITY_FIELDS):
        add(f.name, SHEET_META, a1(META_FIRST_ROW + i, 1))
    last = EVIDENCE_HEADER_ROW + EVIDENCE_ROWS
    add(EVIDENCE_NAME, SHEET_EVIDENCE,
        f"{a1(EVIDENCE_HEADER_ROW, 0)}:{a1(last, len(EVIDENCE_HEADERS) - 1)}")
    return names


def find_by_code(rows: Sequence[Sequence[object]], keys: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Where each answer key sits on a criterion sheet whose names were lost: key → (row, col) 0-based.

    Finds the header row by the code column's label (anywhere on the sheet, accents and case
    ignored), then matches each row's code cell; the value is in the 'Kết quả tự đánh giá' column
    found on that header row, so a sheet whose rows or columns were moved is still read.
    """
    wanted = {fold(k): k for k in keys}
    code_label, value_label = fold(HEADERS[Col.CODE]), fold(HEADERS[Col.VALUE])
    for r, row in enumerate(rows):
        labels = [fold(str(v)) if v is not None else "" for v in row]
        if code_label in labels and value_label in labels:
            code_col, value_col = labels.index(code_label), labels.index(value_label)
            found: dict[str, tuple[int, int]] = {}
            for r2 in range(r + 1, len(rows)):
                cells = rows[r2]
                raw = cells[code_col] if code_col < len(cells) else None
                key = wanted.get(fold(str(raw))) if raw not in (None, "") else None
                if key is not None and key not in found:
                    found[key] = (r2, value_col)
            return found
    return {}
