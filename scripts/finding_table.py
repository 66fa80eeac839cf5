"""Rewrite the README's finding-code table from the catalogue in cds_batch/core/findings.py.

Usage: python scripts/finding_table.py   (tests/test_docs.py fails while the table is stale)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cds_batch.core.findings import Code  # noqa: E402  (after the path is set, when run as a script)

HEAD = "| code | severity | message |\n| --- | --- | --- |\n"


def table() -> str:
    return "".join(f"| {c.name} | {c.severity.value} | {c.template.replace('|', '&#124;')} |\n" for c in Code)


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index(HEAD) + len(HEAD)
    end = text.index("\n\n", start)
    readme.write_text(text[:start] + table().rstrip("\n") + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
