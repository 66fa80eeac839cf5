"""Builders for the hostile-input tests: a small inbox whose school typed formulas, and the checks
every such test ends with (each input in the ledger, inputs untouched, no traceback).

The workbooks are the committed blank template filled the way a person types: a text that starts
with '=' is stored as text (Excel does so after a leading apostrophe), not as a formula.
"""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from cds_batch.form import layout as L
from cds_batch.core.atomic import encodable
from cds_batch.rubric import load_rubric

from .builders.answers import sample_answers
from .builders.corpus_plan import ROSTER_HEADER
from .builders.mail import eml_bytes
from .builders.workbook import fill as typed_in

ROOT = Path(__file__).resolve().parent.parent
BLANK = ROOT / "workbook_templates" / "qd4725-phothong_mau-trong.xlsx"
NATIONAL = load_rubric("qd4725-phothong")
ROUND = "Đợt 1 năm 2025"

# The texts a hostile or careless school types; each would run as a formula or a link in Excel.
HYPERLINK = '=HYPERLINK("http://x","y")'
COMMAND = "=cmd|' /C calc'!A0"
PLUS = "+1+1"
AT = "@SUM(A1)"
MINUS = "-2+3"
HOSTILE = (HYPERLINK, COMMAND, PLUS, AT, MINUS)

ROSTER_HEAD = list(ROSTER_HEADER[:7])   # without "Bộ chỉ số": every school takes the run's rubric
ROSTER = [
    ["79001", "Trường Tiểu học Hoa Sen", "Tiểu học", "Phường Tân Phong", "Quận 7", "TP Hồ Chí Minh", "hs@q7.edu.vn"],
    ["79002", HYPERLINK, AT, PLUS, "Quận 7", "TP Hồ Chí Minh", "-1@q7.edu.vn"],   # missing: its roster row is shown
]
VALID_FILE, HOSTILE_FILE = "79001 Hoa Sen.xlsx", "=1+2.xlsx"
MAIL_FILE, SENDER = "thu.eml", "=1+1@example.vn"


def fill(target: Path, values: Mapping[str, object], evidence: Sequence[Sequence[str]] = ()) -> None:
    """Type `values` into the named cells of the blank template, and `evidence` rows into the index, as text."""
    typed_in(BLANK, target, values, evidence=evidence, as_text=True)


def school_values(code: str, name: str, level: str = "Tiểu học") -> dict[str, object]:
    return {**sample_answers(NATIONAL), "CDS_SCHOOL_CODE": code, "CDS_SCHOOL_NAME": name, "CDS_SCHOOL_LEVEL": level,
            "CDS_COMMUNE": "Phường Tân Phong", "CDS_DISTRICT": "Quận 7"}


def valid_workbook(target: Path) -> Path:
    fill(target, school_values("79001", "Trường Tiểu học Hoa Sen"))
    return target


def hostile_workbook(target: Path) -> Path:
    """An unlisted school ('-2+3') whose name, level, an answer and evidence rows are formulas typed as text."""
    values = school_values(MINUS, HYPERLINK, AT)
    values[L.value_name("1.3.1")] = COMMAND
    fill(target, values, evidence=[[PLUS, AT, "Kế hoạch"], [PLUS]])
    return target


def write_roster(target: Path, rows: list[list[str]] = ROSTER) -> Path:
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([ROSTER_HEAD, *rows])
    return target


@dataclass(frozen=True)
class Inbox:
    folder: Path
    roster: Path
    out: Path

    def args(self, *extra: str) -> list[str]:
        """`cds-batch run` arguments for this inbox."""
        return ["run", str(self.folder), "--roster", str(self.roster), "--round", ROUND, "--office",
                "Phòng GDĐT Quận 7", "--out", str(self.out), *extra]


def build_inbox(base: Path, *, hostile: bool = True, valid: bool = True) -> Inbox:
    """A small inbox: the valid school (also mailed by a hostile sender) and the hostile unlisted one."""
    folder = base / "hop-thu"
    folder.mkdir(parents=True)
    if valid:
        data = valid_workbook(base / VALID_FILE).read_bytes()
        (base / VALID_FILE).unlink()
        (folder / MAIL_FILE).write_bytes(eml_bytes([(VALID_FILE, data)], SENDER, "Mon, 20 Oct 2025 08:00:00 +0700"))
    if hostile:
        hostile_workbook(folder / HOSTILE_FILE)
    return Inbox(folder, write_roster(base / "ds-truong.csv"), base / "ket-qua")


def copy_of(template: Inbox, base: Path) -> Inbox:
    """A fresh copy of a built inbox (building one costs about a second)."""
    shutil.copytree(template.folder, base / "hop-thu", copy_function=shutil.copy2)
    shutil.copy2(template.roster, base / "ds-truong.csv")
    return Inbox(base / "hop-thu", base / "ds-truong.csv", base / "ket-qua")


def digests(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under `paths` (files or folders), keyed by path; folders too, so a
    file created in the inbox shows."""
    found = [q for p in paths for q in ([p] if p.is_file() else [p, *sorted(p.rglob("*"))])]
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "folder" for f in found}


def check_inputs_safe(inbox: Inbox, before: Mapping[str, str], stderr: str, *, ledger: bool = True) -> None:
    """The check every hostile test ends with: no traceback reached the console, every input is
    byte-identical to before the run (and nothing was added to the inbox), and every input file is
    in ledger.json (`ledger=False` when the run could not start, so there is no ledger)."""
    assert "Traceback" not in stderr, stderr
    assert digests(inbox.folder, inbox.roster) == before
    if not ledger:
        return
    sources = {e["source"] for e in json.loads((inbox.out / "ledger.json").read_text(encoding="utf-8"))}
    # A name with undecodable bytes is in the ledger with U+FFFD in their place.
    inputs = {encodable(f"{inbox.folder.name}/{p.relative_to(inbox.folder).as_posix()}")
              for p in inbox.folder.rglob("*") if p.is_file()}
    assert inputs and inputs <= sources, inputs - sources
