"""Rubric files in YAML: read with the line of every value, write in a tidy human-edited form.

In: YAML text (safe_load only; nothing in it is ever evaluated).
Out: the plain dict with path → line, or YAML text from the plain dict of `loading.to_dict`.
"""
from __future__ import annotations

from typing import Any

import yaml

from cds_batch.rubric.loading import Path, Place


class DuplicateKey(Exception):
    """A mapping names the same key twice; YAML would silently keep the last one."""

    def __init__(self, key: str, path: Path, line: int) -> None:
        super().__init__(key)
        self.key, self.path, self.line = key, path, line


def _walk(node: yaml.Node, path: Path, places: dict[Path, Place]) -> None:
    places[path] = Place(line=node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise DuplicateKey(key, path, key_node.start_mark.line + 1)
            seen.add(key)
            _walk(value_node, path + (key,), places)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, path + (index,), places)


# libyaml when PyYAML was built with it (the wheels are): ten times faster, same safe loader.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> tuple[Any, dict[Path, Place]]:
    """Parse YAML text; raises yaml.YAMLError or DuplicateKey with the line."""
    data = yaml.load(text, Loader=_LOADER)
    node = yaml.compose(text, Loader=_LOADER)
    places: dict[Path, Place] = {}
    if node is not None:
        _walk(node, (), places)
    return data, places


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so provenance notes stay readable."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text for the plain rubric dict: keys in schema order, Vietnamese kept as is."""
    header = "# Bộ chỉ số cds_batch. Sửa được bằng tay; kiểm tra bằng: cds-batch rubric check <tệp>\n"
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
