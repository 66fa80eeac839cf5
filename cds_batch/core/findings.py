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


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741  (short names keep the table readable)


class Code(Enum):
    """Stable finding codes: R rubric files, T rosters, E1xx reading, E2xx answers, E3xx evidence,
    E4xx identity, V the office's review workbook, P the province roll-up, and L the ledger's reasons —
    what became of each inbox file, said once per file rather than found at a place (L1xx discovery
    and its limits, L2xx what a file or a member is, L3xx the district's choice among a school's files).
    An L code's severity says how the office should take it: an error is a file that could not be
    used, a warning one that was not, information one that was."""

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
    # Reading a returned workbook (E1xx): what the reader had to do, and whether the file can be trusted.
    E101 = (W, "{detail}; công cụ đã tìm ô theo cột 'Mã tiêu chí' hoặc theo nhãn. Hãy kiểm tra lại kết quả đọc được và lần sau dùng đúng tệp mẫu.")
    E102 = (I, "{detail}; công cụ vẫn đọc được trang này theo cột 'Mã tiêu chí'.")
    E103 = (E, "{detail}: không đọc được câu trả lời nào của nhóm này. Hãy dùng lại tệp mẫu, điền đủ rồi gửi lại.")
    E104 = (E, "Không tìm thấy ô trả lời của tiêu chí {value}: {detail}. Hãy dùng lại tệp mẫu, không xóa dòng hay đổi mã tiêu chí.")
    E105 = (I, "Trang '{value}' không có trong mẫu nên không được đọc.")
    E106 = (I, "Chữ gõ bằng bảng mã cũ (phông {detail}) đã được chuyển sang Unicode; hãy kiểm tra lại chữ đã chuyển.")
    E107 = (I, "Ô có công thức nhưng tệp không lưu kết quả; hãy mở tệp bằng Excel, lưu lại rồi gửi.")
    E108 = (I, "Ngày '{value}' không ở dạng ngày của bảng tính và đã được hiểu là {detail}; hãy kiểm tra lại.")
    E109 = (I, "Thông tin nhận dạng của mẫu ({detail}) không còn trong tệp (trang ẩn _cds đã bị xóa?) nên được lấy từ thuộc tính tệp.")
    E110 = (W, "Thông tin nhận dạng không khớp: {detail}. Hãy dùng đúng tệp mẫu của đợt này.")
    E111 = (I, "Đuôi tệp '{value}' không đúng với nội dung tệp (thực chất là {detail}); công cụ vẫn đọc được.")
    E112 = (E, "Tệp làm theo bộ chỉ số '{value}' nhưng lần chạy này chỉ có {expected}; tệp chưa được chấm. Hãy chạy lại với --rubric TỆP của bộ chỉ số đó, hoặc yêu cầu trường dùng đúng mẫu.")
    E113 = (E, "Tệp làm theo phiên bản khác của bộ chỉ số {detail} (mã băm {value}, bản đang dùng {expected}); tệp chưa được chấm để khỏi chấm sai. Hãy gửi cho trường mẫu phiếu mới.")
    E114 = (E, "Tệp làm theo phiên bản mẫu '{value}', công cụ đang dùng phiên bản '{expected}'; hãy gửi cho trường mẫu phiếu mới.")
    E115 = (W, "Tệp thuộc đợt '{value}', không phải đợt đang tổng hợp '{expected}'. Hãy kiểm tra trường có gửi nhầm tệp cũ không.")
    E116 = (W, "Tệp không ghi bộ chỉ số (có thể đã chép sang tệp mới); đã chấm theo bộ chỉ số {value} {detail}. Hãy kiểm tra lại.")
    E117 = (W, "Tệp đã mất tên vùng và tên trang của mẫu (có thể đã chép sang một tệp mới): công cụ đã nhận ra các trang theo nội dung ({detail}) và tìm các ô theo cột 'Mã tiêu chí' và theo nhãn như 'Mã trường'. Hãy kiểm tra lại kết quả đọc được; lần sau hãy điền thẳng vào tệp mẫu đã được gửi, không chép sang tệp mới.")
    # Answers (E2xx): one finding per unusable or reinterpreted answer, and every condition not met.
    E201 = (E, "Chưa trả lời tiêu chí {detail}. Hãy nhập {expected}.")
    E202 = (E, "Không hiểu câu trả lời '{value}' của tiêu chí {detail}. Hãy nhập {expected}.")
    E203 = (E, "Giá trị '{value}' của tiêu chí {detail} nằm ngoài khoảng cho phép. Hãy nhập {expected}.")
    E204 = (E, "'{value}' không phải lựa chọn của tiêu chí {detail}. Hãy chọn {expected}.")
    E205 = (E, "Điểm '{value}' của tiêu chí {detail} không đúng bước điểm. Hãy nhập {expected}.")
    E206 = (I, "Câu trả lời '{value}' của tiêu chí {detail} không đúng cách ghi của mẫu nhưng đã được hiểu; lần sau hãy nhập {expected}.")
    E207 = (I, "Điều kiện bắt buộc {value} ({detail}) được đánh giá 'Không đạt': {expected}.")
    E208 = (W, "Tổng điểm nhóm {detail} do công thức trong tệp hiển thị là {value}, công cụ tính lại từ các câu trả lời được {expected}; kết quả dùng điểm tính lại. Hãy kiểm tra tệp có bị sửa công thức không.")
    # Evidence (E3xx).
    E301 = (W, "Tiêu chí {value} ({detail}) tự đánh giá {expected} điểm nhưng Danh mục minh chứng không có minh chứng nào cho tiêu chí này. Hãy bổ sung minh chứng.")
    E302 = (W, "Dòng minh chứng ghi tiêu chí '{value}' nhưng bộ chỉ số không có tiêu chí này. Hãy sửa mã tiêu chí (ví dụ 1.3).")
    E303 = (W, "Dòng minh chứng '{value}' chưa có tên minh chứng / trích yếu. Hãy bổ sung.")
    # Identity: which school a workbook belongs to (E4xx).
    E401 = (E, "Tệp này được tạo cho trường có mã {expected} nhưng mã trường ghi trong tệp là '{value}'. Hãy dùng đúng tệp của trường mình, hoặc sửa lại mã trường.")
    E402 = (W, "Chưa ghi mã trường; công cụ đã nhận ra trường {expected} theo {detail}. Hãy ghi mã trường vào ô này khi gửi lại.")
    E403 = (E, "Không xác định được tệp này của trường nào: {detail}. Hãy ghi đúng mã trường theo danh sách của đơn vị nhận phiếu.")
    E404 = (W, "Mã trường '{value}' không có trong danh sách trường của đơn vị; tệp được liệt kê riêng là trường ngoài danh sách.")
    E405 = (E, "Tên trường '{value}' khớp với nhiều trường trong danh sách ({expected}); hãy ghi mã trường để phân biệt.")
    # External evaluation: the review workbook "Đánh giá ngoài" the office fills (V1xx).
    V101 = (E, "Không hiểu kết quả đánh giá '{value}' của tiêu chí {detail}; giá trị này bị bỏ qua. Hãy nhập {expected}.")
    V102 = (E, "Điểm đánh giá '{value}' của tiêu chí {detail} nằm ngoài khoảng cho phép; giá trị này bị bỏ qua. Hãy nhập {expected}.")
    V103 = (E, "Quyết định '{value}' của trường {detail} không có trong danh sách; giá trị này bị bỏ qua. Hãy chọn {expected}.")
    V104 = (E, "Dòng ghi tiêu chí '{value}' nhưng {detail}; dòng này bị bỏ qua. Hãy trả lại mã tiêu chí cũ của dòng: công cụ đọc từng dòng theo mã trường và mã tiêu chí.")
    V105 = (E, "{detail}; dòng này bị bỏ qua. Hãy xóa dòng thừa hoặc trả lại mã cũ của dòng.")
    V106 = (E, "Trường {school} được chọn 'Công nhận' nhưng phiếu tự đánh giá còn lỗi ở tiêu chí {detail} và bảng đánh giá ngoài chưa có giá trị đánh giá của các tiêu chí này; trường chưa được công nhận và được liệt kê riêng ('{expected}'). Hãy nhập điểm đánh giá ngoài (Đạt hoặc Không đạt với điều kiện bắt buộc) cho từng tiêu chí đó, hoặc yêu cầu trường sửa lỗi và gửi lại tệp, rồi chạy lại với --review.")
    V107 = (E, "Trường {school} được chọn 'Công nhận' nhưng tệp tự đánh giá còn lỗi không thuộc tiêu chí nào ({detail}), đánh giá ngoài không thay được; trường chưa được công nhận và được liệt kê riêng ('{expected}'). Hãy yêu cầu trường sửa các lỗi này (ghi trong tệp phản hồi của trường) và gửi lại tệp, rồi chạy lại với --review.")
    # Province roll-up (P1xx).
    P101 = (W, "Trường có mã {value} được hai đơn vị báo cáo ({detail}); hãy xác định trường thuộc đơn vị nào.")
    P102 = (W, "{value} gửi hơn một kết quả: dùng {won}, không dùng {lost}, vì {won} có bài nộp nhận muộn nhất lúc {when} (của {lost}: {other}).")
    P103 = (W, "Tệp này không phải bảng tổng hợp của một đơn vị (không có dữ liệu kết quả của cds-batch). Nếu là phiếu của trường, hãy chạy lại với --roster danh sách trường của tỉnh.")
    P104 = (E, "Kết quả ghi theo phiên bản {value} của định dạng results.json, mới hơn phiên bản cds-batch này đọc được (đến {detail}); hãy cập nhật cds-batch rồi chạy lại. Kết quả này không được dùng.")
    P105 = (W, "{value} gửi hơn một kết quả có bài nộp nhận muộn nhất cùng lúc {when}: dùng {won}, không dùng {lost}, vì {won} có nhiều trường đã nộp hơn ({count} so với {other}).")
    P106 = (W, "{value} gửi hơn một kết quả giống nhau về thời điểm nhận bài ({when}) và số trường đã nộp: dùng {won} (tên tệp xếp trước), không dùng {lost}. Hãy hỏi đơn vị bản nào là bản cuối.")
    P107 = (I, "Đã dùng: kết quả của {value}, {count} trường.")
    P108 = (E, "Không đọc được kết quả trong tệp này: tệp hỏng, bị cắt cụt hoặc không phải danh sách các trường do cds-batch ghi. Hãy xin đơn vị gửi lại thư mục kết quả hoặc tệp tong-hop.xlsx.")
    P109 = (I, "Tệp đi kèm trong thư mục kết quả của {value}; kết quả đã đọc từ {source}.")
    P110 = (E, "Không tổng hợp được đơn vị nào: không tệp nào là kết quả dùng được của một đơn vị. Lý do từng tệp ở trang 'Cần xem' và trong ledger.json; hãy xin các đơn vị gửi lại thư mục kết quả hoặc tệp tong-hop.xlsx.")
    P111 = (W, "{value} chưa gửi kết quả: không kết quả nào đã nhận có trường của đơn vị trong danh sách trường của tỉnh; {count} trường của đơn vị được tính là chưa nộp. Hãy nhắc đơn vị gửi thư mục kết quả hoặc tệp tong-hop.xlsx.")
    # Rosters (danh sách trường) for `cds-batch template` and `run`.
    T101 = (E, "Không đọc được danh sách trường: {detail}. Hãy lưu danh sách dưới dạng .xlsx, .xls, .ods hoặc .csv (UTF-8).")
    T102 = (E, "Không tìm thấy dòng tiêu đề của danh sách trường: cần ít nhất hai cột 'Mã trường' và 'Tên trường'.{hint}")
    T103 = (E, "Dòng này thiếu mã trường (tên trường: '{value}'); hãy ghi mã trường vào cột 'Mã trường' hoặc xóa dòng.")
    T104 = (E, "Mã trường '{value}' bị trùng với dòng {expected}; mỗi trường chỉ được có một dòng.")
    T105 = (W, "Trường có mã '{value}' chưa có tên; tên tệp và tờ thông tin chỉ ghi mã trường.")
    T106 = (E, "Danh sách trường không có trường nào (sau dòng tiêu đề không có dòng dữ liệu).")
    # Ledger reasons: discovery and its limits (L1xx).
    L101 = (E, "Liên kết tới thư mục: không đi theo")
    L102 = (E, "Không mở được tệp: {detail}")
    L103 = (E, "Vượt giới hạn: tệp nén hoặc thư lồng nhau quá {limit} tầng")
    L104 = (E, "Vượt giới hạn: quá {limit} tệp thành phần trong các tệp nén")
    L105 = (E, "Tệp {kind} hỏng: {detail}")
    L106 = (I, "Đã mở: {count} tệp bên trong")
    L107 = (E, "Tệp trong tệp nén bị hỏng: {detail}")
    L108 = (E, "Vượt giới hạn: tệp giải nén lớn hơn {limit}")
    L109 = (E, "Vượt giới hạn: tổng dung lượng giải nén quá {limit}")
    L110 = (E, "Vượt giới hạn: tỉ lệ nén quá {limit} lần (nghi là bom nén)")
    L111 = (W, "Trùng nội dung với {source}")
    # Ledger reasons: what a file or a container's member is (L2xx).
    L201 = (E, "Tệp rỗng (0 byte)")
    L202 = (W, "Tệp tạm Excel tạo khi đang mở bảng tính, không phải bài nộp")
    L203 = (W, "{kind}, không phải bảng tính")
    L204 = (W, "Tệp phụ của macOS (AppleDouble), không phải bài nộp")
    L205 = (W, "Tệp HTML/XML mang đuôi {ext}, không phải bảng tính Excel; hãy mở bằng Excel và lưu lại dạng .xlsx")
    L206 = (E, "Tệp {ext} hỏng: nội dung không đúng định dạng")
    L207 = (W, "Tệp Excel nhị phân (.xlsb); hãy lưu lại dạng .xlsx")
    L208 = (E, "Tệp .ods có mật khẩu mở tệp; hãy gỡ mật khẩu rồi gửi lại")
    L209 = (E, "Tệp Excel có mật khẩu")
    L210 = (E, "Tệp Office có mật khẩu ({ext})")
    L211 = (E, "Tệp Office hỏng: {detail}")
    L212 = (E, "Liên kết (symlink) trong tệp nén: không giải nén")
    L213 = (E, "Liên kết hoặc tệp đặc biệt trong tệp nén: không giải nén")
    L214 = (E, "Tệp trong tệp nén có mật khẩu")
    L215 = (E, "Máy này chưa đọc được tệp {ext}: hãy cài 7-Zip (7-zip.org) rồi chạy lại, hoặc giải nén tệp và để các tệp Excel bên trong vào thư mục hộp thư")
    L216 = (E, "Tệp {ext} có mật khẩu; hãy đề nghị gửi lại tệp không đặt mật khẩu")
    L217 = (E, "Không đọc được tệp {ext} trên máy này (tệp hỏng hoặc định dạng chưa hỗ trợ): {detail}")
    L218 = (E, "Tệp đính kèm hỏng: {detail}")
    L219 = (E, "Thư Outlook đính kèm trong tệp .msg: chưa mở được, hãy lưu riêng thư đó")
    L220 = (E, "Tệp đính kèm không có nội dung (liên kết hoặc đối tượng OLE)")
    L221 = (E, "Tên tệp trong tệp nén chỉ ra ngoài thư mục giải nén (../ hoặc ổ đĩa): không giải nén")
    # Ledger reasons: the district's choice among a school's files (L3xx).
    L301 = (I, "Đã đọc nhưng chưa chấm được (xem các lỗi).")
    L302 = (I, "Đã đọc và chấm tạm: {errors} lỗi cần sửa, {warnings} cảnh báo.")
    L303 = (I, "Đã đọc và chấm: hợp lệ, {warnings} cảnh báo.")
    L304 = (W, "Trường {school} có tệp khác được dùng: {source} (nhận lúc {received}).")
    L305 = (W, "Trường {school} có tệp khác được dùng: {source} (nhận lúc {received}). Tệp này gửi sau nhưng còn lỗi nên không được dùng.")
    L306 = (E, "Không được đọc.")
    L307 = (I, "Dùng lại từ đợt trước: cùng nội dung với tệp đã dùng ở lần chạy trước. {status}")


class Detail(Enum):
    """Which case of a reading finding it is, filled into the code's {detail} (one code, several
    ways the reader got there); the fields in braces are given to `text`."""

    NAMES_LOST = "Tệp không còn tên vùng của mẫu (có thể đã chép sang tệp mới)"   # E101, for the whole file
    ANSWER_NAME_LOST = "Ô trả lời của tiêu chí {key} mất tên vùng {name}"          # E101, found by its code
    FIELD_NAME_LOST = "Ô '{label}' mất tên vùng {name}"                            # E101, found by its label
    SHEET_RENAMED = "Trang '{expected}' đã bị đổi tên thành '{found}'"             # E102
    SHEET_MISSING = "Không có trang '{expected}'"                                  # E103
    GROUP_SHEET_MISSING = "Không có trang nhóm"                                    # E104, each answer of that sheet
    CODE_NOT_IN_COLUMN = "Không tìm thấy mã {key} ở cột 'Mã tiêu chí'"             # E104
    IDENTITY_CONFLICT = "{label}: ô ghi '{cell}', thuộc tính tệp ghi '{prop}'"     # E110

    def text(self, **fields: object) -> str:
        return self.value.format(**fields)


class _Missing(dict[str, Any]):
    """Format mapping in which an absent field renders as 'không rõ' instead of raising."""

    def __missing__(self, key: str) -> str:
        return "không rõ"


_FORMATTER = string.Formatter()


def render(code: Code, fields: Mapping[str, Any]) -> str:
    """Render the catalogue template of `code` with `fields`; unknown fields show 'không rõ'."""
    return _FORMATTER.vformat(code.template, (), _Missing({k: v for k, v in fields.items() if v is not None}))


@dataclass(frozen=True)
class Reason:
    """A ledger reason: its catalogue code (an L code) and the text it renders to."""

    code: Code
    text: str


def reason(code: Code, **fields: Any) -> Reason:
    """The ledger reason `code` with `fields` rendered into its catalogue template."""
    return Reason(code, render(code, fields))


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
