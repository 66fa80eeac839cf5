"""findings.json: every finding of every submission and every ledger entry not used, flattened to rows.

In: a consolidated `District`.
Out: a list of plain rows (and its atomic writer), one per finding of every submission read (the
used one, the superseded ones, the ones placed at no school) and one per ledger entry whose fate is
not `used`. Each row says whether it is on the office's fix list (`to_fix`): those rows, in file
order, are exactly the rows of the summary's "Cần sửa" sheet (`reports.tables.fix_table`), so the
web page reads its list here instead of parsing the workbook back. Pure, apart from `write_findings`.

A row (every key always present; null where it does not apply):
  kind          "finding" | "ledger"
  school_code, school_name
  file          the finding's file, or the entry's source path, as the summary shows it
  sheet, cell   where the finding is (findings only)
  code          the finding's code (E101 …), or the ledger reason's (L101 …; null where a reading error gave it)
  severity      "error" | "warning" | "info" (findings only)
  message       the finding's message; value: the cell's value it quotes (findings only)
  fate          the submission's or the entry's fate in the ledger (used, superseded, unreadable …)
  reason        the ledger's reason (ledger rows only)
  to_fix        on the summary's "Cần sửa" sheet
Rows are in the sheet's order (school, file, severity, position), the others slotted in by the same key.
"""
from __future__ import annotations

from pathlib import Path

from cds_batch.checking.examine import Submission
from cds_batch.core.findings import Severity
from cds_batch.district.consolidate import District
from cds_batch.intake.discover import Fate
from cds_batch.reports.contract import FINDINGS, FindingRow
from cds_batch.reports.data_files import write_json
from cds_batch.reports.labels import FATE_LABELS

_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}   # errors first, as on the sheet
_ON_SHEET = (Severity.ERROR, Severity.WARNING)                        # what the "Cần sửa" sheet lists
_LEDGER_RANK = 3                                                     # an entry's own row after its findings

Key = tuple[int, str, int, int]


def findings_rows(district: District) -> list[FindingRow]:
    """Every row of findings.json, in order (see the module's docstring)."""
    order = {row.info.code: n for n, row in enumerate(district.schools)}

    def school(code: str) -> int:   # the school's place on the sheet; files of no known school last
        return order.get(code, len(order)) if code else len(order)

    keyed: list[tuple[Key, FindingRow]] = []
    names: dict[str, str] = {}
    listed_alone: set[str] = set()   # unplaced files with no error: their ledger reason is their fix row
    for code, name, fate, s in _submissions(district):
        names[s.entry.source] = name
        on_fix_list = fate is not Fate.SUPERSEDED
        for seq, f in enumerate(s.findings):
            file = f.file or s.entry.source
            keyed.append(((school(code), file, _RANK[f.severity], seq), {
                "kind": "finding", "school_code": code, "school_name": name, "file": file, "sheet": f.sheet,
                "cell": f.cell, "code": f.code.name, "severity": f.severity.name.lower(), "message": f.message,
                "value": f.value, "fate": fate.value, "reason": None,
                "to_fix": on_fix_list and f.severity in _ON_SHEET}))
        if fate not in (Fate.USED, Fate.SUPERSEDED) and not any(f.severity is Severity.ERROR for f in s.findings):
            listed_alone.add(s.entry.source)
    for r in district.ledger:
        if r.fate is Fate.USED:
            continue
        source = r.entry.source
        alone = source in listed_alone
        keyed.append(((school(r.school_code), source, 0 if alone else _LEDGER_RANK, -1 if alone else 0), {
            "kind": "ledger", "school_code": r.school_code, "school_name": names.get(source, ""), "file": source,
            "sheet": None, "cell": None, "code": r.reason_code.name if r.reason_code else None, "severity": None,
            "message": None, "value": None,
            "fate": r.fate.value, "reason": r.reason, "to_fix": alone}))
    keyed.sort(key=lambda pair: pair[0])   # stable: ties keep the order above, which is the sheet's
    return [row for _, row in keyed]


def _submissions(district: District) -> list[tuple[str, str, Fate, Submission]]:
    """(school code, school name, fate, submission) of every workbook read, in the sheet's order:
    each school's used file then the ones it superseded, then the files placed at no school."""
    read: list[tuple[str, str, Fate, Submission]] = []
    for row in district.schools:
        if row.used is not None:
            read.append((row.info.code, row.info.name, Fate.USED, row.used))
            read += [(row.info.code, row.info.name, Fate.SUPERSEDED, s) for s in row.superseded]
    for s in district.unplaced:
        assert s.fate is not None   # consolidate gives every unplaced submission its fate
        read.append((s.school_code or "", s.school_fields.get("CDS_SCHOOL_NAME", ""), s.fate, s))
    return read


def fix_cells(row: FindingRow) -> tuple[str, str, str, str, str, str, str]:
    """A `to_fix` row as the "Cần sửa" sheet prints it: school code, school name, file, place
    ('Nhóm 1!E7'), code, severity label, message (a ledger row: its fate's label and reason, an error)."""
    code, name, file = (str(row.get(k) or "") for k in ("school_code", "school_name", "file"))
    if row.get("kind") == "ledger":
        fate, reason = str(row.get("fate") or ""), str(row.get("reason") or "")
        label = next((text for f, text in FATE_LABELS.items() if f.value == fate), fate)
        return code, name, file, "", "", Severity.ERROR.value, f"{label}: {reason}" if reason else label
    sheet, cell, severity = (str(row.get(k) or "") for k in ("sheet", "cell", "severity"))
    place = f"{sheet}!{cell}" if sheet and cell else sheet or cell   # as `tables.place` writes it
    label = next((s.value for s in Severity if s.name.lower() == severity), severity)
    return code, name, file, place, str(row.get("code") or ""), label, str(row.get("message") or "")


def write_findings(out: Path, district: District) -> None:
    """findings.json in the run's output folder, atomically, in the style of the run's other JSON."""
    write_json(out / FINDINGS, findings_rows(district))
