"""Read stage, evidence: what a school listed as evidence ("minh chứng") for each criterion, as text,
kept with its submission so the review workbook can show it to the evaluators.

In: a `SchoolResponse` (its evidence-index rows and its per-criterion evidence notes).
Out: criterion code → the lines the school listed; `pack`/`unpack` turn that into one compressed
blob, because a province run holds every school's submission in memory (about 2.7 KB of text per
school, about 0.9 KB compressed).
"""
from __future__ import annotations

import json
import zlib
from typing import Mapping

from cds_batch.reading.workbook import SchoolResponse
from cds_batch.core.text import clean, fold


def evidence_of(response: SchoolResponse) -> dict[str, str]:
    """Criterion code → what the school listed for it: its rows of the evidence index, then its note
    when the note says more than those rows' codes."""
    rows: dict[str, list[str]] = {}
    for row in response.evidence_rows:
        values = [_text(c.value) for c in row] + [""] * 5
        code, criterion, name, number, place = values[:5]
        if criterion:
            extra = "; ".join(v for v in (number, place) if v)
            rows.setdefault(fold(criterion), []).append(
                f"{code or '(chưa ghi mã)'}: {name or '(chưa ghi tên)'}" + (f" ({extra})" if extra else ""))
    out: dict[str, str] = {}
    notes = response.evidence_notes
    for code in {*notes, *response.answers}:
        lines = rows.get(fold(code), [])
        cell = notes.get(code)
        note = _text(cell.value) if cell is not None else ""
        if note:
            listed = {fold(line.split(":", 1)[0]) for line in lines}
            if not all(fold(part) in listed for part in note.split(";") if part.strip()):
                lines = [*lines, f"Ghi chú: {note}"]
        if lines:
            out[code] = "\n".join(lines)
    return out


def pack(evidence: Mapping[str, str]) -> bytes:
    """`evidence` as one compressed blob (empty for none)."""
    if not evidence:
        return b""
    return zlib.compress(json.dumps(dict(sorted(evidence.items())), ensure_ascii=False).encode("utf-8"))


def unpack(blob: bytes) -> dict[str, str]:
    if not blob:
        return {}
    data = json.loads(zlib.decompress(blob).decode("utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def _text(value: object) -> str:
    return clean(str(value)) if value is not None else ""
