"""The Vietnamese text of the school template: the guide sheet, each criterion's rule cell, row heights.

In: a Rubric (its groups and criteria), the school and what the template is issued for.
Out: plain strings and numbers; `templates` places them in cells where `layout` says.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from cds_batch.core.numbers import decimal_text
from cds_batch.core.office import asks_district, office_or_neutral
from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Criterion, Group, Kind, OnFail, Rubric, standing_line


@dataclass(frozen=True)
class Issue:
    """What a template is for: the round, the office that collects it, the deadline, and whether the
    round's roster gives districts (a round before July 2025)."""

    round_label: str = ""
    office: str = ""
    deadline: str = ""
    roster_districts: bool = False

    def asks_district(self, school: SchoolInfo | None) -> bool:
        """Whether the template asks for the school's "Quận/Huyện" (`office.asks_district`)."""
        return self.roster_districts or asks_district(self.office, (school.district,) if school else ())

    @property
    def receiver(self) -> str:
        """The office as the template's sentences name it: its name, else neutral words."""
        return office_or_neutral(self.office, "đơn vị nhận phiếu")


def rule_text(c: Criterion, group: Group) -> str:
    """The 'Mức độ đánh giá' cell: the maximum or how the points are given, and the evidence asked for."""
    lines: list[str] = []
    if c.kind is Kind.CONDITION:
        lines.append("Điều kiện bắt buộc: chọn Đạt / Không đạt.")
        lines.append({OnFail.ZERO_GROUP: f"Nếu không đạt thì không có điểm của nhóm {group.id}.",
                      OnFail.ZERO_SECTION: f"Nếu không đạt thì không có điểm của mục {c.section}.",
                      OnFail.NONE: "Không tính điểm."}[c.on_fail])
    elif c.kind is Kind.POINTS:
        step = f" (bước {decimal_text(c.step)})" if c.step and c.step != 1 else ""
        lines.append(f"Tối đa: {decimal_text(c.max_points)} điểm{step}.")
    elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
        lines.append("Ghi tỉ lệ % (0-100):" if c.kind is Kind.PERCENTAGE else
                     f"Ghi số lượng{f' ({c.unit})' if c.unit else ''}:")
        lines += [f"- {b.interval.describe()}: {decimal_text(b.points)} điểm" for b in c.bands]
    if c.options:
        lines.append("Chọn một mức:")
        lines += [f"- {o.label}" + ("" if "điểm" in o.label else f" ({decimal_text(o.points)} điểm)")
                  for o in c.options]
    if c.kind is Kind.CHECKLIST:
        lines.append(f"Từng mục bên dưới: chọn {ITEM_YES} / {ITEM_NO}.")
        if c.deduction is not None:
            lines.append(f"Thiếu 1 mục trừ {decimal_text(c.deduction)} điểm.")
        lines.append(f"Tối đa: {decimal_text(c.max_points)} điểm.")
    section = next((s for s in group.sections if s.code == c.section), None)
    if section is not None:
        lines.append(f"Tối đa phần {section.code}: {decimal_text(section.cap)} điểm.")
    if c.evidence:
        lines.append("Minh chứng: " + "; ".join(c.evidence) + ".")
    return "\n".join(lines)


def guide_lines(rubric: Rubric, school: SchoolInfo | None, issue: Issue) -> list[tuple[str, str]]:
    """The 'Hướng dẫn' sheet as (style, line) pairs."""
    office = office_or_neutral(issue.office, "đơn vị đã gửi mẫu này")
    lines = [("title", "HƯỚNG DẪN ĐIỀN PHIẾU TỰ ĐÁNH GIÁ MỨC ĐỘ CHUYỂN ĐỔI SỐ"),
             ("text", rubric.name),
             ("text", f"Bộ chỉ số: {rubric.id}, phiên bản {rubric.version} (mã băm {rubric.short_hash}); "
                      f"mẫu phiên bản {L.TEMPLATE_VERSION}.")]
    lines += [("bold", notice) for notice in [standing_line([rubric], for_school=True)] if notice]
    if school is not None:
        lines.append(("bold", f"Mẫu này dành riêng cho: {school.name} (mã trường {school.code})."))
    if issue.round_label:
        lines.append(("bold", f"Đợt báo cáo: {issue.round_label}."))
    lines.append(("bold", f"Hạn gửi: {issue.deadline}." if issue.deadline else "Hạn gửi: theo công văn của đơn vị."))
    lines.append(("bold", f"Nơi nhận: {office}."))
    lines += [("text", ""), ("bold", "Cách điền"), *(("text", t) for t in (
        f"1. Trang '{L.SHEET_INFO}': kiểm tra mã trường, tên trường; ghi người liên hệ, điện thoại, email, "
        "ngày báo cáo.",
        "2. Mỗi trang 'Nhóm …' là một nhóm tiêu chí, trình bày như bảng tự kiểm tra quen thuộc. Chỉ điền vào các ô "
        "màu vàng; các ô khác đã khóa (không có mật khẩu) để giữ cấu trúc phiếu.",
        f"3. Cột 'Kết quả tự đánh giá': với điều kiện chọn {CONDITION_YES} / {CONDITION_NO}; với mục có danh sách "
        f"chọn một mức; với từng hạng mục chọn {ITEM_YES} / {ITEM_NO}; với tiêu chí tính điểm ghi số điểm tự chấm "
        "(không vượt điểm tối đa). Ô ghi sai sẽ tô đỏ.",
        "4. Cột 'Ghi chú, minh chứng': ghi mã minh chứng (ví dụ MC-1.3.1-01), nhiều mã cách nhau bằng dấu chấm phẩy.",
        f"5. Trang '{L.SHEET_EVIDENCE}': mỗi minh chứng một dòng. Mã minh chứng gồm 'MC', mã tiêu chí và số thứ tự "
        f"hai chữ số: {L.evidence_code_example('1.3.1')} là minh chứng thứ nhất của tiêu chí 1.3.1, "
        f"{L.evidence_code_example('1.3.1', 2)} là minh chứng thứ hai.",
        f"6. Dòng 'Tổng điểm tạm tính' chỉ để tham khảo; {issue.receiver} tính lại điểm chính thức bằng công cụ.",
        "7. Không đổi tên trang, không chèn/xóa cột, không chép sang tệp mới. Lưu dạng .xlsx (Excel), .ods hoặc "
        "giữ nguyên định dạng khi dùng LibreOffice/WPS, rồi gửi lại đúng tệp này (có thể đổi tên tệp).",
    ))]
    return lines


def row_height(*cells: tuple[str, float]) -> float:
    """A row height (points) that shows every (text, column width) pair in full.

    LibreOffice does not autofit rows of an XlsxWriter file on load, so wrapped text would be cut
    on screen and in print; Times New Roman 12 gets about 1.2 characters per width unit (LibreOffice, Liberation Serif).
    """
    lines = max(sum(max(1, math.ceil(len(part) * 0.85 / width)) for part in text.split("\n"))
                for text, width in cells)
    return 16.0 * lines + 2
