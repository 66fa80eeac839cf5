"""Rubrics ("Bộ chỉ số") as data: load a built-in or a file, check it, export it.

In: a built-in id or a path to a .yaml/.yml/.xlsx rubric file.
Out: a checked `Rubric` with the findings that describe it; `RubricError` (with every finding)
when it cannot be used.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cds_batch.core.library_text import explain
from cds_batch.core.errors import RubricError
from cds_batch.core.findings import Code, Finding, Severity, finding
from cds_batch.rubric.model import Rubric

if TYPE_CHECKING:
    from cds_batch.rubric.loading import Place

# Loading, checking and exporting import YAML, jsonschema and the Excel format inside the functions:
# a reading or writing worker imports `rubric.model`, which runs this file, and those imports cost
# it about 0.2 s at every process start.

__all__ = ["Rubric", "builtin_ids", "load_rubric", "check_file", "export_rubric"]

_BUILTIN = resources.files(__package__).joinpath("builtin")


def builtin_ids() -> list[str]:
    """Ids of the rubrics shipped inside the package, sorted."""
    return sorted(p.name[:-5] for p in _BUILTIN.iterdir() if p.name.endswith(".yaml"))


def _parse(text: str, file: str) -> tuple[Any, dict[Any, Place], list[Finding]]:
    import yaml

    from cds_batch.rubric.yaml_format import DuplicateKey, parse_yaml

    try:
        data, places = parse_yaml(text)
    except DuplicateKey as dup:
        where = ".".join(map(str, dup.path))
        return None, {}, [finding(Code.R104, file=file, line=dup.line, value=dup.key, path=where)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = f"lỗi cú pháp YAML ({getattr(exc, 'problem', None) or exc})"
        return None, {}, [finding(Code.R101, file=file, line=mark.line + 1 if mark else None, detail=detail)]
    return data, places, []


def check_file(source: str | Path) -> tuple[Rubric | None, list[Finding]]:
    """Load a built-in id or a rubric file and return it (None if unusable) with all findings."""
    from cds_batch.rubric.loading import from_dict
    from cds_batch.rubric.xlsx_format import read_xlsx

    if isinstance(source, str) and source in builtin_ids():
        file = f"{source}.yaml"
        data, places, found = _parse(_BUILTIN.joinpath(file).read_text(encoding="utf-8"), file)
    else:
        path = Path(source)
        file = path.name
        if not path.is_file():
            known = ", ".join(builtin_ids())
            return None, [finding(Code.R101, file=str(source),
                                  detail=f"không có tệp này, cũng không phải bộ chỉ số có sẵn ({known})")]
        try:
            if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
                data, places, found = read_xlsx(path)
            else:
                data, places, found = _parse(path.read_text(encoding="utf-8-sig"), file)
        except UnicodeDecodeError:
            return None, [finding(Code.R101, file=file, detail="tệp không phải văn bản UTF-8")]
        except Exception as exc:  # calamine raises its own types for corrupt workbooks
            return None, [finding(Code.R101, file=file, detail=explain(exc))]
    if data is None:
        return None, found or [finding(Code.R101, file=file, detail="tệp rỗng")]
    rubric, more = from_dict(data, file, places)  # keep going: report every problem at once
    unusable = any(f.severity is Severity.ERROR for f in found)
    return (None if unusable else rubric), found + more


def load_rubric(source: str | Path) -> Rubric:
    """The usable rubric from `source`, or RubricError carrying every finding."""
    rubric, found = check_file(source)
    if rubric is None:
        errors = [f for f in found if f.severity is Severity.ERROR]
        raise RubricError(f"Bộ chỉ số '{source}' không dùng được: {len(errors)} lỗi.", tuple(found))
    return rubric


def export_rubric(rubric: Rubric, target: Path) -> None:
    """Write `rubric` as YAML or as an Excel workbook, by the target's extension."""
    from cds_batch.core.atomic import write_text_atomic
    from cds_batch.rubric.loading import to_dict
    from cds_batch.rubric.xlsx_format import write_xlsx
    from cds_batch.rubric.yaml_format import dump_yaml

    data = to_dict(rubric)
    if target.suffix.lower() == ".xlsx":
        write_xlsx(data, target)
    elif target.suffix.lower() in (".yaml", ".yml"):
        write_text_atomic(target, dump_yaml(data))
    else:
        raise RubricError(f"Không xuất được sang '{target.name}': chỉ hỗ trợ .yaml, .yml hoặc .xlsx.")
