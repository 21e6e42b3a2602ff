"""Reading rule files: YAML text → validated rules, every problem as `file:line:col: message`."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from keepwarm.errors import RuleError
from keepwarm.rules.schema import Rule, RuleFile


class _Loader(yaml.SafeLoader):
    """A safe loader that remembers where every mapping key and value started."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    marks = {str(k.value): (k.start_mark.line + 1, k.start_mark.column + 1) for k, _ in node.value}
    return _Marked(mapping, marks, (node.start_mark.line + 1, node.start_mark.column + 1))


class _Marked(dict[str, Any]):
    def __init__(
        self, data: dict[str, Any], marks: dict[str, tuple[int, int]], at: tuple[int, int]
    ):
        super().__init__(data)
        self.marks = marks
        self.at = at


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_rules(text: str, source: str) -> list[Rule]:
    """Parse one rule file. Raises `RuleError` listing every problem with its position."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise RuleError(f"{where}: YAML syntax error: {exc.problem}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{source}:1:1: expected a mapping with a 'rules:' list")
    try:
        return RuleFile.model_validate(data).rules
    except ValidationError as exc:
        problems = [
            f"{_position(data, error['loc'], source)}: {_message(error)}" for error in exc.errors()
        ]
        raise RuleError("\n".join(problems)) from None


def _position(data: Any, loc: tuple[int | str, ...], source: str) -> str:
    """The deepest line:col we know for a validation error's location."""
    line, col = 1, 1
    node = data
    for part in loc:
        if isinstance(node, _Marked):
            line, col = node.marks.get(str(part), node.at)
            node = node.get(str(part)) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, _Marked):
                line, col = node.at
        else:
            break
    path = ".".join(str(p) for p in loc)
    return f"{source}:{line}:{col}: {path}"


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "union_tag_invalid" or error["type"] == "literal_error":
        return f"{error['msg']} (got {error.get('input')!r})"
    return str(error["msg"])
