"""Machine-readable outputs of a run: results.json, ledger.json and the CSV of the Tổng hợp sheet.

In: a consolidated `District`.
Out: plain JSON-ready objects (the schemas are documented in the README) and atomic writers.
Scores are exact fractions inside the tool; JSON gets them as numbers rounded to 4 decimals
(integers stay integers), which is what a spreadsheet or a script reading the file expects.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence

from cds_batch.core.numbers import json_number
from cds_batch.reports import contract
from cds_batch.reports.contract import RECORD_VERSION, GroupRecord, RecognitionRecord, SchoolRecord
from cds_batch.core.atomic import atomic_path, encodable, write_text_atomic
from cds_batch.district.consolidate import District, LedgerRow, SchoolRow
from cds_batch.district.recognition import Recognition
from cds_batch.reports.labels import KIND_LABELS, TIME_SOURCE_LABELS
from cds_batch.reports.tables import fate_label, school_unit
from cds_batch.checking.score import SchoolResult

# A cell starting with one of these is a formula to Excel, even in a CSV (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def school_object(row: SchoolRow, office: str = "", recognition: Recognition | None = None) -> SchoolRecord:
    """One school of results.json; `office` is the office that ran the job, `unit` the school's management
    unit (its roster's, else that office: the province groups by it);
    with a `recognition` (a run with --review), the school's evaluated result and the office's decision."""
    used = row.used
    result = used.result if used is not None else None
    return {
        "school_code": row.info.code,
        "school_name": row.info.name,
        "level_of_education": row.info.level,
        "commune": row.info.commune,
        "district": row.info.district,
        "office": office,
        "unit": school_unit(row.info, office),
        "rubric_id": used.rubric_id if used is not None else row.info.rubric,
        "status": row.status.value,
        "provisional": row.provisional,
        "groups": _groups(result),
        "overall_level": result.overall_level if result is not None else None,
        "criteria": {c.code: json_number(c.points) for c in result.criteria} if result is not None else {},
        "source": used.entry.source if used is not None else None,
        "sha256": used.entry.sha256 if used is not None else None,
        "received_at": used.entry.received_at.isoformat() if used is not None else None,
        "errors": used.errors if used is not None else 0,
        "warnings": used.warnings if used is not None else 0,
        "recognition": _recognition_object(recognition, row.info.code),
        "record_version": RECORD_VERSION,   # last, so a version-1 reader's view of the rest is unchanged
    }


def _recognition_object(recognition: Recognition | None, code: str) -> RecognitionRecord | None:
    school = recognition.by_code.get(code) if recognition is not None else None
    if recognition is None or school is None:
        return None
    return {"decision": school.decision.value if school.decision else None, "reviewer": school.reviewer,
            "comment": school.comment, "groups": _groups(school.result), "overall_level": school.result.overall_level,
            "recognised_level": school.recognised_level, "differences": len(school.differences),
            "review_file": recognition.file, "resolved_criteria": list(school.resolved),
            "unresolved_criteria": list(school.unresolved), "file_errors": list(school.file_errors)}


def _groups(result: SchoolResult | None) -> list[GroupRecord]:
    return [{"id": g.id, "score": json_number(g.score), "max": json_number(g.max),
             "level": g.level, "level_name": g.level_name,
             "failed_conditions": list(g.failed_conditions)} for g in (result.groups if result is not None else ())]


def results(district: District, office: str = "", recognition: Recognition | None = None) -> list[SchoolRecord]:
    return [school_object(row, office, recognition) for row in district.schools]


def ledger(district: District) -> list[dict[str, Any]]:
    """Every input entry with its final fate."""
    return ledger_records(district.ledger)


def ledger_records(rows: Sequence[LedgerRow]) -> list[dict[str, Any]]:
    """ledger.json's objects for ledger rows (a district run's, or the province roll-up's inputs): codes
    for scripts, then the words the summary shows."""
    return [{
        "source": r.entry.source,
        "name": r.entry.name,
        "parent": r.entry.parent or None,
        "kind": r.entry.kind.value,
        "size": r.entry.size,
        "sha256": r.entry.sha256,
        "received_at": r.entry.received_at.isoformat(),
        "time_source": r.entry.time_source.value,
        "sender": r.entry.sender or None,
        "fate": r.fate.value,
        "school_code": r.school_code or None,
        "reason": r.reason,
        "unusable": r.unusable,
        "carried": r.carried,
        "kind_label": KIND_LABELS[r.entry.kind],
        "time_source_label": TIME_SOURCE_LABELS[r.entry.time_source],
        "fate_label": fate_label(r),
    } for r in rows]


def write_json(target: Path, data: object) -> None:
    """`data` as UTF-8 JSON, indented by one space, written atomically.

    A list is written one item at a time: the text is the same as `json.dumps(data, indent=1)`, but
    the indenting encoder builds it from millions of small strings (about 480 MB of them for the
    results of 45,000 schools) before joining them.
    """
    if not isinstance(data, list) or not data:
        write_text_atomic(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as out:   # newlines as write_text_atomic
        for n, item in enumerate(data):
            # An item one level down: JSON text has no raw newline inside a string (it is escaped), so
            # every newline is indentation, one space deeper here.
            text = json.dumps(item, ensure_ascii=False, indent=1).replace("\n", "\n ")
            out.write(("[\n " if n == 0 else ",\n ") + encodable(text))
        out.write("\n]\n")


def write_csv(target: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """UTF-8 with BOM and CRLF, which Excel on a Vietnamese Windows opens with the accents intact.

    A text that Excel would run as a formula gets a leading apostrophe (see `csv_cell`).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    write_text_atomic(target, "\ufeff" + buffer.getvalue())


def csv_cell(value: object) -> object:
    """A CSV cell Excel shows as typed: a text starting with '=', '+', '-', '@', tab or carriage return
    gets a leading apostrophe (the OWASP advice), so a school name like '=HYPERLINK(…)' is not run.

    Numbers stay numbers (-2 is not text); None is an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_results(folder: Path) -> list[dict[str, Any]]:
    """`contract.read_results` as plain dicts, for the web page (which reads them as such)."""
    return [dict(record) for record in contract.read_results(folder)]
