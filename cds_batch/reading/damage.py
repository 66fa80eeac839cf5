"""Read stage, the damage report: which part of a workbook no reader could parse, in Vietnamese.

In: an opened `Package` that python-calamine and the tolerant reader of its format both refused,
and the sheet being read when they did (None: the file as a whole).
Out: the `ReadError` for it, naming the broken or missing part ("phần 'xl/worksheets/sheet2.xml'
(trang 'Nhóm 2') bị hỏng: không phải XML hợp lệ …") and what to do; never a library's English text.
"""
from __future__ import annotations

import unicodedata

from cds_batch.core.file_format import ODS_CONTENT, XLSX_WORKBOOK
from cds_batch.reading.package import RESAVE, Package, ReadError, sheet_parts

_XLSX_RELS = "xl/_rels/workbook.xml.rels"
_XLSX_SHARED = ("xl/sharedStrings.xml", "xl/styles.xml")


def unreadable(pkg: Package, sheet: str | None) -> ReadError:
    """Why neither reader could read `pkg` (or its sheet `sheet`), naming the part when one is broken."""
    part = _broken_part(pkg, sheet)
    where = f"trang '{sheet}' của tệp" if sheet else "tệp"
    if part is None and pkg.format == "xls":
        part = ("luồng 'Workbook'", "(phần dữ liệu bảng tính của tệp .xls) bị hỏng")
    elif part is None and sheet:
        part = (_sheet_part(pkg, sheet), "có ô ghi sai cấu trúc (XML đúng cú pháp nhưng giá trị hoặc kiểu ô "
                                         "không hợp lệ)")
    if part is not None:
        member, what = part
        member = member if member.startswith("luồng") else f"phần '{member}'"
        return ReadError(f"Không đọc được {where} '{pkg.name}': {member} {what}. {RESAVE}")
    return ReadError(f"Không đọc được tệp '{pkg.name}': các phần của tệp đều đọc được nhưng nội dung không theo "
                     f"cấu trúc bảng tính mà Excel/LibreOffice ghi. {RESAVE}")


def _sheet_part(pkg: Package, sheet: str) -> str:
    if pkg.format == "ods":
        return ODS_CONTENT
    wanted = unicodedata.normalize("NFC", sheet)
    return next((part for name, part in sheet_parts(pkg)[0] if name == wanted), XLSX_WORKBOOK)


def _broken_part(pkg: Package, sheet: str | None) -> tuple[str, str] | None:
    """(part, what is wrong with it) for the first required part that is missing or not well-formed XML."""
    if pkg.format == "xls":
        return None
    if pkg.format == "ods":
        members = [ODS_CONTENT]
        labels: dict[str, str] = {}
    else:
        pairs, _ = sheet_parts(pkg)
        labels = {part: name for name, part in pairs}
        wanted = unicodedata.normalize("NFC", sheet) if sheet else None
        sheets = [part for name, part in pairs if wanted is None or name == wanted]
        members = [XLSX_WORKBOOK, _XLSX_RELS, *sheets,
                   *(m for m in _XLSX_SHARED if m in pkg.members)]
    for member in members:
        label = f" (trang '{labels[member]}')" if member in labels and sheet is None else ""
        if member not in pkg.members:
            return member, f"{label} bị thiếu".lstrip()
        if pkg.xml(member) is None:
            return member, f"{label} bị hỏng: không phải XML hợp lệ".lstrip()
    return None
