"""Data outputs of a run: results.json, ledger.json, and its two CSVs, one for Excel and one for scripts.

In: a consolidated `District` (or the records of results.json).
Out: plain JSON-ready objects (the schemas are documented in the README) and atomic writers.
Scores are exact fractions inside the tool; JSON gets them as numbers rounded to 4 decimals
(integers stay integers), which is what a spreadsheet or a script reading the file expects.

The two CSVs (names in `contract`): tong-hop.csv is the Tổng hợp table for a person opening it in Excel on a
Windows PC with the Vietnamese regional format (UTF-8 with BOM, ";" between cells, decimal comma, dd/mm/yyyy,
codes kept as text); results.csv is results.json flattened for scripts (RFC 4180: "," and CRLF, UTF-8 without
BOM, "." decimals, ISO 8601 times, columns named after the records' keys, values as results.json has them).
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cds_batch.core.numbers import json_number
from cds_batch.reports import contract
from cds_batch.reports.contract import RECORD_VERSION, GroupRecord, RecognitionRecord, SchoolRecord
from cds_batch.core.atomic import atomic_path, encodable, write_text_atomic
from cds_batch.district.consolidate import District, LedgerRow, SchoolRow
from cds_batch.district.recognition import Recognition
from cds_batch.reports.labels import KIND_LABELS, TIME_SOURCE_LABELS
from cds_batch.reports.tables import Look, Table, fate_label, school_unit
from cds_batch.checking.score import SchoolResult

# A cell starting with one of these is a formula to Excel, even in a CSV (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The Vietnamese regional format of Windows (vi-VN, as CLDR's "vi"): "," before the decimals and ";" between the
# items of a list, which is the separator Excel splits a CSV it opens by double-click at. No "sep=;" line: with
# one, Excel ignores the BOM and reads the file in the ANSI code page, which garbles every Vietnamese letter.
EXCEL_SEPARATOR, EXCEL_DECIMAL = ";", ","
EXCEL_DATE = "%d/%m/%Y %H:%M"
# Longest text an Excel formula may hold as a literal: a longer code is written as plain text.
FORMULA_TEXT_MAX = 255


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


def write_excel_csv(target: Path, table: Table) -> None:
    """`table` as a CSV Excel opens by double-click on a PC with the Vietnamese regional format: UTF-8 with BOM
    (the accents intact), CRLF, ";" between cells, numbers with a decimal comma, times as dd/mm/yyyy hh:mm,
    the text NFC; a text that Excel would run as a formula gets a leading apostrophe (`csv_cell`).

    A code column's cells (`Look.CODE`: the school code) are written as the formula `="0123"`, so Excel keeps
    them as the text they are: a plain 0123 would lose its leading zero, 79001234567890123 its last digits.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=EXCEL_SEPARATOR, lineterminator="\r\n")
    writer.writerow([csv_cell(c.header) for c in table.columns])
    codes = [c.look is Look.CODE for c in table.columns]
    for row in table.rows:
        writer.writerow([excel_code(v) if code else excel_cell(v) for v, code in zip(row, codes)])
    write_csv_text(target, "\ufeff" + unicodedata.normalize("NFC", buffer.getvalue()))


def write_csv_text(target: Path, text: str) -> None:
    """`text` (its line ends already CRLF) as UTF-8, atomically and byte for byte: a text-mode write
    would make each CRLF a CR CR LF on Windows."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(encodable(text).encode("utf-8"))


def excel_cell(value: object) -> object:
    """A cell of the Excel CSV: a number with a decimal comma (never an exponent), a time as dd/mm/yyyy hh:mm,
    a text as `csv_cell` leaves it."""
    if isinstance(value, bool):   # no table holds one; as Excel would show it, not as 1 or 0
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f").replace(".", EXCEL_DECIMAL)
    if isinstance(value, datetime):
        return f"{value:{EXCEL_DATE}}"
    return csv_cell(value)


def excel_code(value: object) -> object:
    """A code as a formula whose result is the code as text (`="0123"`); none, or one too long for a
    formula, as `csv_cell` writes it."""
    if value is None or value == "" or len(str(value)) > FORMULA_TEXT_MAX:
        return csv_cell(value)
    return '="' + str(value).replace('"', '""') + '"'


# --- results.csv: results.json for scripts --------------------------------------------------------
# The keys of a record that are one value each, in results.json's order; then come the groups', the
# review's and the criteria's columns (`flat_columns`).
FLAT_KEYS = ("school_code", "school_name", "level_of_education", "commune", "district", "office", "unit",
             "rubric_id", "status", "provisional", "overall_level", "errors", "warnings", "source", "sha256",
             "received_at", "record_version")
GROUP_KEYS = ("score", "max", "level", "level_name", "failed_conditions")
RECOGNITION_KEYS = ("decision", "reviewer", "comment", "overall_level", "recognised_level", "differences",
                    "review_file", "resolved_criteria", "unresolved_criteria", "file_errors")
LIST_SEPARATOR = " "   # between the codes of a list in one cell ("2.2 2.3a"): a code holds no space


def flat_columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The header of results.csv for `records`: `FLAT_KEYS`; `group_<id>_<key>` for every group id (ascending);
    `recognition_<key>`; `criterion_<code>` for every criterion, in the order the records first name them."""
    group_ids: set[int] = set()
    criteria: dict[str, None] = {}
    for record in records:
        group_ids.update(int(g["id"]) for g in record.get("groups") or ())
        criteria.update(dict.fromkeys(record.get("criteria") or {}))
    return [*FLAT_KEYS, *(f"group_{gid}_{key}" for gid in sorted(group_ids) for key in GROUP_KEYS),
            *(f"recognition_{key}" for key in RECOGNITION_KEYS), *(f"criterion_{code}" for code in criteria)]


def flat_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One record of results.json as one row: a value per column of `flat_columns` it has (a list joined by
    `LIST_SEPARATOR`); a record before version 3 gets its unit from `contract.unit_of`."""
    row: dict[str, Any] = {key: record.get(key) for key in FLAT_KEYS}
    row["unit"] = contract.unit_of(record)  # type: ignore[arg-type]
    row["record_version"] = record.get(contract.VERSION_KEY, 1)
    for g in record.get("groups") or ():
        row.update({f"group_{g['id']}_{key}": _one_value(g[key]) for key in GROUP_KEYS})
    recognition = record.get("recognition") or {}
    row.update({f"recognition_{key}": _one_value(recognition.get(key)) for key in RECOGNITION_KEYS})
    row.update({f"criterion_{code}": points for code, points in (record.get("criteria") or {}).items()})
    return row


def _one_value(value: Any) -> Any:
    return LIST_SEPARATOR.join(value) if isinstance(value, list) else value


def write_results_csv(target: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """results.csv: `records` (results.json's) flattened, for scripts (RFC 4180, UTF-8 without BOM, CRLF).

    Values are exactly results.json's: a score is the same digits ("." decimals), a time the same ISO text,
    true/false and an empty cell for null. No text is altered (no apostrophe before '='): this file is data
    for a program; a person opens tong-hop.csv or the workbook.
    """
    columns = flat_columns(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        row = flat_record(record)
        writer.writerow([_machine_cell(row.get(c)) for c in columns])
    write_csv_text(target, buffer.getvalue())


def _machine_cell(value: object) -> object:
    """As JSON writes a scalar: true/false, numbers as `json.dumps` (the same digits), null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)   # what json.dumps writes for a finite float: the same shortest digits
    return value


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
