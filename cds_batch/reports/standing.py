"""Reports, the rubric's standing: which rubrics' levels an output prints, so it can say which are not official.

In: the run's rubrics and the district (or the recognition) whose levels an output prints.
Out: `rubric.model.standing_line` of the rubrics that scored a school there (the words are defined
there, once); None when every one of them is official. A rubric the run loaded but no school was
scored with prints no level, so it is not named.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from cds_batch.district.consolidate import District
from cds_batch.district.recognition import Recognition
from cds_batch.reports.contract import SchoolRecord
from cds_batch.rubric.model import Rubric, standing_line


def district_standing(district: District, rubrics: Sequence[Rubric]) -> str | None:
    """The line for the summary: the rubrics of the schools' scored files."""
    return standing_line(rubrics, scored={row.used.result.rubric_id for row in district.schools
                                          if row.used is not None and row.used.result is not None})


def recognition_standing(recognition: Recognition, rubrics: Sequence[Rubric]) -> str | None:
    """The line for the annex and the publication page: the rubrics the recognised schools were scored with."""
    return standing_line(rubrics, scored={s.result.rubric_id for s in recognition.schools})


def records_standing(records: Iterable[SchoolRecord], rubrics: Sequence[Rubric]) -> str | None:
    """The line for the province roll-up: the rubrics of the schools with a level in the units' results."""
    return standing_line(rubrics, scored={s["rubric_id"] for s in records if s.get("overall_level") is not None})
