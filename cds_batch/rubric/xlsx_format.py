"""Rubric files as an Excel workbook an office can edit without learning YAML.

In: a workbook with the sheets below (headers and enum words in Vietnamese, matched
case- and diacritics-insensitively), read with python-calamine.
Out: the same plain dict as the YAML reader, with path → sheet!cell; and the writer for it.
Levels are always written per group here; the model is the same either way.
"""
from __future__ import annotations

import datetime
from pathlib import Path as FsPath
from typing import Any, Iterator

import python_calamine
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from cds_batch.core.atomic import atomic_path
from cds_batch.core.findings import Code, Finding, finding
from cds_batch.core.text import clean, fold, paragraph
from cds_batch.rubric.loading import NATIONAL_LEVELS, Path, Place, code_text
from cds_batch.rubric.model import Standing

INFO, GROUPS, LEVELS, SECTIONS, CRITERIA, OPTIONS, ITEMS, BANDS = (
    "Thông tin", "Nhóm", "Mức", "Mục", "Tiêu chí", "Lựa chọn", "Mục kiểm", "Khoảng điểm")

# Each sheet: (header, key, kind of value). The first column(s) name the owner row.
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    GROUPS: [("Nhóm", "id", "int"), ("Tên nhóm", "name", "text"), ("Điểm tối đa ghi trong văn bản", "max", "num"),
             ("Xếp mức theo", "basis", "enum")],
    LEVELS: [("Nhóm", "group", "int"), ("Mức", "level", "int"), ("Tên mức", "name", "text"), ("Từ", "min", "num"),
             ("Gồm cận dưới", "min_inclusive", "bool"), ("Đến", "max", "num"),
             ("Gồm cận trên", "max_inclusive", "bool")],
    SECTIONS: [("Nhóm", "group", "int"), ("Mã mục", "code", "code"), ("Tên mục", "name", "text"),
               ("Điểm trần", "cap", "num")],
    CRITERIA: [("Nhóm", "group", "int"), ("Mã", "code", "code"), ("Tên tiêu chí", "name", "text"),
               ("Loại", "kind", "enum"), ("Điểm tối đa", "max", "num"), ("Bước điểm", "step", "num"),
               ("Thuộc mục", "section", "code"), ("Khi không đạt", "on_fail", "enum"), ("Điểm gốc", "base", "num"),
               ("Trừ mỗi mục thiếu", "deduction", "num"), ("Điểm sàn", "floor", "num"), ("Điểm trần", "cap", "num"),
               ("Đơn vị", "unit", "text"), ("Minh chứng (mỗi dòng một loại)", "evidence", "lines"),
               ("Độ tin cậy", "confidence", "text"), ("Ghi chú", "note", "para")],
    OPTIONS: [("Mã tiêu chí", "criterion", "code"), ("Nhãn lựa chọn", "label", "text"), ("Điểm", "points", "num")],
    ITEMS: [("Mã tiêu chí", "criterion", "code"), ("Nội dung mục kiểm", "label", "text"), ("Điểm", "points", "num")],
    BANDS: [("Mã tiêu chí", "criterion", "code"), ("Từ", "min", "num"), ("Gồm cận dưới", "min_inclusive", "bool"),
            ("Đến", "max", "num"), ("Gồm cận trên", "max_inclusive", "bool"), ("Điểm", "points", "num")],
}
INFO_ROWS = [("Mã bộ chỉ số", "id"), ("Tên bộ chỉ số", "name"), ("Phiên bản", "version"), ("Trạng thái", "status"),
             ("Văn bản ban hành", "decision"), ("Cách tính mức chung", "overall_level"),
             ("Nguồn gốc", "provenance"), ("Ghi chú", "notes")]
ENUMS: dict[str, dict[str, str]] = {
    "kind": {"condition": "điều kiện", "points": "điểm", "choice": "lựa chọn", "checklist": "danh mục kiểm",
             "number": "số lượng", "percentage": "tỷ lệ %"},
    "basis": {"points": "điểm", "percent": "tỷ lệ % điểm tối đa"},
    "on_fail": {"zero_group": "không điểm cả nhóm", "zero_section": "không điểm cả mục", "none": "không ảnh hưởng"},
    "overall_level": {"min": "mức thấp nhất của các nhóm", "max": "mức cao nhất của các nhóm"},
    # An Excel list cannot hold a comma: the standing's label up to its first comma (the whole label reads too).
    "status": {s.value: s.label.split(",")[0] for s in Standing},
}
ALIASES: dict[str, dict[str, str]] = {"status": {s.label: s.value for s in Standing}}
YES, NO = "Có", "Không"
# Fixed document date: the same rubric always gives the same bytes.
_FIXED_DATE = datetime.datetime(2023, 1, 1)


def _info_kind(key: str) -> str:
    return "enum" if key in ENUMS else ("para" if key in ("provenance", "notes") else "text")


def _cell_value(raw: Any, kind: str, key: str) -> Any:
    """A calamine cell as the dict value the schema expects; None for a blank cell."""
    if isinstance(raw, str):
        raw = raw.strip() if kind in ("lines", "para") else clean(raw)
        if raw == "":
            return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if kind == "bool" and isinstance(raw, str):
        return {fold(YES): True, fold(NO): False, "true": True, "false": False}.get(fold(raw), raw)
    if kind == "enum" and isinstance(raw, str):
        folded = fold(raw)
        for value, label in ENUMS[key].items():
            if folded in (fold(label), value):
                return value
        for label, value in ALIASES.get(key, {}).items():
            if folded == fold(label):
                return value
    if kind == "code":
        return code_text(raw)
    if kind == "lines":
        return [clean(line) for line in str(raw).splitlines() if clean(line)]
    if kind == "para":
        return paragraph(str(raw))
    if kind == "text":
        return str(raw)
    return raw


def _rows(book: python_calamine.CalamineWorkbook, sheet: str, file: str,
          out: list[Finding]) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
    """(row number, values by key, cell by key) for each filled row under the header."""
    if sheet not in book.sheet_names:
        out.append(finding(Code.R102, file=file, sheet=sheet, path=sheet, detail=f"thiếu trang tính '{sheet}'"))
        return
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not rows:
        return
    by_header = {fold(h): (k, kind) for h, k, kind in COLUMNS[sheet]}
    header = [by_header.get(fold(str(h))) for h in rows[0]]
    for r, row in enumerate(rows[1:], start=1):
        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for c, raw in enumerate(row):
            if c >= len(header) or header[c] is None:
                continue
            key, kind = header[c]  # type: ignore[misc]
            value = _cell_value(raw, kind, key)
            if value is not None:
                values[key], cells[key] = value, xl_rowcol_to_cell(r, c)
        if values:
            yield r + 1, values, cells


def read_xlsx(path: FsPath) -> tuple[dict[str, Any], dict[Path, Place], list[Finding]]:
    """Read a rubric workbook into the plain dict, the place of each path, and reference findings."""
    file = path.name
    out: list[Finding] = []
    places: dict[Path, Place] = {}
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    data: dict[str, Any] = {}
    if INFO in book.sheet_names:
        labels = {fold(label): key for label, key in INFO_ROWS} | {key: key for _, key in INFO_ROWS}
        for r, info_row in enumerate(book.get_sheet_by_name(INFO).to_python(skip_empty_area=False)):
            key = labels.get(fold(str(info_row[0]))) if info_row else None
            if key and len(info_row) > 1:
                value = _cell_value(info_row[1], _info_kind(key), key)
                if value is not None:
                    data[key] = value
                    places[(key,)] = Place(sheet=INFO, cell=xl_rowcol_to_cell(r, 1))
    else:
        out.append(finding(Code.R102, file=file, sheet=INFO, path=INFO, detail=f"thiếu trang tính '{INFO}'"))

    groups: dict[int, dict[str, Any]] = {}
    for gi, (_, values, cells) in enumerate(_rows(book, GROUPS, file, out)):
        gid: Any = values.get("id")
        group = {k: v for k, v in values.items() if k != "basis"}
        group.setdefault("criteria", [])
        group["_basis"] = values.get("basis", "points")
        groups[gid] = group
        places[("groups", gi)] = Place(sheet=GROUPS, cell=cells.get("id", "A"))
        for key, cell in cells.items():
            places[("groups", gi, key)] = Place(sheet=GROUPS, cell=cell)
    index = {gid: gi for gi, gid in enumerate(groups)}
    criteria: dict[str, tuple[int, dict[str, Any]]] = {}

    def owner(sheet: str, row: int, values: dict[str, Any], cells: dict[str, str], key: str,
              table: dict[Any, Any], what: str) -> Any:
        ref = values.pop(key, None)
        if ref not in table:
            out.append(finding(Code.R105, file=file, sheet=sheet, cell=cells.get(key, f"A{row}"),
                               value=ref, detail=what))
            return None
        return ref

    for sheet, target in ((LEVELS, "levels"), (SECTIONS, "sections"), (CRITERIA, "criteria")):
        for row, values, cells in _rows(book, sheet, file, out):
            gid = owner(sheet, row, values, cells, "group", groups, "nhóm")
            if gid is None:
                continue
            group = groups[gid]
            if target == "levels":
                group.setdefault("levels", {"basis": group["_basis"], "bands": []})
                bucket = group["levels"]["bands"]
            else:
                bucket = group.setdefault(target, [])
            base: Path = ("groups", index[gid], target) + (("bands",) if target == "levels" else ())
            places[base + (len(bucket),)] = Place(sheet=sheet, cell=f"A{row}")
            for key, cell in cells.items():
                places[base + (len(bucket), key)] = Place(sheet=sheet, cell=cell)
            if target == "criteria":
                criteria[values.get("code", "")] = (index[gid], values)
            bucket.append(values)

    for sheet, target in ((OPTIONS, "options"), (ITEMS, "items"), (BANDS, "bands")):
        for row, values, cells in _rows(book, sheet, file, out):
            code = owner(sheet, row, values, cells, "criterion", criteria, "tiêu chí")
            if code is None:
                continue
            gi, crit = criteria[code]
            bucket = crit.setdefault(target, [])
            ci = groups[list(groups)[gi]]["criteria"].index(crit)
            base = ("groups", gi, "criteria", ci, target, len(bucket))
            places[base] = Place(sheet=sheet, cell=f"A{row}")
            for key, cell in cells.items():
                places[base + (key,)] = Place(sheet=sheet, cell=cell)
            bucket.append(values)

    for group in groups.values():
        basis = group.pop("_basis")
        if "levels" not in group:  # no bands given: the national ones, on the basis the group names
            group["levels"] = {**NATIONAL_LEVELS, "basis": basis}
    data["groups"] = list(groups.values())
    return data, places, out


def _write(ws: Any, row: int, col: int, value: Any, kind: str, key: str, fmt_text: Any) -> None:
    if value is None:
        return
    if kind == "bool":
        ws.write_string(row, col, YES if value else NO)
    elif kind == "enum":
        ws.write_string(row, col, ENUMS[key].get(value, str(value)))
    elif kind == "lines":
        ws.write_string(row, col, "\n".join(value), fmt_text)
    elif kind in ("text", "code", "para"):
        ws.write_string(row, col, str(value), fmt_text)
    else:
        ws.write_number(row, col, value)


def _table_rows(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The plain dict flattened into one list of rows per sheet."""
    shared = data.get("levels", NATIONAL_LEVELS)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for g in data["groups"]:
        levels = g.get("levels", shared)
        out[GROUPS].append({"id": g["id"], "name": g["name"], "max": g.get("max"), "basis": levels["basis"]})
        out[LEVELS] += [{"group": g["id"], "min_inclusive": True, "max_inclusive": True, **b} for b in levels["bands"]]
        out[SECTIONS] += [{"group": g["id"], **s} for s in g.get("sections", ())]
        for c in g["criteria"]:
            out[CRITERIA].append({"group": g["id"], **c})
            out[OPTIONS] += [{"criterion": c["code"], **o} for o in c.get("options", ())]
            out[ITEMS] += [{"criterion": c["code"], **i} for i in c.get("items", ())]
            out[BANDS] += [{"criterion": c["code"], "min_inclusive": True, "max_inclusive": True, **b}
                           for b in c.get("bands", ())]
    return out


def write_xlsx(data: dict[str, Any], target: FsPath) -> None:
    """Write the plain rubric dict as an editable workbook (deterministic, atomic)."""
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        book.set_properties({"title": data["name"], "created": _FIXED_DATE})
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        text = book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
        info = book.add_worksheet(INFO)
        info.write_row(0, 0, ["Mục", "Giá trị"], bold)
        info.set_column(0, 0, 24)
        info.set_column(1, 1, 100, text)
        for r, (label, key) in enumerate(INFO_ROWS, start=1):
            info.write_string(r, 0, label)
            _write(info, r, 1, data.get(key), _info_kind(key), key, text)
            if key in ENUMS:
                info.data_validation(r, 1, r, 1, {"validate": "list", "source": list(ENUMS[key].values())})
        for sheet, rows in _table_rows(data).items():
            ws = book.add_worksheet(sheet)
            ws.freeze_panes(1, 0)
            for c, (header, key, kind) in enumerate(COLUMNS[sheet]):
                ws.write_string(0, c, header, bold)
                ws.set_column(c, c, 40 if kind in ("text", "lines", "para") and key != "unit" else 14,
                              text if kind in ("text", "code", "lines", "para") else None)
                limit = max(len(rows), 1) + 200  # room for the office to add rows
                if kind == "enum":
                    ws.data_validation(1, c, limit, c, {"validate": "list", "source": list(ENUMS[key].values())})
                elif kind == "bool":
                    ws.data_validation(1, c, limit, c, {"validate": "list", "source": [YES, NO]})
                for r, row in enumerate(rows, start=1):
                    _write(ws, r, c, row.get(key), kind, key, text)
        book.close()
