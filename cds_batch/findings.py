"""The findings catalogue: every problem the tool can report, with one Vietnamese message each.

In: a code from `Code` plus the place and the values to show.
Out: a frozen `Finding` whose message is rendered from the catalogue template, so tests and
reports build the same text from the same source.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping


class Severity(Enum):
    ERROR = "Lỗi"
    WARNING = "Cảnh báo"
    INFO = "Thông tin"


E, W = Severity.ERROR, Severity.WARNING


class Code(Enum):
    """Stable finding codes. R = rubric files, T = rosters (later stages add E1xx reading … E4xx identity)."""

    def __init__(self, severity: Severity, template: str) -> None:
        self.severity = severity
        self.template = template

    # Rubric files: reading and shape.
    R101 = (E, "Không đọc được tệp bộ chỉ số: {detail}. Hãy kiểm tra tệp có đúng định dạng YAML hoặc Excel (.xlsx) không.")
    R102 = (E, "Sai cấu trúc tại {path}: {detail}.")
    R103 = (W, "Khóa không được dùng tại {path}: '{value}' sẽ bị bỏ qua.{hint}")
    R104 = (E, "Khóa '{value}' xuất hiện hai lần trong cùng một mục tại {path}; hãy giữ lại một.")
    R105 = (E, "Dòng này ghi {detail} '{value}' nhưng bộ chỉ số không có {detail} đó; hãy sửa mã hoặc xóa dòng.")
    # Rubric files: consistency (what `rubric check` exists for).
    R201 = (E, "Mã tiêu chí '{value}' bị trùng; mỗi tiêu chí phải có một mã riêng.")
    R202 = (E, "Mã nhóm '{value}' bị trùng; mỗi nhóm phải có một mã riêng.")
    R203 = (E, "Tiêu chí {value} loại '{expected}' thiếu {detail}.")
    R204 = (W, "Tiêu chí {value} loại '{expected}' không dùng {detail}; giá trị này bị bỏ qua khi chấm.")
    R205 = (E, "Tiêu chí {value} thuộc mục '{detail}' nhưng nhóm không khai báo mục này.")
    R206 = (E, "Khoảng xếp mức của {detail} bị hở giữa {value} và {expected}: điểm rơi vào đó không có mức.")
    R207 = (E, "Khoảng xếp mức của {detail} chồng lên nhau tại {value}: một điểm thuộc hai mức.")
    R208 = (E, "Khoảng xếp mức của {detail} không phủ hết thang điểm: {value}.")
    R209 = (W, "Mục {value}: điểm trần khai báo là {expected} nhưng các dòng cộng lại được {detail}; điểm của mục được giới hạn ở mức thấp hơn.")
    R210 = (W, "Nhóm {value}: điểm tối đa là {detail}, không phải 100{expected}.")
    R211 = (W, "Nhóm {value}: điểm tối đa khai báo là {expected} nhưng các dòng cộng lại được {detail}; công cụ dùng {detail}.")
    R212 = (W, "Tiêu chí {value} chưa nêu minh chứng cần có.")
    R213 = (E, "Tiêu chí {value}: '{expected}' cần tiêu chí thuộc một mục.")
    R214 = (E, "Tiêu chí {value}: lựa chọn '{detail}' bị trùng nhãn.")
    R215 = (E, "Nhóm {value} không có tiêu chí nào.")
    R216 = (W, "Tiêu chí {value}: bước điểm {expected} không chia hết điểm tối đa {detail}.")
    R217 = (E, "Khoảng điểm của tiêu chí {value} {detail}.")
    # Rosters (danh sách trường) for `cds-batch template`.
    # Identity: which school a workbook belongs to (E4xx).
    E401 = (E, "Tệp này được tạo cho trường có mã {expected} nhưng mã trường ghi trong tệp là '{value}'. Hãy dùng đúng tệp của trường mình, hoặc sửa lại mã trường.")
    E402 = (W, "Chưa ghi mã trường; công cụ đã nhận ra trường {expected} theo {detail}. Hãy ghi mã trường vào ô này khi gửi lại.")
    E403 = (E, "Không xác định được tệp này của trường nào: {detail}. Hãy ghi đúng mã trường theo danh sách của Phòng GDĐT.")
    E404 = (W, "Mã trường '{value}' không có trong danh sách trường của đơn vị; tệp được liệt kê riêng là trường ngoài danh sách.")
    E405 = (E, "Tên trường '{value}' khớp với nhiều trường trong danh sách ({expected}); hãy ghi mã trường để phân biệt.")
    T101 = (E, "Không đọc được danh sách trường: {detail}. Hãy lưu danh sách dưới dạng .xlsx, .xls, .ods hoặc .csv (UTF-8).")
    T102 = (E, "Không tìm thấy dòng tiêu đề của danh sách trường: cần ít nhất hai cột 'Mã trường' và 'Tên trường'.{hint}")
    T103 = (E, "Dòng này thiếu mã trường (tên trường: '{value}'); hãy ghi mã trường vào cột 'Mã trường' hoặc xóa dòng.")
    T104 = (E, "Mã trường '{value}' bị trùng với dòng {expected}; mỗi trường chỉ được có một dòng.")
    T105 = (W, "Trường có mã '{value}' chưa có tên; tên tệp và tờ thông tin chỉ ghi mã trường.")
    T106 = (E, "Danh sách trường không có trường nào (sau dòng tiêu đề không có dòng dữ liệu).")


class _Missing(dict[str, Any]):
    """Format mapping in which an absent field renders as 'không rõ' instead of raising."""

    def __missing__(self, key: str) -> str:
        return "không rõ"


_FORMATTER = string.Formatter()


def render(code: Code, fields: Mapping[str, Any]) -> str:
    """Render the catalogue template of `code` with `fields`; unknown fields show 'không rõ'."""
    return _FORMATTER.vformat(code.template, (), _Missing({k: v for k, v in fields.items() if v is not None}))


@dataclass(frozen=True)
class Finding:
    """One problem at one place. `cell` is an A1 reference; `line` is for text files (YAML)."""

    code: Code
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    line: int | None = None
    value: str = ""

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def where(self) -> str:
        """The place as a person reads it: 'tệp.yaml, dòng 12' or 'tệp.xlsx, Tiêu chí!C7'."""
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"dòng {self.line}")
        if self.sheet or self.cell:
            parts.append(f"{self.sheet}!{self.cell}" if self.sheet else self.cell)
        return ", ".join(parts)


def finding(code: Code, *, file: str = "", sheet: str = "", cell: str = "", line: int | None = None,
            **fields: Any) -> Finding:
    """Build a Finding whose message comes from the catalogue template of `code`."""
    value = fields.get("value")
    return Finding(code=code, message=render(code, fields), file=file, sheet=sheet, cell=cell,
                   line=line, value="" if value is None else str(value))
