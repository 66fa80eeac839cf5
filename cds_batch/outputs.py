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
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from .atomic import write_text_atomic
from .consolidate import District, SchoolRow

RESULTS_FORMAT = "cds_batch.results/1"


def number(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else round(float(x), 4)


def school_object(row: SchoolRow, office: str = "") -> dict[str, Any]:
    """One school of results.json; `office` is the unit that ran the job (the province groups by it)."""
    used = row.used
    result = used.result if used is not None else None
    return {
        "school_code": row.info.code,
        "school_name": row.info.name,
        "level_of_education": row.info.level,
        "commune": row.info.commune,
        "district": row.info.district,
        "office": office,
        "rubric_id": used.rubric_id if used is not None else row.info.rubric,
        "status": row.status.value,
        "provisional": row.provisional,
        "groups": [{"id": g.id, "score": number(g.score), "max": number(g.max), "level": g.level,
                    "level_name": g.level_name, "failed_conditions": list(g.failed_conditions)}
                   for g in (result.groups if result is not None else ())],
        "overall_level": result.overall_level if result is not None else None,
        "criteria": {c.code: number(c.points) for c in result.criteria} if result is not None else {},
        "source": used.entry.source if used is not None else None,
        "sha256": used.entry.sha256 if used is not None else None,
        "received_at": used.entry.received_at.isoformat() if used is not None else None,
        "errors": used.errors if used is not None else 0,
        "warnings": used.warnings if used is not None else 0,
    }


def results(district: District, office: str = "") -> list[dict[str, Any]]:
    return [school_object(row, office) for row in district.schools]


def ledger(district: District) -> list[dict[str, Any]]:
    """Every input entry with its final fate."""
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
    } for r in district.ledger]


def write_json(target: Path, data: object) -> None:
    write_text_atomic(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def write_csv(target: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """UTF-8 with BOM and CRLF, which Excel on a Vietnamese Windows opens with the accents intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    write_text_atomic(target, "\ufeff" + buffer.getvalue())


def read_results(folder: Path) -> list[dict[str, Any]]:
    """The school objects of an earlier run's results.json (for --previous and the province)."""
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("results.json is not a list")
    return data
