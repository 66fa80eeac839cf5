"""Templates, naming: the file name of each template a run writes.

In: the rubric, the school (None: the blank template) and the round label; for a batch, every
(rubric key, school) wanted.
Out: safe ASCII names ('79001_Truong-MN-Hoa-Sen_Dot-1.xlsx'), no two alike even ignoring case.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from cds_batch.core.atomic import bounded, distinct_names, safe_stem
from cds_batch.core.text import ascii_slug
from cds_batch.rubric.model import Rubric
from cds_batch.rubric.roster import SchoolInfo


def template_filename(rubric: Rubric, school: SchoolInfo | None, round_label: str = "") -> str:
    """'79001_Truong-MN-Hoa-Sen_Dot-1.xlsx' for a school, 'quan7-mamnon-2023_mau-trong_Dot-1.xlsx' blank.

    ASCII letters, digits, '-' and '_' only, at most 155 characters, never a Windows device name.
    """
    parts = [bounded(ascii_slug(school.code, "-") or "truong", 40), ascii_slug(school.name, "-")[:60]] if school \
        else [bounded(ascii_slug(rubric.id, "-"), 40), "mau-trong"]
    parts.append(ascii_slug(round_label, "-")[:40])
    return safe_stem("_".join(p for p in parts if p), 150) + ".xlsx"


def template_names(rubrics: Mapping[str, Rubric], wanted: Sequence[tuple[str, SchoolInfo | None]],
                   round_label: str) -> list[str]:
    """`template_filename` of each of `wanted`, made distinct: where two give the same name, ignoring
    case as Windows does ('TH/1' and 'TH-1' of the same name), each gets a hash of its rubric and code."""
    names = [template_filename(rubrics[key], school, round_label) for key, school in wanted]
    return distinct_names(names, [key + "\x1f" + (school.code if school else "") for key, school in wanted], ".xlsx")
