"""Reports, labels: the words and colours the report workbooks share, defined once.

In: a school's `Status` (whose words `district.consolidate` defines) or a finding's `Severity` (whose
words the catalogue defines).
Out: the colour pair of each (the usual Excel "good / bad / neutral" fills), in the order the
conditional formats are written; the headers every school table opens with; the condition words
and the two ways a condition row's maximum is written.
"""
from __future__ import annotations

from typing import Union

from cds_batch.core.findings import Severity
from cds_batch.district.consolidate import Status
from cds_batch.form import layout
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES

Word = Union[Status, Severity]   # a value shown in a coloured cell

GOOD, BAD, NOTICE, NEUTRAL = ("#C6EFCE", "#006100"), ("#FFC7CE", "#9C0006"), ("#FFEB9C", "#9C5700"), \
    ("#DDEBF7", "#1F4E78")
# (fill, text colour) of each coloured word; a word not here (Severity.INFO) is shown plain. The order
# is the order of the conditional formats in a sheet.
COLOURS: dict[Word, tuple[str, str]] = {
    Status.VALID: GOOD, Status.NEEDS_FIX: BAD, Status.MISSING: NOTICE, Status.UNLISTED: NEUTRAL,
    Severity.ERROR: BAD, Severity.WARNING: NOTICE,
}

# The headers of the columns that name a school, in every table listing schools (the form's words).
ROW_NO, SCHOOL_CODE, SCHOOL_NAME = layout.ROW_NO, layout.SCHOOL_CODE, layout.SCHOOL_NAME

# A condition criterion's value, as the school's form writes it.
MET, NOT_MET = CONDITION_YES, CONDITION_NO
# A condition row's "maximum": spelt out in the review workbook (whose points rule tests it is not a
# number), shortened in the narrow columns of the summary's criteria sheet.
CONDITION_MAX, CONDITION_MAX_SHORT = "Điều kiện", "ĐK"


def label(word: Word) -> str:
    """The Vietnamese word a cell shows for `word`."""
    return word.label if isinstance(word, Status) else word.value
