"""Benchmark corpus helper: a school's answers, typed into its prefilled workbook fast.

In: a roster school, a built-in rubric id, an answer profile and a seed key (a `Job`).
Out: the filled .xlsx on disk. The workbook is the project's own template writer output
(`cds_batch.templates.writer.write_school_template`); the answers are typed into it by patching the sheet
XML parts inside the zip (the cell each defined name points at gets the value, keeping its style),
because openpyxl's load+save (~80 ms) is too slow for 45,000 files.

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

import io
import random
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Callable

from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES
from cds_batch.rubric.roster import SchoolInfo
from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Criterion, Kind, Rubric
from cds_batch.checking.score import score
from cds_batch.templates.text import Issue, guide_lines, row_height
from cds_batch.templates.writer import GUIDE_WIDTH, write_school_template

Parts = dict[str, bytes]   # zip member name → uncompressed bytes, in the writer's order
CONTACTS = ("Nguyễn Thị Hòa, Phó Hiệu trưởng", "Trần Văn Minh, Hiệu trưởng", "Lê Thị Thu Hà, Phó Hiệu trưởng",
            "Phạm Quốc Bảo, giáo viên Tin học", "Võ Thị Ngọc Anh, Phó Hiệu trưởng", "Huỳnh Văn Tài, nhân viên")
PLACES = ("Văn phòng nhà trường", "Tủ hồ sơ Phó Hiệu trưởng", "Google Drive của trường, thư mục CĐS 2025",
          "Phần mềm quản lý văn bản của trường")
# Unusable answers a school types past the template's validation (Excel lets it keep them).
BAD_TEXT = {Kind.CONDITION: "Đang xây dựng", Kind.POINTS: "khoảng 5", Kind.CHOICE: "Khác",
            Kind.CHECKLIST: "Khác", Kind.NUMBER: "nhiều", Kind.PERCENTAGE: "nhiều"}
EXCEL_EPOCH = date(1899, 12, 30)


# --- answers: what a school types -----------------------------------------------------------------

@dataclass
class Answers:
    """One workbook's content: defined name → value typed, evidence index rows, and the answer keys."""

    values: dict[str, object]
    evidence: list[tuple[str, ...]] = field(default_factory=list)
    keys: dict[str, object] = field(default_factory=dict)   # answer key ('1.1', '2.3a_1') → value or None


def answer_cells(rubric: Rubric) -> list[tuple[str, str, Criterion, int]]:
    """(defined name, answer key, criterion, item n) of every answer cell, in sheet order."""
    cells = []
    for group in rubric.groups:
        for spec in L.group_rows(group):
            if spec.has_value:
                c = spec.criterion
                name = L.item_name(c.code, spec.n) if spec.kind is L.RowKind.ITEM else L.value_name(c.code)
                cells.append((name, spec.key, c, spec.n))
    return cells


def careful_value(c: Criterion, n: int, target: float, rng: random.Random) -> object:
    """A valid answer near `target` (0..1 of the maximum), as a careful school types it."""
    if n:
        return ITEM_YES if rng.random() < target + 0.1 else ITEM_NO
    if c.kind is Kind.CONDITION:
        return CONDITION_NO if rng.random() < 0.02 else CONDITION_YES
    if c.options:
        top = float(c.max_points) or 1.0
        return min(c.options, key=lambda o: (abs(float(o.points) / top - target), o.points)).label
    if c.kind is Kind.POINTS:
        step = c.step or Fraction(1)
        points = min(c.max_points, max(Fraction(0), Fraction(round(Fraction(target) * c.max_points / step)) * step))
        return int(points) if points.denominator == 1 else float(points)
    band = min(c.bands, key=lambda b: abs(float(b.points) / (float(c.max_points) or 1.0) - target))
    lo = band.interval.lo + (0 if band.interval.lo_inclusive else 1)
    return int(lo) if lo.denominator == 1 else int(lo) + 1


def reinterpreted(value: object, c: Criterion) -> object:
    """The same answer typed the way the tool understands but notes (E206): '7,5', '6 điểm', 'Có'."""
    if c.kind is Kind.CONDITION:
        return "Có" if value == CONDITION_YES else value
    if c.kind is Kind.POINTS and isinstance(value, (int, float)):
        return f"{value} điểm" if isinstance(value, int) else str(value).replace(".", ",")
    return value


def bad_value(c: Criterion, n: int, rng: random.Random) -> object:
    """An out-of-range or unparseable answer (an error the school must fix)."""
    if c.kind is Kind.POINTS and not n and rng.random() < 0.5:
        return int(c.max_points) + rng.randint(1, 5)
    return "Một phần" if n else BAD_TEXT[c.kind]


def school_answers(rubric: Rubric, key: str, profile: str) -> Answers:
    """The answers of one workbook, drawn from its own generator seeded by `key` (same on every run).

    :param profile: 'valid' (every answer usable), 'half' (about half the answers left blank) or
        'bad' (one or two answers out of range or unparseable).
    """
    rng = random.Random(key)
    strength = rng.uniform(0.3, 1.0)
    cells = answer_cells(rubric)
    keys = {k: careful_value(c, n, min(1.0, max(0.0, strength + rng.uniform(-0.15, 0.15))), rng)
            for _, k, c, n in cells}
    if profile == "valid" and rng.random() < 0.1:
        _, k, c, _ = rng.choice(cells)
        keys[k] = reinterpreted(keys[k], c)
    elif profile == "half":
        for _, k, _, _ in rng.sample(cells, max(1, len(cells) // 2)):
            keys[k] = None
    elif profile == "bad":
        for _, k, c, n in rng.sample(cells, rng.randint(1, 2)):
            keys[k] = bad_value(c, n, rng)
    values: dict[str, object] = {name: keys[k] for name, k, _, _ in cells if keys[k] is not None}
    evidence = evidence_rows(rubric, keys, rng)
    for row in evidence:   # the school also writes the evidence code beside the answer
        values[L.evidence_name(row[1])] = row[0]
    values.update({"CDS_CONTACT_NAME": rng.choice(CONTACTS),
                   "CDS_CONTACT_PHONE": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
                   "CDS_REPORT_DATE": date(2025, 10, rng.randint(10, 28))})
    return Answers(values, evidence, keys)


def evidence_rows(rubric: Rubric, keys: dict[str, object], rng: random.Random) -> list[tuple[str, ...]]:
    """An evidence index row for most criteria the school claims points for (some forgotten: E301)."""
    rows: list[tuple[str, ...]] = []
    for group in rubric.groups:
        for c in group.criteria:
            value = keys.get(c.code)
            claimed = value not in (None, CONDITION_NO, 0) and value not in {o.label for o in c.options if not o.points}
            if (c.kind is not Kind.CHECKLIST and not claimed) or rng.random() < 0.05:
                continue
            title = c.evidence[0] if c.evidence else c.name
            number = f"{rng.randint(12, 240)}/KH-{c.code.replace('.', '')} ngày {rng.randint(5, 28):02d}/09/2025"
            rows.append((L.evidence_code_example(c.code), c.code, title, number, rng.choice(PLACES)))
    return rows


# --- the XML parts of an XlsxWriter workbook --------------------------------------------------------

def read_parts(data: bytes) -> Parts:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_parts(parts: Parts, when: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip of `parts` in their order, deflated, every member dated `when` (as a program saving it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def name_cells(parts: Parts) -> dict[str, tuple[str, str]]:
    """Every defined name of the workbook → (worksheet part, A1 ref or range), read from workbook.xml."""
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'<Relationship Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    sheets = {unescape(name): "xl/" + targets[rid]
              for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*?r:id="([^"]+)"', book)}
    names = {}
    for name, ref in re.findall(r'<definedName name="([^"]+)">([^<]+)</definedName>', book):
        sheet, _, cells = unescape(ref).rpartition("!")
        names[name] = (sheets[sheet.strip("'")], cells.replace("$", ""))
    return names


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_xml(ref: str, style: str, value: object) -> str:
    """A value cell as Excel stores it: numbers as <v>, text inline, dates as serial numbers."""
    if isinstance(value, date):
        value = (value - EXCEL_EPOCH).days
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{ref}: {value!r}")
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


Make = Callable[[str, str, str], str]   # (ref, ' s="N"', old inner XML) → the new cell element


def splice(xml: str, cells: dict[str, Make]) -> str:
    """Replace each cell `ref` of a worksheet part by make(ref, ' s="N"', its old inner XML)."""
    spans = []
    for ref, make in cells.items():
        start = xml.find(f'<c r="{ref}"')
        if start < 0:
            raise KeyError(f"cell {ref} not in the sheet")
        close = xml.index(">", start)
        if xml[close - 1] == "/":
            end, inner = close + 1, ""
        else:
            end = xml.index("</c>", close) + 4
            inner = xml[close + 1:end - 4]
        style = re.search(r' s="\d+"', xml[start:close])
        spans.append((start, end, make(ref, style.group(0) if style else "", inner)))
    out, at = [], 0
    for start, end, text in sorted(spans):
        out += [xml[at:start], text]
        at = end
    return "".join(out + [xml[at:]])


def typed(value: object) -> Make:
    return lambda ref, style, _: cell_xml(ref, style, value)


def cached(total: Fraction) -> Make:
    """A formula cell keeping its formula, with `total` as its stored result."""
    text = str(total.numerator) if total.denominator == 1 else repr(float(total))
    return lambda ref, style, inner: f'<c r="{ref}"{style}>{re.sub(r"<v>.*?</v>", "", inner)}<v>{text}</v></c>'


def type_answers(parts: Parts, rubric: Rubric, answers: Answers) -> Parts:
    """`parts` with every answer, note, school field and evidence row typed in, and the group totals'
    cached results set to the tool's score of the answers (as Excel stores them when it saves)."""
    names = name_cells(parts)
    edits: dict[str, dict[str, Make]] = {}
    for name, value in answers.values.items():
        part, ref = names[name]
        edits.setdefault(part, {})[ref] = typed(value)
    part, span = names[L.EVIDENCE_NAME]
    first = re.match(r"([A-Z]+)(\d+)", span)
    assert first is not None, span
    for n, row in enumerate(answers.evidence, start=int(first.group(2)) + 1):   # the range's first row: header
        for col, value in enumerate(row):
            edits.setdefault(part, {})[f"{chr(ord(first.group(1)) + col)}{n}"] = typed(value)
    result = score(rubric, {k: v for k, v in answers.keys.items() if v is not None})
    for group in rubric.groups:
        part, ref = names[L.total_name(group.id)]
        edits.setdefault(part, {})[ref] = cached(result.group(group.id).score)
    patched = dict(parts)
    for part, cells in edits.items():
        patched[part] = splice(parts[part].decode(), cells).encode()
    return patched


# --- templates: the writer's output, or derived from a stencil -----------------------------------------

def writer_parts(rubric: Rubric, school: SchoolInfo | None, issue: Issue) -> Parts:
    """The parts of the workbook `write_school_template` writes for `school` (None: the blank template)."""
    with tempfile.TemporaryDirectory(prefix="cds_corpus_") as tmp:
        return read_parts(write_school_template(rubric, Path(tmp), school, issue).read_bytes())


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
    saved: tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class Made:
    target: str
    size: int
    template: str             # writer | stencil | verified (stencil output compared with the writer's)


class Worker:
    """Per-process state: loaded rubrics and stencils; `mode` 'stencil' or 'writer'."""

    def __init__(self, mode: str = "stencil", verify_every: int = 100) -> None:
        self.mode, self.verify_every = mode, verify_every
        self.rubrics: dict[str, Rubric] = {}
        self.stencils: dict[tuple[object, ...], Stencil] = {}
        self.generic: dict[tuple[str, Issue], set[str]] = {}
        self.mismatches = 0

    def rubric(self, rid: str) -> Rubric:
        if rid not in self.rubrics:
            self.rubrics[rid] = load_rubric(rid)
        return self.rubrics[rid]

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
        data = write_parts(type_answers(parts, rubric, school_answers(rubric, job.key, job.profile)), job.saved)
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
