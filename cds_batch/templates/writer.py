"""Templates, writer: the workbook an office sends to schools, blank or prefilled for one school.

In: a Rubric, an optional SchoolInfo, the round label, the office and the deadline.
Out: one .xlsx written atomically with XlsxWriter, laid out as `layout` says: a guide, the school
information, one sheet per criteria group (the table schools know from seed 002), the evidence
index and a hidden identity sheet; every input cell named (`CDS_…`), validated and unlocked.
Deterministic: the same inputs give byte-identical files (fixed document date, fixed zip times).
Its name comes from `naming`, the points formulas from `formulas`; `batch` writes a roster's worth.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter

from cds_batch.core.atomic import atomic_path
from cds_batch.core.cells import a1
from cds_batch.core.errors import CdsBatchError
from cds_batch.core.numbers import decimal_text, formula_literal, sheet_number
from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES
from cds_batch.rubric.model import Group, Kind, Rubric
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.templates.formulas import points_formula, quote, total_formula
from cds_batch.templates.naming import template_filename
from cds_batch.templates.text import Issue, guide_lines, row_height, rule_text

YELLOW, GREY, HEAD = "#FFF2CC", "#EDEDED", "#D9E1F2"
GUIDE_WIDTH, INFO_WIDTHS = 84, (34, 50)


def write_school_template(rubric: Rubric, out_dir: Path, school: SchoolInfo | None, issue: Issue,
                          name: str | None = None) -> Path:
    """Write the template for `school` (None: the blank one) into `out_dir`; return its path.

    A top-level function of picklable arguments, so a process pool can call it.

    :param name: the file name; `template_filename` by default.
    """
    target = out_dir / (name or template_filename(rubric, school, issue.round_label))
    write_template(rubric, target, school, issue)
    return target


def checked_contract(rubric: Rubric) -> dict[str, tuple[str, str]]:
    """The rubric's defined names, or the Vietnamese error when two codes give the same name."""
    try:
        return L.contract(rubric)
    except ValueError as clash:
        raise CdsBatchError(f"Hai mã tiêu chí cho cùng một tên vùng {clash}; hãy đổi mã trong bộ chỉ số.") from None


def write_template(rubric: Rubric, target: Path, school: SchoolInfo | None = None,
                   issue: Issue = Issue()) -> None:
    """Write the workbook for `rubric` (prefilled for `school` when given) to `target` atomically."""
    names = checked_contract(rubric)
    with atomic_path(target) as tmp:
        # Times New Roman 12 as the Normal style, so column widths mean the same characters in Excel
        # and LibreOffice (which otherwise measures them in its substitute for Calibri).
        # The roster's texts stay texts: never a number, a formula or a link.
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False, "in_memory": True,
                                            "default_format_properties": {"font_name": "Times New Roman",
                                                                          "font_size": 12}})
        _Writer(wb, rubric, school, issue).write()
        for name, (sheet, ref) in names.items():
            first, _, last = ref.partition(":")
            absolute = "$" + "$".join(_split(first)) + (":$" + "$".join(_split(last)) if last else "")
            wb.define_name(name, f"='{sheet}'!{absolute}")
        wb.close()


def _split(ref: str) -> tuple[str, str]:
    i = next(i for i, ch in enumerate(ref) if ch.isdigit())
    return ref[:i], ref[i:]


def _footer(who: str) -> str:
    """The footer: the school in 8 pt on the left, the page on the right.

    The name is cut before '&' is doubled (so no '&&' is split) and short enough that Excel keeps
    the footer (it drops one over 255 characters); a space follows '&8' when the name starts with a
    digit, which Excel would otherwise read as part of the font size ('&819 tháng 5').
    """
    name = who[:110].replace("&", "&&")
    return "&L&8" + (" " if name[:1].isdigit() else "") + name + "&R&8Trang &P/&N"


class _Writer:
    def __init__(self, wb: Any, rubric: Rubric, school: SchoolInfo | None, issue: Issue) -> None:
        self.wb, self.rubric, self.school, self.issue = wb, rubric, school, issue
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "top", "text_wrap": True}
        cell = {**base, "border": 1}
        self.f = {name: wb.add_format(spec) for name, spec in {
            "title": {**base, "bold": True, "font_size": 14, "text_wrap": False},
            "note": {**base, "italic": True},
            "text": base,
            "head": {**cell, "bold": True, "bg_color": HEAD, "align": "center", "valign": "vcenter"},
            "cell": cell,
            "bold": {**cell, "bold": True},
            "grey": {**cell, "bg_color": GREY},
            "input": {**cell, "bg_color": YELLOW, "locked": False},
            "input_text": {**cell, "bg_color": YELLOW, "locked": False, "num_format": "@"},
            "input_date": {**cell, "bg_color": YELLOW, "locked": False, "num_format": "dd/mm/yyyy"},
            "points": {**cell, "align": "center"},
            "total": {**cell, "bold": True, "align": "center", "bg_color": HEAD},
            "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
        }.items()}
        self.lists: dict[str, str] = {}   # criterion code → range of its option labels on the hidden sheet
        self.footer = _footer(school.name if school else "Mẫu trống (chưa ghi trường)")

    def write(self) -> None:
        r, s, i = self.rubric, self.school, self.issue
        self.wb.set_properties({
            "title": f"Phiếu tự đánh giá chuyển đổi số - {r.name}"[:250], "subject": r.id,
            "author": i.office or "cds_batch", "company": i.office, "created": L.DOCUMENT_DATE,
            "comments": f"Tạo bằng cds_batch; bộ chỉ số {r.id} phiên bản {r.version}; "
                        f"mẫu phiên bản {L.TEMPLATE_VERSION}.",
        })
        identity = dict(zip((f.name for f in L.IDENTITY_FIELDS),
                            (r.id, r.version, r.content_hash, L.TEMPLATE_VERSION, i.round_label, s.code if s else "")))
        for name, value in identity.items():
            self.wb.set_custom_property(name, value)
        guide = self.sheet(L.SHEET_GUIDE, landscape=False)
        info = self.sheet(L.SHEET_INFO, landscape=False)
        groups = [self.sheet(L.group_sheet(g.id), landscape=True) for g in r.groups]
        evidence = self.sheet(L.SHEET_EVIDENCE, landscape=True)
        meta = self.wb.add_worksheet(L.SHEET_META)
        self.write_meta(meta, identity)
        self.write_guide(guide)
        self.write_info(info)
        for ws, g in zip(groups, r.groups):
            self.write_group(ws, g)
        self.write_evidence(evidence)

    def sheet(self, name: str, landscape: bool) -> Any:
        ws = self.wb.add_worksheet(name)
        ws.set_paper(9)   # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer(self.footer)
        # No password: the structure survives a normal edit, but nobody is locked out (field-notes 2a).
        ws.protect("", {"format_columns": True, "format_rows": True})
        return ws

    def write_meta(self, ws: Any, identity: dict[str, str]) -> None:
        ws.hide()
        ws.protect("")
        ws.write_row(0, 0, ["Khóa", "Giá trị"])
        for n, f in enumerate(L.IDENTITY_FIELDS):
            ws.write_string(L.META_FIRST_ROW + n, 0, f.name)
            ws.write_string(L.META_FIRST_ROW + n, 1, identity[f.name])
        # Option labels go into cells because a literal list cannot hold commas or exceed 255 chars.
        col = L.META_LIST_FIRST_COL
        codes = [c.code for g in self.rubric.groups for c in g.criteria]
        ws.write_string(0, col, "Mã tiêu chí")
        for n, code in enumerate(codes, start=1):
            ws.write_string(n, col, code)
        self.codes_range = f"='{L.SHEET_META}'!${a1(1, col)[:-1]}$2:${a1(1, col)[:-1]}${len(codes) + 1}"
        for c in (c for g in self.rubric.groups for c in g.criteria if c.options):
            col += 1
            ws.write_string(0, col, c.code)
            for n, o in enumerate(c.options, start=1):
                ws.write_string(n, col, o.label)
            letter = a1(0, col)[:-1]
            self.lists[c.code] = f"='{L.SHEET_META}'!${letter}$2:${letter}${len(c.options) + 1}"

    def write_guide(self, ws: Any) -> None:
        # Narrow enough for portrait A4 at 100 %: LibreOffice does not shrink a one-column sheet to fit.
        ws.set_column(0, 0, GUIDE_WIDTH)
        for n, (style, line) in enumerate(guide_lines(self.rubric, self.school, self.issue)):
            ws.write_string(n, 0, line, self.f[style])
            ws.set_row(n, row_height((line, GUIDE_WIDTH)))

    def write_info(self, ws: Any) -> None:
        for col, width in enumerate(INFO_WIDTHS):
            ws.set_column(col, col, width)
        ws.write_string(0, 0, "THÔNG TIN CHUNG VỀ ĐƠN VỊ", self.f["title"])
        note = (f"Điền hoặc kiểm tra các ô màu vàng. Ô đã ghi sẵn theo danh sách của {self.issue.receiver}; nếu sai, "
                "hãy sửa lại.")
        ws.merge_range(1, 0, 1, 1, note, self.f["note"])
        ws.set_row(1, row_height((note, sum(INFO_WIDTHS))))
        ws.write_row(L.INFO_FIRST_ROW - 1, 0, ["Thông tin", "Nội dung"], self.f["head"])
        for n, field in enumerate(L.SCHOOL_FIELDS):
            row = L.INFO_FIRST_ROW + n
            col = L.INFO_VALUE_COL
            if field.attr == "district" and not self.issue.asks_district(self.school):
                # A commune's or a Sở's round: no districts since July 2025. The row keeps its defined
                # name (the template's contract), hidden and without its label.
                ws.write_blank(row, col, None, self.f["input_text"])
                self.text_dv(ws, row, col, "Không cần điền", "Đợt này không dùng ô này.", 255)
                ws.set_row(row, None, None, {"hidden": True})
                continue
            ws.write_string(row, L.INFO_LABEL_COL, field.label, self.f["bold"])
            value = getattr(self.school, field.attr, "") if self.school and field.attr else ""
            if field.name == "CDS_REPORT_DATE":
                ws.write_blank(row, col, None, self.f["input_date"])
                ws.data_validation(row, col, row, col, {
                    "validate": "date", "criteria": "between", "minimum": L.DOCUMENT_DATE.replace(year=2020),
                    "maximum": L.DOCUMENT_DATE.replace(year=2100), "input_title": "Ngày báo cáo",
                    "input_message": "Ghi ngày theo dạng ngày/tháng/năm, ví dụ 15/10/2025.",
                    "error_title": "Ngày không hợp lệ", "error_message": "Hãy ghi một ngày, ví dụ 15/10/2025."})
                continue
            ws.write_string(row, col, value, self.f["input_text"])
            self.text_dv(ws, row, col, field.label, f"Ghi {field.label.lower()}.", 255)
        row = L.INFO_FIRST_ROW + len(L.SCHOOL_FIELDS) + 1
        r = self.rubric
        for label, value in (("Bộ chỉ số", r.name), ("Phiên bản bộ chỉ số", f"{r.version} (mã băm {r.short_hash})"),
                             ("Đợt báo cáo", self.issue.round_label), ("Hạn gửi", self.issue.deadline)):
            ws.write_string(row, 0, label, self.f["bold"])
            ws.write_string(row, 1, value, self.f["cell"])
            ws.set_row(row, row_height((value, INFO_WIDTHS[1])))
            row += 1
        ws.freeze_panes(L.INFO_FIRST_ROW, 0)

    def text_dv(self, ws: Any, row: int, col: int, title: str, message: str, limit: int, last_row: int = -1) -> None:
        ws.data_validation(row, col, max(row, last_row), col, {
            "validate": "length", "criteria": "<=", "value": limit, "input_title": title[:32],
            "input_message": message[:255], "error_title": "Nội dung quá dài",
            "error_message": f"Ô này ghi tối đa {limit} ký tự."})

    def write_group(self, ws: Any, group: Group) -> None:
        f, C = self.f, L.Col
        for col, width in L.WIDTHS.items():
            ws.set_column(col, col, width)
        last = max(L.Col)
        ws.merge_range(0, 0, 0, last, f"{group.id}. {group.name.upper()}", f["title"])
        note = ("Điền vào các ô màu vàng: cột 'Kết quả tự đánh giá' (chọn trong danh sách hoặc ghi số điểm) và cột "
                "'Ghi chú, minh chứng' (mã minh chứng trong trang 'Danh mục minh chứng'). Không đổi tên trang, "
                "không chèn hoặc xóa cột.")
        ws.merge_range(1, 0, 1, last, note, f["note"])
        ws.set_row(1, row_height((note, sum(L.WIDTHS.values()))))
        ws.merge_range(2, 0, 2, last, f"Bộ chỉ số: {self.rubric.name}", f["note"])
        ws.set_row(L.HEADER_ROW, 34)
        for col, label in L.HEADERS.items():
            ws.write_string(L.HEADER_ROW, col, label, f["head"])
        point_cells: dict[str, str] = {}
        blank_values: dict[str, Fraction] = {}
        stt = 0
        for spec in L.group_rows(group):
            c, row = spec.criterion, spec.row
            value_ref = a1(row, C.VALUE)
            ws.write_string(row, C.CODE, spec.key, f["points"])
            if spec.kind is L.RowKind.ITEM:
                item = c.items[spec.n - 1]
                ws.write_blank(row, C.STT, None, f["cell"])
                ws.write_string(row, C.NAME, f"+ {item.label}", f["cell"])
                extra = f" ({decimal_text(item.points)} điểm nếu Có)" if item.points is not None else ""
                ws.write_string(row, C.RULE, f"{ITEM_YES} / {ITEM_NO}{extra}", f["cell"])
                ws.write_blank(row, C.NOTE, None, f["grey"])
                ws.write_blank(row, C.POINTS, None, f["grey"])
                ws.write_blank(row, C.VALUE, None, f["input"])
                ws.set_row(row, row_height((f"+ {item.label}", L.WIDTHS[C.NAME])))
                self.list_dv(ws, row, [ITEM_YES, ITEM_NO], f"Mục {spec.key}", "Chọn Có hoặc Không.")
                self.flag_cf(ws, value_ref, (ITEM_YES, ITEM_NO))
                continue
            stt += 1
            ws.write_number(row, C.STT, stt, f["points"])
            ws.write_string(row, C.NAME, c.name, f["cell"])
            rule = rule_text(c, group)
            ws.write_string(row, C.RULE, rule, f["cell"])
            ws.set_row(row, row_height((c.name, L.WIDTHS[C.NAME]), (rule, L.WIDTHS[C.RULE])))
            ws.write_blank(row, C.NOTE, None, f["input"])
            hint = "; ".join(c.evidence)
            self.text_dv(ws, row, C.NOTE, f"Minh chứng {c.code}",
                         f"Ghi mã minh chứng, ví dụ {L.evidence_code_example(c.code)}; nhiều mã cách nhau bởi dấu ;"
                         + (f". Cần có: {hint}" if hint else ""), 2000)
            self.answer(ws, spec, value_ref)
            formula, blank = points_formula(c, spec)
            if formula:
                ws.write_formula(row, C.POINTS, formula, f["points"], sheet_number(blank))
                point_cells[c.code], blank_values[c.code] = a1(row, C.POINTS), blank
            else:
                ws.write_blank(row, C.POINTS, None, f["grey"])
        self.write_total(ws, group, point_cells, blank_values)
        ws.freeze_panes(L.FIRST_ROW, 0)
        ws.repeat_rows(L.HEADER_ROW)

    def write_evidence(self, ws: Any) -> None:
        f, top, last = self.f, L.EVIDENCE_HEADER_ROW, L.EVIDENCE_HEADER_ROW + L.EVIDENCE_ROWS
        for col, width in enumerate(L.EVIDENCE_WIDTHS):
            ws.set_column(col, col, width)
        width = len(L.EVIDENCE_HEADERS) - 1
        ws.merge_range(0, 0, 0, width, "DANH MỤC MINH CHỨNG", f["title"])
        for n, text in enumerate((
                f"Mỗi minh chứng ghi một dòng (có sẵn {L.EVIDENCE_ROWS} dòng). "
                "Mã minh chứng = MC-<mã tiêu chí>-<số thứ tự hai chữ số>, ví dụ "
                f"{L.evidence_code_example('1.3.1')}, {L.evidence_code_example('1.3.1', 2)}, "
                f"{L.evidence_code_example('2.1')}.",
                "Ghi cùng mã đó vào cột 'Ghi chú, minh chứng' của tiêu chí trên trang nhóm tương ứng.",
                "Cột 'Tiêu chí': chọn mã tiêu chí trong danh sách. Cột 'Nơi lưu / đường link': thư mục, tủ hồ sơ "
                "hoặc đường link chia sẻ (Google Drive, OneDrive, cổng thông tin…)."), start=1):
            ws.merge_range(n, 0, n, width, text, f["note"])
            ws.set_row(n, row_height((text, sum(L.EVIDENCE_WIDTHS))))
        ws.write_row(top, 0, L.EVIDENCE_HEADERS, f["head"])
        for row in range(top + 1, last + 1):
            ws.write_row(row, 0, [""] * len(L.EVIDENCE_HEADERS), f["input"])
        ws.data_validation(top + 1, 1, last, 1, {
            "validate": "list", "source": self.codes_range, "input_title": "Tiêu chí",
            "input_message": "Chọn mã tiêu chí mà minh chứng này chứng minh.",
            "error_title": "Không có tiêu chí này", "error_message": "Hãy chọn mã tiêu chí trong danh sách."})
        self.text_dv(ws, top + 1, 0, "Mã minh chứng", f"Ví dụ {L.evidence_code_example('1.3.1')}.", 50, last)
        for col, (title, message) in enumerate((
                ("Tên minh chứng", "Tên văn bản hoặc trích yếu nội dung."),
                ("Số, ngày văn bản", "Ví dụ: 125/KH-THCS ngày 05/9/2025."),
                ("Nơi lưu / đường link", "Nơi lưu hồ sơ hoặc đường link.")), start=2):
            self.text_dv(ws, top + 1, col, title, message, 2000, last)
        ws.freeze_panes(top + 1, 0)
        ws.repeat_rows(top)

    def answer(self, ws: Any, spec: L.RowSpec, ref: str) -> None:
        c, row, col = spec.criterion, spec.row, L.Col.VALUE
        if not spec.has_value:
            ws.write_blank(row, col, None, self.f["grey"])
            return
        ws.write_blank(row, col, None, self.f["input"])
        if c.kind is Kind.CONDITION:
            self.list_dv(ws, row, [CONDITION_YES, CONDITION_NO], f"Tiêu chí {c.code}", "Chọn Đạt hoặc Không đạt.")
            self.flag_cf(ws, ref, (CONDITION_YES, CONDITION_NO))
        elif c.options:   # choice, or the base of a checklist
            self.list_dv(ws, row, self.lists[c.code], f"Tiêu chí {c.code}", "Chọn một mức trong danh sách.")
        else:
            top = Fraction(100) if c.kind is Kind.PERCENTAGE else c.max_points if c.kind is Kind.POINTS else None
            integer = c.kind is Kind.POINTS and c.step == 1
            what = {Kind.POINTS: f"số điểm từ 0 đến {decimal_text(top)}",
                    Kind.PERCENTAGE: "tỉ lệ phần trăm từ 0 đến 100",
                    Kind.NUMBER: f"số lượng{f' ({c.unit})' if c.unit else ''}, không âm"}[c.kind]
            step = f", bước {decimal_text(c.step)}" if c.step and c.step != 1 else ""
            spec_dv: dict[str, Any] = {
                "validate": "integer" if integer else "decimal",
                "criteria": "between" if top is not None else ">=", "input_title": f"Tiêu chí {c.code}",
                "input_message": f"Ghi {what}{step}.", "error_title": "Giá trị không hợp lệ",
                "error_message": f"Tiêu chí {c.code}: hãy ghi {what}{step}."}
            if top is None:
                spec_dv["value"] = 0
            else:
                spec_dv.update(minimum=0, maximum=float(top) if top.denominator > 1 else int(top))
            ws.data_validation(row, col, row, col, spec_dv)
            upper = f",{ref}>{formula_literal(top)}" if top is not None else ""
            ws.conditional_format(ref, {"type": "formula", "format": self.f["bad"],
                                        "criteria": f'=AND({ref}<>"",OR(NOT(ISNUMBER({ref})),{ref}<0{upper}))'})

    def list_dv(self, ws: Any, row: int, source: list[str] | str, title: str, message: str) -> None:
        col = L.Col.VALUE
        ws.data_validation(row, col, row, col, {
            "validate": "list", "source": source, "input_title": title[:32], "input_message": message,
            "error_title": "Giá trị không có trong danh sách",
            "error_message": message + " Bấm vào mũi tên bên phải ô."})

    def flag_cf(self, ws: Any, ref: str, allowed: tuple[str, str]) -> None:
        ok = ",".join(f"{ref}<>{quote(a)}" for a in allowed)
        ws.conditional_format(ref, {"type": "formula", "criteria": f'=AND({ref}<>"",{ok})', "format": self.f["bad"]})

    def write_total(self, ws: Any, group: Group, cells: dict[str, str], blank: dict[str, Fraction]) -> None:
        row, f = L.total_row(group), self.f
        formula, value = total_formula(group, cells, blank)
        label = f"TỔNG ĐIỂM TẠM TÍNH NHÓM {group.id} (tối đa {decimal_text(group.effective_max)} điểm)"
        ws.merge_range(row, 0, row, L.Col.RULE, label, f["bold"])
        note = (f"Chỉ để trường tham khảo: điểm chính thức do {self.issue.receiver} tính lại bằng công cụ từ các ô "
                "đã điền.")
        width = L.WIDTHS[L.Col.NOTE] + L.WIDTHS[L.Col.VALUE]
        ws.set_row(row, max(36, row_height((note, width))))   # a long office name takes more lines
        ws.merge_range(row, L.Col.NOTE, row, L.Col.VALUE, note, f["note"])
        ws.write_formula(row, L.Col.POINTS, "=" + formula, f["total"], sheet_number(value))
