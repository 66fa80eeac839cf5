"""Fixtures for the reader tests: a rubric with one of each answer kind, the template made from it, and
cell tables written as pipe tables. Filling and LibreOffice re-saves are in `tests.builders`.
"""
from __future__ import annotations

from pathlib import Path

from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Rubric
from cds_batch.templates.writer import write_school_template

from .builders.sample_round import ISSUE
from .conftest import rubric_file
from .template_helpers import SCHOOL


# One of each answer kind the reader must understand, a percentage among them.
QUIRKS_RUBRIC = """\
    groups:
      - id: 1
        name: Hạ tầng
        criteria:
          - {code: "1.1", name: Kế hoạch, kind: condition, evidence: [x]}
          - {code: "1.2", name: Điểm, kind: points, max: 10, evidence: [x]}
          - {code: "1.3", name: Điểm lẻ, kind: points, max: 10, step: 0.5, evidence: [x]}
          - code: "1.4"
            name: Tỷ lệ giáo viên
            kind: percentage
            evidence: [x]
            bands:
              - {min: 0, max: 50, max_inclusive: false, points: 0}
              - {min: 50, max: 100, points: 5}
      - id: 2
        name: Dữ liệu
        criteria:
          - code: "2.1"
            name: Phần mềm
            kind: checklist
            evidence: [x]
            max: 4
            items: [{label: Quản lý, points: 2}, {label: Kế toán, points: 2}]
    """


def quirks_rubric(tmp_path: Path) -> Rubric:
    return load_rubric(rubric_file(tmp_path, QUIRKS_RUBRIC, "quirks.yaml"))


def template(rubric: Rubric, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_school_template(rubric, folder, SCHOOL, ISSUE)


def cells_table(table: str) -> list[tuple[object, ...]]:
    """'| 1.2 | Nhóm 1 | F6 | 7 |' rows → [('1.2', 'Nhóm 1', 'F6', 7)]: the key, sheet and cell are
    text; in the value column numbers stay numbers, True/False are booleans, quoted text stays
    text and an empty cell is None."""
    rows: list[tuple[object, ...]] = []
    for line in table.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set(cells[0]) <= {"-"} or cells[0] in ("key", "name", "kind"):
            continue
        rows.append((*cells[:3], *(typed_value(c) for c in cells[3:])))
    return rows


def typed_value(text: str) -> object:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
