"""Reports, labels: the words and colours the report workbooks share, defined once.

In: a school's `Status` (whose words `district.consolidate` defines) or a finding's `Severity` (whose
words the catalogue defines); an inbox entry's `Fate`, `FileKind` and `TimeSource`.
Out: the colour pair of each (the usual Excel "good / bad / neutral" fills), in the order the
conditional formats are written; the headers every school table opens with; the condition words
and the two ways a condition row's maximum is written; the Vietnamese words for what became of a
received file, what kind of file it is, and where its received time comes from (the ledger, the
summary, the feedback files, the command line and the web page all show these); the header naming a
school's management unit.
"""
from __future__ import annotations

from typing import Union

from cds_batch.core.findings import Severity
from cds_batch.district.consolidate import Status
from cds_batch.form import layout
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES
from cds_batch.intake.discover import Fate, FileKind, TimeSource

Word = Union[Status, Severity]   # a value shown in a coloured cell

GOOD, BAD, NOTICE, NEUTRAL = ("#C6EFCE", "#006100"), ("#FFC7CE", "#9C0006"), ("#FFEB9C", "#9C5700"), \
    ("#DDEBF7", "#1F4E78")
# (fill, text colour) of each coloured word; a word not here (Severity.INFO) is shown plain. The order
# is the order of the conditional formats in a sheet.
COLOURS: dict[Word, tuple[str, str]] = {
    Status.VALID: GOOD, Status.NEEDS_FIX: BAD, Status.MISSING: NOTICE, Status.UNLISTED: NEUTRAL,
    Severity.ERROR: BAD, Severity.WARNING: NOTICE,
}

# The headers of the columns that name a school, in every table listing schools (the form's words).
ROW_NO, SCHOOL_CODE, SCHOOL_NAME = layout.ROW_NO, layout.SCHOOL_CODE, layout.SCHOOL_NAME

# The column naming a school's management unit ("đơn vị quản lý": `rubric.roster.with_units`), in the
# tables that list schools when a round spans several units; and the unit of a school the roster assigns to
# none when the round's office is not named either.
UNIT, UNNAMED_OFFICE = "Đơn vị quản lý", "Đơn vị tổ chức đợt đánh giá"

# A condition criterion's value, as the school's form writes it.
MET, NOT_MET = CONDITION_YES, CONDITION_NO
# A condition row's "maximum": spelt out in the review workbook (whose points rule tests it is not a
# number), shortened in the narrow columns of the summary's criteria sheet.
CONDITION_MAX, CONDITION_MAX_SHORT = "Điều kiện", "ĐK"

# What became of a received file.
FATE_LABELS: dict[Fate, str] = {
    Fate.USED: "Đã dùng",
    Fate.SUPERSEDED: "Bị thay bằng tệp mới hơn",
    Fate.DUPLICATE: "Trùng tệp",
    Fate.CONTAINER: "Tệp nén/thư (đã mở)",
    Fate.NOT_A_WORKBOOK: "Không phải bảng tính",
    Fate.UNREADABLE: "Không đọc được",
    Fate.NOT_OUR_TEMPLATE: "Không phải mẫu phiếu",
    Fate.UNIDENTIFIED: "Không rõ trường",
    Fate.REJECTED: "Bị từ chối (giới hạn an toàn)",
}
# What a received file is, by its content (a .pdf renamed .xlsx is "Loại khác").
KIND_LABELS: dict[FileKind, str] = {
    FileKind.XLSX: "Bảng tính Excel (.xlsx)",
    FileKind.XLSM: "Bảng tính Excel có macro (.xlsm)",
    FileKind.XLS: "Bảng tính Excel 97-2003 (.xls)",
    FileKind.ODS: "Bảng tính LibreOffice (.ods)",
    FileKind.ZIP: "Tệp nén .zip",
    FileKind.RAR: "Tệp nén .rar",
    FileKind.SEVEN_Z: "Tệp nén .7z",
    FileKind.EML: "Thư điện tử (.eml)",
    FileKind.MBOX: "Hộp thư (.mbox)",
    FileKind.MSG: "Thư Outlook (.msg)",
    FileKind.OTHER: "Loại khác (không phải bảng tính, tệp nén hay thư)",
}
# A used file that is the very file the previous run used (--previous): the ledger and the changes say so.
CARRIED = "Dùng lại từ đợt trước"
# Where a received time comes from, said after the time: "22/10/2025 08:15 (theo ngày gửi thư)".
TIME_SOURCE_LABELS: dict[TimeSource, str] = {
    TimeSource.MAIL_DATE: "theo ngày gửi thư",
    TimeSource.ARCHIVE_MEMBER: "theo thời gian tệp trong tệp nén",
    TimeSource.FILE_MTIME: "theo thời gian sửa tệp",
}


def label(word: Word) -> str:
    """The Vietnamese word a cell shows for `word`."""
    return word.label if isinstance(word, Status) else word.value
