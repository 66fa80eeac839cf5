"""Rubric loading: a plain dict (from YAML or Excel) ⇄ the `Rubric` model, with every problem found.

In: the dict a format reader produced and a map from each path in it to its place in the file.
Out: the Rubric (or None when it is unusable) and the findings, in file order. The reverse,
`to_dict`, gives the dict both exporters write, so YAML and Excel cannot disagree.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Any, Iterable, Mapping

import jsonschema

from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.core.text import clean, paragraph
from cds_batch.rubric.checks import check_rubric
from cds_batch.rubric.model import (
    Basis, Criterion, Group, Interval, Item, Kind, LevelBand, Levels, OnFail, Option, OverallRule, PointBand,
    Rubric, Section, Standing, compute_hash
)

Path = tuple[str | int, ...]

_SCHEMA = json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(_SCHEMA)

# Decision 4725's bands, used when a rubric file gives none.
NATIONAL_LEVELS: dict[str, Any] = {
    "basis": "points",
    "bands": [
        {"level": 1, "name": "Mức chưa đáp ứng", "min": 0, "max": 50, "max_inclusive": False},
        {"level": 2, "name": "Mức đáp ứng cơ bản", "min": 50, "max": 75},
        {"level": 3, "name": "Mức đáp ứng tốt", "min": 75, "min_inclusive": False, "max": 100},
    ],
}

_TYPE_NAMES = {"string": "chữ", "number": "số", "integer": "số nguyên", "boolean": "true/false",
               "array": "danh sách", "object": "một mục gồm các khóa", "null": "để trống"}


@dataclass(frozen=True)
class Place:
    """Where a path of the dict stands in its file: a YAML line or an Excel sheet!cell."""

    line: int | None = None
    sheet: str = ""
    cell: str = ""


def path_text(path: Iterable[str | int]) -> str:
    """('groups', 1, 'max') → 'groups[1].max'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(gốc)"


def _place(places: Mapping[Path, Place], path: Path) -> Place:
    """The place of `path`, or of its nearest ancestor that has one."""
    for n in range(len(path), -1, -1):
        if path[:n] in places:
            return places[path[:n]]
    return Place()


def _vietnamese(error: jsonschema.ValidationError) -> str:
    """A jsonschema error in plain Vietnamese."""
    v, got = error.validator, error.instance
    expected: Any = error.validator_value
    if v == "required":
        missing = [k for k in expected if isinstance(got, dict) and k not in got]
        return "thiếu khóa bắt buộc " + ", ".join(f"'{k}'" for k in missing)
    if v == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        return f"phải là {' hoặc '.join(_TYPE_NAMES.get(n, n) for n in names)}, đang là {got!r}"
    if v == "enum" and list(error.absolute_path) == ["status"]:
        meanings = ", ".join(f"{s.value} ({s.label})" for s in Standing)
        return f"trạng thái của bộ chỉ số phải là một trong: {meanings}; đang là {got!r}"
    if v == "enum":
        return f"phải là một trong: {', '.join(map(str, expected))}; đang là {got!r}"
    if v == "pattern":
        return f"'{got}' không đúng dạng (mã bộ chỉ số: chữ thường, số, '-', '.'; mã tiêu chí: như 1.3.1 hoặc 1.2a)"
    if v == "minimum":
        return f"phải từ {expected} trở lên, đang là {got}"
    if v == "exclusiveMinimum":
        return f"phải lớn hơn {expected}, đang là {got}"
    if v == "minItems":
        return f"cần ít nhất {expected} phần tử"
    if v == "minLength":
        return "không được để trống"
    return error.message


def _schema_findings(data: Any, file: str, places: Mapping[Path, Place]) -> list[Finding]:
    out: list[Finding] = []
    for error in _VALIDATOR.iter_errors(data):
        path: Path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed), key=str):
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" Có phải ý bạn là '{near[0]}'?" if near else ""
                where = _place(places, path + (key,))
                out.append(finding(Code.R103, file=file, line=where.line, sheet=where.sheet, cell=where.cell,
                                   path=path_text(path + (key,)), value=key, hint=hint))
            continue
        where = _place(places, path)
        out.append(finding(Code.R102, file=file, line=where.line, sheet=where.sheet, cell=where.cell,
                           path=path_text(path), detail=_vietnamese(error)))
    return out


def num(x: Any) -> Fraction:
    """An exact Fraction from a YAML/Excel number: 7.1 is 71/10, never 7.0999…"""
    if isinstance(x, float):
        return Fraction(Decimal(repr(x)))
    return Fraction(x)


def _opt(x: Any) -> Fraction | None:
    return None if x is None else num(x)


def code_text(x: Any) -> str:
    """A criterion code as text even when a spreadsheet turned '1.1' into the number 1.1."""
    if isinstance(x, float):
        return repr(x)
    return clean(str(x))


def _interval(d: Mapping[str, Any]) -> Interval:
    return Interval(num(d["min"]), num(d["max"]), d.get("min_inclusive", True), d.get("max_inclusive", True))


def _levels(d: Mapping[str, Any]) -> Levels:
    bands = tuple(LevelBand(b["level"], clean(b.get("name", f"Mức {b['level']}")), _interval(b)) for b in d["bands"])
    return Levels(Basis(d.get("basis", "points")), bands)


def _criterion(d: Mapping[str, Any]) -> Criterion:
    return Criterion(
        code=code_text(d["code"]), name=clean(d["name"]), kind=Kind(d["kind"]),
        max=_opt(d.get("max")), step=_opt(d.get("step")),
        options=tuple(Option(clean(o["label"]), num(o["points"])) for o in d.get("options", ())),
        items=tuple(Item(clean(i["label"]), _opt(i.get("points"))) for i in d.get("items", ())),
        base=_opt(d.get("base")), deduction=_opt(d.get("deduction")),
        floor=num(d.get("floor", 0)), cap=_opt(d.get("cap")),
        bands=tuple(PointBand(_interval(b), num(b["points"])) for b in d.get("bands", ())),
        unit=clean(d.get("unit", "")), on_fail=OnFail(d.get("on_fail", "zero_group")),
        section=code_text(d["section"]) if "section" in d else "",
        evidence=tuple(clean(e) for e in d.get("evidence", ())),
        confidence=clean(d.get("confidence", "")), note=paragraph(d.get("note", "")),
    )


def _build(data: Mapping[str, Any]) -> Rubric:
    default_levels = data.get("levels", NATIONAL_LEVELS)
    groups = tuple(
        Group(id=g["id"], name=clean(g["name"]), levels=_levels(g.get("levels", default_levels)),
              criteria=tuple(_criterion(c) for c in g["criteria"]),
              sections=tuple(Section(code_text(s["code"]), clean(s.get("name", "")), num(s["cap"]))
                             for s in g.get("sections", ())),
              declared_max=_opt(g.get("max")))
        for g in data["groups"]
    )
    rubric = Rubric(id=data["id"], name=clean(data["name"]), version=str(data["version"]), groups=groups,
                    overall=OverallRule(data.get("overall_level", "min")), decision=clean(data.get("decision", "")),
                    provenance=paragraph(data.get("provenance", "")), notes=paragraph(data.get("notes", "")),
                    status=Standing(data.get("status", Standing.ADAPTED.value)))
    return Rubric(**{**rubric.__dict__, "content_hash": compute_hash(rubric)})


def _code_places(data: Mapping[str, Any], places: Mapping[Path, Place]) -> dict[str, Place]:
    """Criterion code → its place, so consistency findings can point at the line or cell."""
    out: dict[str, Place] = {}
    for gi, group in enumerate(data["groups"]):
        out.setdefault(f"nhóm {group['id']}", _place(places, ("groups", gi)))
        for ci, crit in enumerate(group["criteria"]):
            out.setdefault(code_text(crit["code"]), _place(places, ("groups", gi, "criteria", ci)))
        for si, sec in enumerate(group.get("sections", ())):
            out.setdefault(f"mục {code_text(sec['code'])}", _place(places, ("groups", gi, "sections", si)))
    return out


def from_dict(data: Any, file: str, places: Mapping[Path, Place]) -> tuple[Rubric | None, list[Finding]]:
    """Check `data` against the schema and the consistency rules; build the Rubric if usable.

    :param places: path → place in the file, for messages; missing paths use their parent's place.
    """
    findings = _schema_findings(data, file, places)
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    rubric = _build(data)
    code_places = _code_places(data, places)
    for key, code, fields in check_rubric(rubric):
        where = code_places.get(key, Place())
        findings.append(finding(code, file=file, line=where.line, sheet=where.sheet, cell=where.cell, **fields))
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    return rubric, findings


def _plain(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else float(Decimal(x.numerator) / Decimal(x.denominator))


def _interval_dict(i: Interval) -> dict[str, Any]:
    d: dict[str, Any] = {"min": _plain(i.lo), "max": _plain(i.hi)}
    if not i.lo_inclusive:
        d["min_inclusive"] = False
    if not i.hi_inclusive:
        d["max_inclusive"] = False
    return d


def _levels_dict(levels: Levels) -> dict[str, Any]:
    return {"basis": levels.basis.value,
            "bands": [{"level": b.level, "name": b.name, **_interval_dict(b.interval)} for b in levels.bands]}


def _criterion_dict(c: Criterion) -> dict[str, Any]:
    d: dict[str, Any] = {"code": c.code, "name": c.name, "kind": c.kind.value}
    for key in ("max", "step", "base", "deduction", "cap"):
        if getattr(c, key) is not None:
            d[key] = _plain(getattr(c, key))
    if c.floor:
        d["floor"] = _plain(c.floor)
    if c.options:
        d["options"] = [{"label": o.label, "points": _plain(o.points)} for o in c.options]
    if c.items:
        d["items"] = [{"label": i.label, **({"points": _plain(i.points)} if i.points is not None else {})}
                      for i in c.items]
    if c.bands:
        d["bands"] = [{**_interval_dict(b.interval), "points": _plain(b.points)} for b in c.bands]
    if c.unit:
        d["unit"] = c.unit
    if c.on_fail is not OnFail.ZERO_GROUP:
        d["on_fail"] = c.on_fail.value
    for key in ("section", "confidence", "note"):
        if getattr(c, key):
            d[key] = getattr(c, key)
    if c.evidence:
        d["evidence"] = list(c.evidence)
    return d


def to_dict(rubric: Rubric) -> dict[str, Any]:
    """The rubric as the plain dict both file formats hold (shared levels written once)."""
    shared = rubric.groups[0].levels if all(g.levels == rubric.groups[0].levels for g in rubric.groups) else None
    d: dict[str, Any] = {"id": rubric.id, "name": rubric.name, "version": rubric.version,
                         "status": rubric.status.value}   # always written: an export says what it is
    for key in ("decision", "provenance", "notes"):
        if getattr(rubric, key):
            d[key] = getattr(rubric, key)
    d["overall_level"] = rubric.overall.value
    if shared is not None:
        d["levels"] = _levels_dict(shared)
    groups = []
    for g in rubric.groups:
        gd: dict[str, Any] = {"id": g.id, "name": g.name}
        if g.declared_max is not None:
            gd["max"] = _plain(g.declared_max)
        if shared is None:
            gd["levels"] = _levels_dict(g.levels)
        if g.sections:
            gd["sections"] = [{"code": s.code, **({"name": s.name} if s.name else {}), "cap": _plain(s.cap)}
                              for s in g.sections]
        gd["criteria"] = [_criterion_dict(c) for c in g.criteria]
        groups.append(gd)
    d["groups"] = groups
    return d
