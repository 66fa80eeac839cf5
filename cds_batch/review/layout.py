"""Review, layout: the one definition of the external-evaluation workbook's layout.

In: nothing; the writer (`review.write`) lays the workbook out by these names and the reader
(`review.read`) finds its way by them: file name, sheet names, header texts (never positions), the
identity keys of the hidden sheet and the columns of the criteria sheet with their widths.
Out: the constants, and the two notes that tell evaluators how to fill the sheets.
"""
from __future__ import annotations

from cds_batch.district.recognition import Decision
from cds_batch.reports.contract import REVIEW_FILE as REVIEW_FILE  # noqa: F401  (the review's names start here)
from cds_batch.reports.labels import SCHOOL_CODE, SCHOOL_NAME
from cds_batch.reports.tables import Column

KIND = "review"
LAYOUT_VERSION = "1"
SHEET_CRITERIA, SHEET_SCHOOLS, SHEET_META = "Đánh giá tiêu chí", "Kết luận", "_cds_review"

# Header texts: the reader finds the header row and every column by them.
H_SCHOOL, H_NAME, H_GROUP, H_CODE, H_CRITERION = SCHOOL_CODE, SCHOOL_NAME, "Nhóm", "Mã tiêu chí", "Tiêu chí"
H_ANSWER, H_SELF, H_MAX, H_EVIDENCE = "Trường tự đánh giá", "Điểm tự đánh giá", "Điểm tối đa", "Minh chứng trường nêu"
H_POINTS, H_COMMENT = "Điểm đánh giá ngoài", "Nhận xét của người đánh giá"
H_RUBRIC, H_STATUS, H_OVERALL = "Bộ chỉ số", "Tình trạng hồ sơ", "Mức chung tự đánh giá"
H_DECISION, H_REVIEWER, H_NOTE = "Quyết định", "Người đánh giá", "Nhận xét"

# Identity: key in column A of the hidden sheet, values from column B on; a defined name on each value.
K_KIND, K_VERSION, K_ROUND, K_OFFICE, K_TOOL = ("CDS_REVIEW_KIND", "CDS_REVIEW_VERSION", "CDS_ROUND", "CDS_OFFICE",
                                                "CDS_TOOL_VERSION")
# Rows repeated per item: CDS_RUBRIC | id | hash | version, CDS_SCHOOL | code | rubric id, CDS_CRITERION | code.
K_RUBRIC, K_SCHOOL, K_CRITERION = "CDS_RUBRIC", "CDS_SCHOOL", "CDS_CRITERION"
N_SCHOOLS, N_CRITERIA = "CDS_REVIEW_SCHOOLS", "CDS_REVIEW_CRITERIA"   # the key columns' validation lists
RUBRIC_PROPERTY = "CDS_RUBRIC:"   # + rubric id → its content hash, as a custom property

CRITERIA_COLUMNS = (Column(H_SCHOOL, 9), Column(H_NAME, 22), Column(H_GROUP, 6), Column(H_CODE, 8),
                    Column(H_CRITERION, 34), Column(H_ANSWER, 18), Column(H_SELF, 9), Column(H_MAX, 9),
                    Column(H_EVIDENCE, 34), Column(H_POINTS, 11), Column(H_COMMENT, 30))
CRITERIA_NOTE = (
    "Điền vào các cột màu vàng. Cột '" + H_POINTS + "': số điểm đơn vị đánh giá lại, từ 0 đến điểm tối đa "
    "của dòng; với điều kiện bắt buộc ghi Đạt hoặc Không đạt; để trống nếu giữ nguyên kết quả trường tự đánh giá. "
    "Cột '" + H_COMMENT + "': lý do thay đổi hoặc minh chứng cần bổ sung. Có thể sắp xếp và lọc các dòng; không sửa "
    "hai cột '" + H_SCHOOL + "' và '" + H_CODE + "': công cụ đọc lại từng dòng theo hai mã này.")
SCHOOLS_NOTE = (
    "Chọn '" + H_DECISION + "' cho từng trường: " + ", ".join(d.label for d in Decision) + " (Yêu cầu bổ sung: "
    "trả hồ sơ để trường bổ sung minh chứng); ghi họ tên người đánh giá và nhận xét. Mức được công nhận do công cụ "
    "tính lại từ điểm ở trang '" + SHEET_CRITERIA + "' theo đúng quy tắc của bộ chỉ số.")
