"""Builders: the benchmark corpus's workbooks — a school's prefilled template with its answers typed in,
written fast by a pool of worker processes.

In: a `Job` (a roster school, a built-in rubric id, an answer profile, a seed key, a target path and the
time the school saved it). Out: the filled .xlsx on disk and how its template was made. The template is
the project's own writer output (`cds_batch.templates.writer.write_school_template`); the answers are
typed in by `xml_fill`.

Writing a template costs ~35 ms of XlsxWriter work that is the same for every school of a rubric
apart from the school's own strings (shared strings, footers, one custom property). A worker
therefore writes one template per rubric and guide-row shape with the writer (the "stencil") and
derives the other schools' templates from it by swapping those strings. The first template derived
from each stencil and every `verify_every`-th after it is compared part by part with the writer's
own output for that school; any difference switches the worker back to the writer. (A corpus made
this way is byte-identical to one made with `--writer`, mode "writer", which calls the writer for
every school.)
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cds_batch.form import layout as L
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric.model import Rubric
from cds_batch.templates.text import Issue, guide_lines, row_height
from cds_batch.templates.writer import GUIDE_WIDTH, write_school_template

from .answers import builtin, profile_answers
from .archives import ZipTime, read_members, zip_members
from .xml_fill import Parts, type_answers, unescape


# --- templates: the writer's output, or derived from a stencil -----------------------------------------

def writer_parts(rubric: Rubric, school: SchoolInfo | None, issue: Issue) -> Parts:
    """The parts of the workbook `write_school_template` writes for `school` (None: the blank template)."""
    with tempfile.TemporaryDirectory(prefix="cds_corpus_") as tmp:
        return read_members(write_school_template(rubric, Path(tmp), school, issue).read_bytes())


def school_strings(rubric: Rubric, school: SchoolInfo, issue: Issue) -> tuple[list[str], list[str]]:
    """The strings of a template that depend on the school: its prefilled fields, and the guide lines naming it."""
    fields = [str(getattr(school, f.attr)) for f in L.SCHOOL_FIELDS if f.attr]
    lines = [line for _, line in guide_lines(rubric, school, issue) if school.name in line or school.code in line]
    return fields, lines


def shape(rubric: Rubric, school: SchoolInfo, issue: Issue) -> tuple[float, ...]:
    """What else the school changes in its template: the row heights of the guide lines naming it."""
    return tuple(row_height((line, GUIDE_WIDTH)) for line in school_strings(rubric, school, issue)[1])


def shared_strings(parts: Parts) -> set[str]:
    return {unescape(s) for s in re.findall(r"<si><t[^>]*>([^<]*)</t></si>", parts["xl/sharedStrings.xml"].decode())}


@dataclass
class Stencil:
    """The writer's template for one school, and what every template of its rubric holds anyway."""

    school: SchoolInfo
    parts: Parts
    strings: list[str]
    generic: set[str]   # the shared strings of the blank template: never swapped
    derived: int = 0    # templates derived from it so far


def make_stencil(rubric: Rubric, school: SchoolInfo, issue: Issue, generic: set[str]) -> Stencil:
    fields, lines = school_strings(rubric, school, issue)
    return Stencil(school, writer_parts(rubric, school, issue), fields + lines, generic)


def swappable(strings: list[str], generic: set[str]) -> bool:
    """Plain text (nothing to escape, no edge spaces, shorter than the footer limit), pairwise distinct
    and in no other cell: then the writer's shared-string table has the same layout for it."""
    plain = all(s and s == s.strip() and len(s) < 150 and not re.search(r"[&<>\"'\x00-\x1f]", s) for s in strings)
    return plain and len(set(strings)) == len(strings) and not set(strings) & generic


def derive(stencil: Stencil, rubric: Rubric, school: SchoolInfo, issue: Issue) -> Parts | None:
    """The template of `school` from `stencil` by swapping the school's strings; None when a swap
    could change anything else (a string shared with other cells, text needing escapes, a long name)."""
    fields, lines = school_strings(rubric, school, issue)
    old, new = stencil.strings, fields + lines
    if len(old) != len(new) or not swappable(old, stencil.generic) or not swappable(new, stencil.generic):
        return None
    mapping = dict(zip(old, new))
    parts = dict(stencil.parts)
    sst = parts["xl/sharedStrings.xml"].decode()
    parts["xl/sharedStrings.xml"] = re.sub(r"<t>([^<]*)</t>", lambda m: f"<t>{mapping.get(m[1], m[1])}</t>",
                                           sst).encode()
    before, after = (f"&amp;L&amp;8{s.name}&amp;R".encode() for s in (stencil.school, school))
    for name in parts:
        if name.startswith("xl/worksheets/sheet"):
            parts[name] = parts[name].replace(before, after)
    parts["docProps/custom.xml"] = parts["docProps/custom.xml"].replace(
        f'name="CDS_ISSUED_FOR"><vt:lpwstr>{stencil.school.code}</'.encode(),
        f'name="CDS_ISSUED_FOR"><vt:lpwstr>{school.code}</'.encode())
    return parts


# --- the worker -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One workbook to write: whose, with what answers, where, and when the school saved it."""

    school: SchoolInfo
    rubric_id: str
    issue: Issue
    key: str                  # seed key of the answers
    profile: str              # valid | half | bad
    target: str
    saved: ZipTime            # when the school saved it (every zip member is dated so)


@dataclass(frozen=True)
class Made:
    target: str
    size: int
    template: str             # writer | stencil | verified (stencil output compared with the writer's)


class Worker:
    """Per-process state: the stencils made so far; `mode` 'stencil' or 'writer'."""

    def __init__(self, mode: str = "stencil", verify_every: int = 100) -> None:
        self.mode, self.verify_every = mode, verify_every
        self.stencils: dict[tuple[object, ...], Stencil] = {}
        self.generic: dict[tuple[str, Issue], set[str]] = {}
        self.mismatches = 0

    def rubric(self, rid: str) -> Rubric:
        return builtin(rid)

    def template(self, rubric: Rubric, school: SchoolInfo, issue: Issue) -> tuple[Parts, str]:
        """The school's template parts and how they were made."""
        if self.mode == "writer":
            return writer_parts(rubric, school, issue), "writer"
        key = (rubric.id, issue, shape(rubric, school, issue))
        if key not in self.stencils:
            if (rubric.id, issue) not in self.generic:
                blank = writer_parts(rubric, None, issue)
                self.generic[rubric.id, issue] = shared_strings(blank)
            self.stencils[key] = make_stencil(rubric, school, issue, self.generic[rubric.id, issue])
            return self.stencils[key].parts, "writer"
        stencil = self.stencils[key]
        parts = derive(stencil, rubric, school, issue)
        if parts is None:
            return writer_parts(rubric, school, issue), "writer"
        stencil.derived += 1
        if (stencil.derived - 1) % self.verify_every:
            return parts, "stencil"
        if parts != writer_parts(rubric, school, issue):
            self.mismatches += 1
            self.mode = "writer"    # the writer changed in a way the stencil does not know: stop deriving
            return writer_parts(rubric, school, issue), "writer"
        return parts, "verified"

    def make(self, job: Job) -> Made:
        rubric = self.rubric(job.rubric_id)
        parts, how = self.template(rubric, job.school, job.issue)
        typed = type_answers(parts, rubric, profile_answers(rubric, job.key, job.profile))
        data = zip_members((name, body, job.saved) for name, body in typed.items())
        Path(job.target).write_bytes(data)
        return Made(job.target, len(data), how)


_WORKER: Worker | None = None


def init_worker(mode: str, verify_every: int) -> None:
    """Process-pool initializer: one Worker per process, so rubrics and stencils load once."""
    global _WORKER
    _WORKER = Worker(mode, verify_every)


def make_in_worker(job: Job) -> Made:
    assert _WORKER is not None, "init_worker was not called"
    return _WORKER.make(job)
