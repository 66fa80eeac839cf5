"""Roster model: the office's list of schools ("danh sách trường") for prefilled templates.

In: the rows of the roster file's sheets as `reading.roster_file` read them, whose header row may
sit anywhere in the first rows and is matched ignoring case and diacritics.
Out: a tuple of frozen `SchoolInfo` (text in NFC, white space collapsed) and the findings that
describe the rows, each naming the row; `RosterError` for a roster that cannot be used.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from cds_batch.core.errors import CdsBatchError
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.core.cells import a1
from cds_batch.core.text import clean, fold

HEADER_SCAN_ROWS = 30   # the header is looked for in this many rows (titles and blank lines above it)


@dataclass(frozen=True)
class SchoolInfo:
    code: str
    name: str
    level: str = ""
    commune: str = ""
    district: str = ""
    province: str = ""
    email: str = ""
    rubric: str = ""     # the roster's "Bộ chỉ số" for this school; "" = the run's default
    unit: str = ""       # the management unit ("đơn vị quản lý", `with_units`); "" = the office running the round


# Folded header spellings → SchoolInfo attribute. Keys are compared after fold() and with the
# spaces around '/' removed, so 'Xã / Phường', 'XÃ/PHƯỜNG' and 'xa/phuong' are one header.
_ALIASES: dict[str, str] = {
    "ma truong": "code", "ma so truong": "code", "ma don vi": "code", "ma co so": "code",
    "ten truong": "name", "ten don vi": "name", "ten co so": "name",
    "cap hoc": "level", "cap": "level",
    "xa/phuong": "commune", "phuong/xa": "commune", "xa": "commune", "phuong": "commune",
    "xa/phuong/thi tran": "commune",
    "quan/huyen": "district", "huyen/quan": "district", "quan": "district", "huyen": "district",
    "tinh/thanh pho": "province", "tinh/tp": "province", "tinh": "province", "thanh pho": "province",
    "email": "email", "e-mail": "email", "thu dien tu": "email",
    "bo chi so": "rubric", "ma bo chi so": "rubric",
    "don vi quan ly": "unit", "co quan quan ly": "unit", "co quan chu quan": "unit", "don vi chu quan": "unit",
}


def with_units(schools: Sequence[SchoolInfo]) -> tuple[SchoolInfo, ...]:
    """The schools with their management unit set: each school's "Đơn vị quản lý" (or "Cơ quan quản lý",
    "Cơ quan chủ quản"); else its "Quận/Huyện", the unit of a round before July 2025, when a district's
    Phòng GDĐT managed its schools (an old roster groups as it always did); else its "Xã/Phường", whose
    People's Committee manages mầm non, tiểu học and THCS schools since (Nghị định 142/2025/NĐ-CP).
    A roster that names no unit and whose schools all lie in one district or commune (or say none) is one
    unit: the office running the round (""), as is a school whose row says none of the three.
    """
    derived = [s.unit or s.district or s.commune for s in schools]
    if not any(s.unit for s in schools) and len(set(derived) - {""}) <= 1:
        return tuple(schools)
    return tuple(replace(s, unit=u) for s, u in zip(schools, derived))


class RosterError(CdsBatchError):
    """A roster that cannot be used; carries every finding and lists the errors in its message."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


def _header_key(value: object) -> str:
    return fold(str(value)).replace(" /", "/").replace("/ ", "/") if value is not None else ""


def _cell_text(value: object) -> str:
    """A cell as text: whole floats lose their '.0' (79001.0 from a numeric code cell → '79001')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value))


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for c, value in enumerate(row):
            attr = _ALIASES.get(_header_key(value))
            if attr is not None and attr not in columns:
                columns[attr] = c
        if "code" in columns and "name" in columns:
            return r, columns
    return None


def roster_schools(file: str, sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]
                   ) -> tuple[tuple[SchoolInfo, ...], list[Finding]]:
    """The schools listed under the first header row found in `sheets` ((sheet name, rows) in file
    order; "" for a CSV's one table), and every problem found, each with its row number."""
    for sheet, rows in sheets:
        header = _find_header(rows)
        if header is not None:
            return _schools(file, sheet, rows, *header)
    hint = f" Dòng tiêu đề phải nằm trong {HEADER_SCAN_ROWS} dòng đầu của trang tính."
    return (), [finding(Code.T102, file=file, hint=hint)]


def _schools(file: str, sheet: str, rows: Sequence[Sequence[object]], header: int,
             columns: dict[str, int]) -> tuple[tuple[SchoolInfo, ...], list[Finding]]:
    found: list[Finding] = []
    schools: list[SchoolInfo] = []
    first_row: dict[str, int] = {}
    for r in range(header + 1, len(rows)):
        row = rows[r]
        values = {attr: _cell_text(row[c]) if c < len(row) else "" for attr, c in columns.items()}
        if not any(values.values()):
            continue   # blank lines between blocks are common in office lists
        line = r + 1
        cell = a1(r, columns["code"]) if sheet else ""   # a CSV has rows, not cells
        code = values["code"]
        if not code:
            found.append(finding(Code.T103, file=file, sheet=sheet, cell=cell, line=line, value=values["name"]))
            continue
        if code in first_row:
            found.append(finding(Code.T104, file=file, sheet=sheet, cell=cell, line=line, value=code,
                                 expected=first_row[code]))
            continue
        first_row[code] = line
        if not values["name"]:
            found.append(finding(Code.T105, file=file, sheet=sheet, cell=cell, line=line, value=code))
        schools.append(SchoolInfo(**{k: values.get(k, "") for k in SchoolInfo.__dataclass_fields__}))
    if not schools and not found:
        found.append(finding(Code.T106, file=file, sheet=sheet))
    return with_units(schools), found
