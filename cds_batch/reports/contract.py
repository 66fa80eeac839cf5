"""The one output contract of a run, as `form.layout` is for the school's form.

In: nothing but what callers hand it (school records, the cells of a payload sheet, a folder).
Out: every output file and folder name and every sheet name the district run and the province
roll-up write; the `results.json` record (`SchoolRecord`, versioned); and how records travel in the
summary's hidden payload sheet. The writers name their files and sheets from here, and the province,
the rounds (`--previous`) and the web page read records only through `read_results` and
`records_from_payload`, so a writer and a reader cannot drift. Pure, apart from `read_results`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, TypedDict, cast

from cds_batch.core.commit import settle
from cds_batch.core.findings import Code, render

# --- Files and folders of a district run's output folder ----------------------------------------
SUMMARY = "tong-hop.xlsx"                # the summary workbook leaders read and sign
SUMMARY_CSV = "tong-hop.csv"             # its overview sheet for Excel on a Vietnamese Windows (";", decimal ",")
RESULTS = "results.json"                 # one `SchoolRecord` per school
RESULTS_CSV = "results.csv"              # the same records flattened, for scripts (RFC 4180, "," and ".")
LEDGER = "ledger.json"                   # one object per input entry
FINDINGS = "findings.json"               # one `FindingRow` per finding and per ledger entry not used
FEEDBACK = "phan-hoi"                    # folder of the schools' feedback workbooks
FEEDBACK_SUFFIX = "_phan-hoi.xlsx"       # '<mã trường>_phan-hoi.xlsx'
REVIEW_FILE = "danh-gia-ngoai.xlsx"      # the evaluators' workbook (split: danh-gia-ngoai-<n>.xlsx)
RECOGNITION_FILE = "danh-sach-cong-nhan.xlsx"   # with --review: the recognition list to sign
PAGE_FILE = "ket-qua-cong-nhan.html"     # with --review: the page to publish
# --- ... and of the province roll-up's (which also writes RESULTS, RESULTS_CSV and LEDGER) ---------
PROVINCE_SUMMARY = "tong-hop-tinh.xlsx"

# --- Sheets of the summary workbook, in their order ----------------------------------------------
SHEET_OVERVIEW, SHEET_STATS, SHEET_CRITERIA = "Tổng hợp", "Thống kê", "Chi tiết tiêu chí"
SHEET_UNITS, SHEET_UNIT_LEVELS = "Theo đơn vị", "Theo đơn vị và cấp học"   # only when the roster spans units
SHEET_FIX, SHEET_UNUSABLE = "Cần sửa", "Tệp không dùng được"
SHEET_MISSING, SHEET_CHANGES = "Chưa nộp", "Thay đổi so với đợt trước"
SHEET_RECOGNITION, SHEET_DIFFERENCES = "Công nhận", "Điều chỉnh đánh giá ngoài"   # only with --review
SHEET_LEDGER = "Sổ nhận file"
PAYLOAD_SHEET = "_cds_ket_qua"   # hidden: the payload format tag, then the results records as JSON in chunks
# --- ... of a school's feedback workbook and of the recognition list ------------------------------
FEEDBACK_SHEET = "Phản hồi"
RECOGNITION_SHEET = "Danh sách công nhận"
# --- ... of the province summary workbook, in their order ----------------------------------------
PROVINCE_SHEET_DISTRICTS, PROVINCE_SHEET_RECOGNITION = SHEET_UNITS, "Công nhận"
PROVINCE_SHEET_CRITERIA, PROVINCE_SHEET_SCHOOLS, PROVINCE_SHEET_FINDINGS = "Tiêu chí", "Các trường", "Cần xem"


# --- The results.json record ---------------------------------------------------------------------
# Version 1 records have no "record_version" key; version 2 adds it, last, and nothing else; version 3
# adds "unit" (the school's management unit) and, in "recognition", what the review resolved. Bump when
# a key is added, removed or changes meaning, and teach `_checked` (and `unit_of`) to read the previous one.
RECORD_VERSION = 3
VERSION_KEY = "record_version"
# The payload sheet's format tag: how the records are laid into the sheet (not the records' version).
PAYLOAD_FORMAT = "cds_batch.results/1"
PAYLOAD_CHUNK = 30_000   # characters per cell, under Excel's 32,767


class GroupRecord(TypedDict):
    id: int
    score: int | float
    max: int | float
    level: int
    level_name: str
    failed_conditions: list[str]


class RecognitionRecord(TypedDict):
    """The external review of one school (a run with --review)."""

    decision: str | None          # a `district.recognition.Decision` value, None while undecided
    reviewer: str
    comment: str
    groups: list[GroupRecord]     # the evaluated result
    overall_level: int
    recognised_level: int | None  # None also when decided 'recognised' but errors remain (unresolved, file_errors)
    differences: int
    review_file: str
    # Version 3 on (`RecognitionRecord` of an older record lacks them: nothing was resolved or withheld then).
    resolved_criteria: list[str]    # criteria with an error in the self-assessment that the evaluators gave a value
    unresolved_criteria: list[str]  # criteria with an error and no evaluated value: not recognised
    file_errors: list[str]          # codes of errors tied to no criterion (E401 …): not recognised


class _EveryVersion(TypedDict):
    """The keys every record has."""

    school_code: str
    school_name: str
    level_of_education: str
    commune: str
    district: str
    office: str                   # the office that ran the job ("UBND xã …", "Sở GDĐT …", "Phòng GDĐT …")
    rubric_id: str
    status: str
    provisional: bool
    groups: list[GroupRecord]
    overall_level: int | None
    criteria: dict[str, int | float]
    source: str | None
    sha256: str | None
    received_at: str | None       # ISO time
    errors: int
    warnings: int


class SchoolRecord(_EveryVersion, total=False):
    """One school of results.json (and of the payload sheet), as `reports.data_files.school_object` writes it.

    Scores are numbers rounded to 4 decimals (`core.numbers.json_number`); `status` is a
    `district.consolidate.Status` value. This version writes every key, `record_version` last; a
    version-1 record lacks `record_version` and may lack `recognition` (written before the key
    existed); records before version 3 lack `unit` (read it with `unit_of`). The province rewrites
    `district` only.
    """

    recognition: RecognitionRecord | None
    unit: str                     # version 3: the management unit: the province groups by it
    record_version: int


def unit_of(record: SchoolRecord) -> str:
    """The school's management unit; for a record before version 3, the office that ran its round (a
    district's Phòng GDĐT then managed its schools), else its district."""
    return str(record.get("unit") or record.get("office") or record.get("district") or "")


class RecordVersionError(ValueError):
    """A record version this code does not know (a newer cds-batch wrote it); the message is Vietnamese (P104)."""

    def __init__(self, version: object) -> None:
        self.version = version if type(version) is int else repr(version)   # '2' (a text) is not 2
        super().__init__(render(Code.P104, {"value": self.version, "detail": RECORD_VERSION}))


def _checked(data: object) -> list[SchoolRecord]:
    """`data` (parsed JSON) as records: a list of objects, each of a version from 1 to `RECORD_VERSION`.

    :raises ValueError: not a list of objects; `RecordVersionError` for a version this code does not know.
    """
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        raise ValueError(f"{RESULTS} không phải danh sách các trường")
    for s in data:
        version = s.get(VERSION_KEY, 1)
        if type(version) is not int or not 1 <= version <= RECORD_VERSION:
            raise RecordVersionError(version)
    return data


def read_results(folder: Path) -> list[SchoolRecord]:
    """The records of the results.json in `folder` (an earlier run for --previous, a district for the province).

    A commit a killed run left in `folder` is finished first (`core.commit.settle`): the records are the
    complete run's, never read from a folder holding a mix.

    :raises OSError: the file cannot be read; ValueError: it is not records of a version this code reads
        (`RecordVersionError`, with the Vietnamese reason, for a newer version).
    """
    settle(folder)
    return _checked(json.loads((folder / RESULTS).read_text(encoding="utf-8")))


# --- The ledger.json entry ------------------------------------------------------------------------
class _LedgerCodes(TypedDict):
    """The keys of every ledger.json entry."""

    source: str
    name: str
    parent: str | None
    kind: str
    size: int
    sha256: str
    received_at: str          # ISO 8601 with its offset
    time_source: str          # an `intake.discover.TimeSource` value
    sender: str | None
    fate: str                 # an `intake.discover.Fate` value
    school_code: str | None
    reason: str


class LedgerRecord(_LedgerCodes, total=False):
    """One input entry of ledger.json, as `reports.data_files.ledger` writes it; a ledger written
    before these keys existed lacks them."""

    unusable: bool            # could not be used: on the summary's "Tệp không dùng được" sheet
    carried: bool             # used, and the very file the previous run (--previous) used
    kind_label: str           # the words the summary shows for kind, time_source and fate
    time_source_label: str
    fate_label: str


def read_ledger(folder: Path) -> list[LedgerRecord]:
    """The entries of the ledger.json in `folder`.

    :raises OSError: the file cannot be read; ValueError: it is not a list of entries.
    """
    return cast(list[LedgerRecord], _objects(folder / LEDGER, "các tệp"))


# --- The findings.json row ------------------------------------------------------------------------
class FindingRow(TypedDict):
    """One row of findings.json (`reports.findings_file` writes them; the keys are explained there)."""

    kind: str                  # "finding" | "ledger"
    school_code: str
    school_name: str
    file: str
    sheet: str | None
    cell: str | None
    code: str | None
    severity: str | None       # "error" | "warning" | "info"
    message: str | None
    value: Any
    fate: str
    reason: str | None
    to_fix: bool


def read_findings(folder: Path) -> list[FindingRow]:
    """The rows of the findings.json in `folder` (a run's output folder).

    :raises OSError: the file cannot be read; ValueError: it is not a list of rows.
    """
    return cast(list[FindingRow], _objects(folder / FINDINGS, "các dòng"))


def _objects(path: Path, what: str) -> list[dict[str, Any]]:
    """The JSON list of objects in `path`; ValueError (in Vietnamese) when it is something else."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{path.name} không phải danh sách {what}")
    return data


# --- The payload sheet ---------------------------------------------------------------------------
def payload_cells(records: Iterable[SchoolRecord], chunk: int = PAYLOAD_CHUNK) -> Iterator[str]:
    """The cells of the payload sheet's first column: the format tag, then the records as compact
    JSON, cut into `chunk`-sized pieces.

    Made one record at a time: neither the list of records nor the whole text (about 100 MB in
    memory at 45,000 schools) is held.
    """
    yield PAYLOAD_FORMAT
    parts, size = ["["], 1
    for n, record in enumerate(records):
        piece = ("," if n else "") + json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        parts.append(piece)
        size += len(piece)
        if size >= chunk:
            text = "".join(parts)
            full = len(text) - len(text) % chunk
            yield from (text[i:i + chunk] for i in range(0, full, chunk))
            parts, size = [text[full:]], len(text) - full
    text = "".join(parts) + "]"
    yield from (text[i:i + chunk] for i in range(0, len(text), chunk))


def records_from_payload(rows: Sequence[Sequence[Any]]) -> list[SchoolRecord] | None:
    """The records in the rows of a payload sheet, or None when the sheet is not ours (no format tag).

    :raises ValueError: the tag is ours but the text is not records this code reads (see `read_results`).
    """
    column = [str(r[0]) for r in rows if r and r[0] not in ("", None)]
    if not column or column[0] != PAYLOAD_FORMAT:
        return None
    data = json.loads("".join(column[1:]))
    return _checked(data) if isinstance(data, list) else None
