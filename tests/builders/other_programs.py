"""Builders: workbooks saved by spreadsheet programs other than LibreOffice and Excel, and a valid one
python-calamine refuses.

In: a filled workbook (.xlsx). Out: the same workbook saved by
  - Gnumeric (`ssconvert`, Debian's gnumeric) as .xlsx (ISO 29500), .xls (BIFF8) and .ods;
  - SheetJS (npm `xlsx`, the library behind many web apps' "export to Excel") as .xlsx, .ods and .xls;
  - ExcelJS (npm `exceljs`, the other common one) as .xlsx;
  - and with chosen XML parts re-encoded as UTF-16, which XML and ECMA-376 Part 2 allow, Excel and
    openpyxl read, and python-calamine refuses ("Cannot detect file format").
The npm packages are pinned in tests/builders/js (package.json and its lock); `js_savers` installs them
there with `npm ci` the first time (scripts/test.sh does it ahead of the tests).
"""
from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Iterable

JS = Path(__file__).resolve().parent / "js"
TIMEOUT = 240
GNUMERIC_EXPORTERS = {"xlsx": "Gnumeric_Excel:xlsx2", "xls": "Gnumeric_Excel:excel_biff8",
                      "ods": "Gnumeric_OpenCalc:odf"}
SHEETJS_TYPES = {"xlsx": "xlsx", "ods": "ods", "xls": "biff8"}


def _run(args: list[str], target: Path, cwd: Path | None = None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd)
    if done.returncode != 0 or not target.is_file():
        raise RuntimeError(f"{args[0]} did not write {target}: {done.stdout[-500:]} {done.stderr[-500:]}")
    return target


def gnumeric_convert(source: Path, fmt: str, target: Path) -> Path:
    """`source` opened and saved by Gnumeric as `fmt` ('xlsx', 'xls' or 'ods')."""
    return _run(["ssconvert", "-T", GNUMERIC_EXPORTERS[fmt], str(source), str(target)], target)


def js_savers() -> Path:
    """tests/builders/js with its pinned npm packages installed (`npm ci`, once)."""
    if not (JS / "node_modules" / "xlsx").is_dir() or not (JS / "node_modules" / "exceljs").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, capture_output=True,
                       timeout=TIMEOUT)
    return JS


def sheetjs_convert(source: Path, fmt: str, target: Path) -> Path:
    """`source` read and written by SheetJS as `fmt` ('xlsx', 'ods' or 'xls')."""
    folder = js_savers()
    return _run(["node", "resave.js", "sheetjs", str(source), str(target), SHEETJS_TYPES[fmt]], target, folder)


def exceljs_convert(source: Path, target: Path) -> Path:
    """`source` read and written by ExcelJS (.xlsx)."""
    folder = js_savers()
    return _run(["node", "resave.js", "exceljs", str(source), str(target)], target, folder)


def utf16_parts(data: bytes, parts: Iterable[str]) -> bytes:
    """The .xlsx `data` with each XML part of `parts` re-encoded as UTF-16 (with its byte-order mark and
    an encoding="UTF-16" declaration); everything else as it was."""
    wanted = set(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in wanted:
                text = body.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
                body = text.encode("utf-16")
                wanted.discard(info.filename)
            dst.writestr(info, body)
    assert not wanted, f"no such parts: {sorted(wanted)}"
    return out.getvalue()
