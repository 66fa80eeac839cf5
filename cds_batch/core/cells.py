"""Cell addresses: 0-based (row, col) ↔ A1 references, the one conversion every stage uses."""
from __future__ import annotations

import re
from functools import lru_cache

_REF = re.compile(r"([A-Z]+)(\d+)")


@lru_cache(maxsize=1 << 14)   # the same few hundred cells in every workbook of a run
def a1(row: int, col: int) -> str:
    """0-based (row, col) → 'F9'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def parse_ref(ref: str) -> tuple[int, int]:
    """'F9' → (8, 5), 0-based (row, col)."""
    m = _REF.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1
