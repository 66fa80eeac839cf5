"""Builders: what a school types into its workbook — the answer cells, values near a strength, evidence
index rows — for the fixed sample answers of the tests, the sample round and the benchmark corpus.

In: a rubric and a seeded `random.Random` (or a seed key). Out: defined name → value typed, evidence rows,
and the same answers keyed as the scoring engine wants them (criterion code, '2.3a_1'). Every draw is
seeded, so the same seed gives the same answers on every run.
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from cds_batch.form import layout as L
from cds_batch.form.answers import CONDITION_NO, CONDITION_YES, ITEM_NO, ITEM_YES
from cds_batch.rubric import load_rubric
from cds_batch.rubric.model import Criterion, Kind, Rubric

SCHOOL_RUBRIC, PRESCHOOL_RUBRIC = "qd4725-phothong", "quan7-mamnon-2023"   # the built-in rubrics used here
CONTACTS = ("Nguyễn Thị Hòa, Phó Hiệu trưởng", "Trần Văn Minh, Hiệu trưởng", "Lê Thị Thu Hà, Phó Hiệu trưởng",
            "Phạm Quốc Bảo, giáo viên Tin học", "Võ Thị Ngọc Anh, Phó Hiệu trưởng",
            "Huỳnh Văn Tài, nhân viên văn phòng")
# The benchmark corpus was first drawn with a shorter last title; kept, so a seed still gives the same corpus.
CORPUS_CONTACTS = CONTACTS[:-1] + ("Huỳnh Văn Tài, nhân viên",)
PLACES = ("Văn phòng nhà trường", "Tủ hồ sơ Phó Hiệu trưởng", "Google Drive của trường, thư mục CĐS 2025",
          "Phần mềm quản lý văn bản của trường")
# Unusable answers a school types past the template's validation (Excel lets it keep them).
BAD_TEXT = {Kind.CONDITION: "Đang xây dựng", Kind.POINTS: "khoảng 5", Kind.CHOICE: "Khác",
            Kind.CHECKLIST: "Khác", Kind.NUMBER: "nhiều", Kind.PERCENTAGE: "nhiều"}
EvidenceRow = tuple[str, ...]


@dataclass
class Answers:
    """One workbook's content: defined name → value typed, the evidence index rows, the school fields
    typed apart from the answers (sample round), and the answer keys (benchmark corpus)."""

    values: dict[str, object]
    evidence: list[EvidenceRow] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)   # CDS_CONTACT_NAME … (Thông tin chung)
    keys: dict[str, object] = field(default_factory=dict)     # answer key ('1.1', '2.3a_1') → value or None


@functools.lru_cache(maxsize=None)
def builtin(rubric_id: str) -> Rubric:
    """A built-in rubric, loaded once per process."""
    return load_rubric(rubric_id)


# --- the answer cells -------------------------------------------------------------------------------

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


def answer_names(rubric: Rubric) -> list[str]:
    """The defined names of every answer cell, in sheet order."""
    return [name for name, _, _, _ in answer_cells(rubric)]


def scoring_answers(rubric: Rubric, values: dict[str, object]) -> dict[str, object]:
    """The typed answers (defined name → value) keyed as the scoring engine wants them."""
    return {key: values[name] for name, key, _, _ in answer_cells(rubric) if name in values}


# --- values a school types -------------------------------------------------------------------------

def points_near(c: Criterion, target: float) -> int | float:
    """A points answer of a careful school: `target` × the maximum in the criterion's step, an int when whole."""
    step = c.step or Fraction(1)
    points = min(c.max_points, max(Fraction(0), Fraction(round(Fraction(target) * c.max_points / step)) * step))
    return int(points) if points.denominator == 1 else float(points)


def option_near(c: Criterion, target: float) -> str:
    """The option whose points are closest to `target` × the maximum (ties: the lower one)."""
    top = float(c.max_points) or 1.0
    return min(c.options, key=lambda o: (abs(float(o.points) / top - target), o.points)).label


def band_value(c: Criterion, target: float) -> int:
    """A count or percentage that falls in the band closest to `target` × the maximum points."""
    top = float(c.max_points) or 1.0
    band = min(c.bands, key=lambda b: (abs(float(b.points) / top - target), b.points))
    lo = band.interval.lo + (0 if band.interval.lo_inclusive else 1)
    return int(lo) if lo.denominator == 1 else int(lo) + 1


def claims(c: Criterion, value: object) -> bool:
    """Whether a school would list evidence for this answer: a condition met, points above 0, an option
    worth points."""
    if value in (None, "", CONDITION_NO, 0):
        return False
    return value not in {o.label for o in c.options if o.points == 0}


def evidence_row(c: Criterion, rng: random.Random) -> EvidenceRow:
    """One evidence index row for criterion `c`, numbered as the guide says."""
    title = c.evidence[0] if c.evidence else c.name
    number = f"{rng.randint(12, 240)}/KH-{c.code.replace('.', '')} ngày {rng.randint(5, 28):02d}/09/2025"
    return (L.evidence_code_example(c.code), c.code, title, number, rng.choice(PLACES))


def phone(rng: random.Random) -> str:
    return "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))


def with_evidence_codes(values: dict[str, object], rows: list[EvidenceRow]) -> None:
    """The school also writes each evidence row's code beside its answer."""
    for row in rows:
        values[L.evidence_name(row[1])] = row[0]


# --- fixed answers of the tests ---------------------------------------------------------------------

def sample_answers(rubric: Rubric) -> dict[str, object]:
    """A plausible, fully answered workbook for `rubric`: defined name → value typed by the school."""
    values: dict[str, object] = {}
    for group in rubric.groups:
        for n, c in enumerate(group.criteria):
            if c.kind is Kind.CONDITION:
                values[L.value_name(c.code)] = CONDITION_YES
            elif c.kind is Kind.POINTS:
                top = c.max_points
                values[L.value_name(c.code)] = int(top) - (n % 2) if top.denominator == 1 else float(top)
            elif c.options:
                values[L.value_name(c.code)] = c.options[n % len(c.options)].label
            elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
                values[L.value_name(c.code)] = 50
            for i in range(1, len(c.items) + 1):
                values[L.item_name(c.code, i)] = ITEM_YES if i % 3 else ITEM_NO
            values[L.evidence_name(c.code)] = f"{L.evidence_code_example(c.code)}; {L.evidence_code_example(c.code, 2)}"
    values.update({"CDS_CONTACT_NAME": CONTACTS[0], "CDS_CONTACT_PHONE": "0912345678"})
    return values


# --- the sample round: every answer near the school's strength -----------------------------------------

def round_answers(rubric: Rubric, code: str, report_day: int) -> Answers:
    """The answers of sample school `code`, drawn from its own generator seeded with its code."""
    rng = random.Random(int(code))
    strength = rng.uniform(0.3, 1.0)
    values: dict[str, object] = {}
    for group in rubric.groups:
        for c in group.criteria:
            target = min(1.0, max(0.0, strength + rng.uniform(-0.15, 0.15)))
            if c.kind is Kind.CONDITION:
                values[L.value_name(c.code)] = CONDITION_YES
            elif c.kind is Kind.POINTS:
                values[L.value_name(c.code)] = points_near(c, target)
            elif c.kind in (Kind.NUMBER, Kind.PERCENTAGE):
                values[L.value_name(c.code)] = band_value(c, target)
            elif c.options:   # choice, or checklist with a base option
                values[L.value_name(c.code)] = option_near(c, target)
            for n in range(1, len(c.items) + 1):
                values[L.item_name(c.code, n)] = ITEM_YES if rng.random() < strength + 0.1 else ITEM_NO
    rows = [evidence_row(c, rng) for group in rubric.groups for c in group.criteria
            if claims(c, values.get(L.value_name(c.code)))]
    with_evidence_codes(values, rows)
    number = phone(rng)   # drawn before the contact: the committed samples were made in this order
    fields = {"CDS_CONTACT_NAME": rng.choice(CONTACTS), "CDS_CONTACT_PHONE": number,
              "CDS_REPORT_DATE": date(2025, 10, report_day)}
    return Answers(values, rows, fields)


# --- the benchmark corpus: careful, half-filled or wrong workbooks ------------------------------------------

def careful_value(c: Criterion, n: int, target: float, rng: random.Random) -> object:
    """A valid answer near `target` (0..1 of the maximum), as a careful school types it."""
    if n:
        return ITEM_YES if rng.random() < target + 0.1 else ITEM_NO
    if c.kind is Kind.CONDITION:
        return CONDITION_NO if rng.random() < 0.02 else CONDITION_YES
    if c.options:
        return option_near(c, target)
    if c.kind is Kind.POINTS:
        return points_near(c, target)
    return band_value(c, target)


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


def profile_answers(rubric: Rubric, key: str, profile: str) -> Answers:
    """The answers of one corpus workbook, drawn from its own generator seeded by `key`.

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
    # An evidence row for most criteria the school claims points for (some forgotten: E301).
    rows = [evidence_row(c, rng) for group in rubric.groups for c in group.criteria
            if not ((c.kind is not Kind.CHECKLIST and not claims(c, keys.get(c.code))) or rng.random() < 0.05)]
    with_evidence_codes(values, rows)
    values.update({"CDS_CONTACT_NAME": rng.choice(CORPUS_CONTACTS), "CDS_CONTACT_PHONE": phone(rng),
                   "CDS_REPORT_DATE": date(2025, 10, rng.randint(10, 28))})
    return Answers(values, rows, keys=keys)
