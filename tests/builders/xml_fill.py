"""Builders: answers typed into an XlsxWriter template by patching its sheet XML inside the zip — the
cell each defined name points at gets the value, keeping its style — because openpyxl's load and save
(~80 ms) is too slow for the benchmark corpus's 45,000 files.

In: the template's parts (zip member name → bytes), the rubric and the `Answers`. Out: the parts with
every answer, school field and evidence row typed in, and each group total's cached result set to the
tool's own score of the answers (as Excel stores it when it saves).
"""
from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Callable

from cds_batch.form import layout as L
from cds_batch.rubric.model import Rubric
from cds_batch.checking.score import score

from .answers import Answers

Parts = dict[str, bytes]   # zip member name → uncompressed bytes, in the writer's order
EXCEL_EPOCH = date(1899, 12, 30)


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


def total_text(total: Fraction) -> str:
    """A group total as Excel stores its result: an integer, or the float's shortest repr."""
    return str(total.numerator) if total.denominator == 1 else repr(float(total))


def cached(total: Fraction) -> Make:
    """A formula cell keeping its formula, with `total` as its stored result."""
    text = total_text(total)
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
