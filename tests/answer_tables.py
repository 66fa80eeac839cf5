"""Answers written as pipe tables, so a scoring test reads like the sheet a school fills."""
from __future__ import annotations

from typing import Any


def answers(table: str) -> dict[str, Any]:
    """'| 1.3.1 | 6 |' rows → {'1.3.1': 6}; numbers stay numbers, quoted text stays text, '' is blank."""
    out: dict[str, Any] = {}
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("code", "mã") or set(cells[0]) <= {"-"}:
            continue
        key, raw = cells[0], cells[1]
        if raw.startswith('"') and raw.endswith('"'):
            out[key] = raw[1:-1]
        elif raw == "":
            out[key] = None
        else:
            try:
                out[key] = int(raw)
            except ValueError:
                try:
                    out[key] = float(raw)
                except ValueError:
                    out[key] = raw
    return out
