"""Reading rule files: YAML text → validated rules, every problem as `file:line:col: message`.

The loader is YAML's safe loader (no tags that build objects) extended to remember where
every key and value starts, so a validation error can point at the exact spot.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from keepwarm.errors import RuleError
from keepwarm.rules.schema import KNOWN_KEYS, Policies, Rule, RuleFile


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    col: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.source}:{self.line}:{self.col}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


@dataclass(frozen=True, slots=True)
class ValueMark:
    line: int
    col: int
    #: YAML scalar style: '|' or '>' for block scalars, '"' or "'" quoted, None plain.
    style: str | None


@dataclass
class ParsedFile:
    source: str
    rules: list[Rule] = field(default_factory=list)
    policies: Policies | None = None
    problems: list[Problem] = field(default_factory=list)
    #: Raw mapping per rule (with marks), to position template and name problems.
    raw: list[Any] = field(default_factory=list)


#: Nesting deeper than this is refused with its position (Python would hit RecursionError).
MAX_DEPTH = 100


class _Loader(yaml.SafeLoader):
    """A safe loader that remembers where every mapping key and value started."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Marked(dict[str, Any]):
    def __init__(
        self,
        data: dict[str, Any],
        marks: dict[str, tuple[int, int]],
        values: dict[str, ValueMark],
        at: tuple[int, int],
    ):
        super().__init__(data)
        self.marks = marks
        self.vmarks = values
        self.at = at


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Marked:
    mapping: dict[str, Any] = {}
    marks: dict[str, tuple[int, int]] = {}
    values: dict[str, ValueMark] = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        mapping[key] = loader.construct_object(value_node, deep=True)
        marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        style = value_node.style if isinstance(value_node, yaml.ScalarNode) else None
        values[key] = ValueMark(
            value_node.start_mark.line + 1, value_node.start_mark.column + 1, style
        )
    return _Marked(mapping, marks, values, (node.start_mark.line + 1, node.start_mark.column + 1))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_file(text: str, source: str) -> ParsedFile:
    """Parse one rule file, collecting every problem instead of stopping at the first."""
    parsed = ParsedFile(source)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        parsed.problems.append(
            Problem(
                source,
                line,
                col,
                f"YAML syntax error: {exc.problem or exc.context}",
                "check indentation, colons and quotes; quote values that contain ': ' or '{'",
            )
        )
        return parsed
    if not isinstance(data, _Marked):
        parsed.problems.append(
            Problem(source, 1, 1, "expected a mapping with a 'rules:' list", "start with 'rules:'")
        )
        return parsed
    try:
        model = RuleFile.model_validate(data)
    except ValidationError as exc:
        parsed.problems.extend(_problem(data, error, source) for error in exc.errors())
        return parsed
    parsed.rules, parsed.policies = list(model.rules), model.policies
    parsed.raw = list(data.get("rules") or [])
    _duplicates(parsed)
    return parsed


def parse_rules(text: str, source: str) -> list[Rule]:
    """Parse one rule file. Raises `RuleError` listing every problem with its position."""
    parsed = parse_file(text, source)
    if parsed.problems:
        raise RuleError("\n".join(str(p) for p in parsed.problems))
    return parsed.rules


def name_position(parsed: ParsedFile, index: int) -> tuple[int, int]:
    raw = parsed.raw[index] if index < len(parsed.raw) else None
    return _name_at(raw) if isinstance(raw, _Marked) else (1, 1)


def _name_at(raw: _Marked) -> tuple[int, int]:
    mark = raw.vmarks.get("name")
    return (mark.line, mark.col) if mark else raw.at


def draft_value_mark(parsed: ParsedFile, index: int, key: str) -> ValueMark:
    """Where a rule's `draft.<key>` value starts (falls back to the rule's own position)."""
    raw = parsed.raw[index] if index < len(parsed.raw) else None
    draft = raw.get("draft") if isinstance(raw, _Marked) else None
    if isinstance(draft, _Marked) and key in draft.vmarks:
        return draft.vmarks[key]
    at = raw.at if isinstance(raw, _Marked) else (1, 1)
    return ValueMark(at[0], at[1], None)


def _duplicates(parsed: ParsedFile) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(parsed.rules):
        line, col = _name_at(parsed.raw[index])
        if rule.name in seen:
            parsed.problems.append(
                Problem(
                    parsed.source,
                    line,
                    col,
                    f"duplicate rule name {rule.name!r} (first used on line {seen[rule.name]})",
                    "every rule needs its own name: draft keys and `--rule` use it",
                )
            )
        else:
            seen[rule.name] = line


def _problem(data: Any, error: Any, source: str) -> Problem:
    loc: tuple[int | str, ...] = error["loc"]
    where = (*loc, "type") if error["type"] == "union_tag_invalid" else loc
    line, col = _position(data, where, key_only=error["type"] == "extra_forbidden")
    path = ".".join(str(p) for p in loc if not _is_tag(p))
    kind, hint = error["type"], ""
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.6)
        message = f"{path}: unknown key {key!r}"
        hint = f"did you mean {close[0]!r}?" if close else "remove it; see `keepwarm rules schema`"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        message = (
            f"{path}: unknown trigger type {error.get('input')!r}"
            if kind == ("union_tag_invalid")
            else f"{path}: trigger needs a 'type'"
        )
        hint = "use one of: new_peer, no_reply, quiet, meeting_ended"
        if kind == "union_tag_invalid" and isinstance(error.get("ctx"), dict):
            tag = str(error["ctx"].get("tag", ""))
            close = difflib.get_close_matches(
                tag, ["new_peer", "no_reply", "quiet", "meeting_ended"], n=1
            )
            message = f"{path}: unknown trigger type {tag!r}"
            if close:
                hint = f"did you mean {close[0]!r}? (new_peer, no_reply, quiet, meeting_ended)"
    elif kind == "missing":
        message = f"{path}: required key is missing"
        hint = f"add '{loc[-1]}:'"
    else:
        message = f"{path}: {str(error['msg']).removeprefix('Value error, ')}"
        if kind == "literal_error":
            message += f" (got {error.get('input')!r})"
        hint = _type_hint(kind)
    return Problem(source, line, col, message, hint)


def _type_hint(kind: str) -> str:
    if kind.startswith(("int_", "bool_", "string_", "list_", "dict_", "model_")):
        return "check the value's type against `keepwarm rules schema`"
    return "see rules/README.md for the language, or `keepwarm rules schema`"


def _is_tag(part: int | str) -> bool:
    """pydantic adds the union member's tag (e.g. 'quiet') to locations; it is not a YAML key."""
    return isinstance(part, str) and part in ("new_peer", "no_reply", "quiet", "meeting_ended")


def _position(data: Any, loc: tuple[int | str, ...], *, key_only: bool) -> tuple[int, int]:
    """The deepest line:col we know for a validation error's location."""
    line, col = data.at if isinstance(data, _Marked) else (1, 1)
    node = data
    for part in loc:
        if _is_tag(part) and not (isinstance(node, _Marked) and part in node):
            continue
        if isinstance(node, _Marked) and str(part) in node:
            line, col = node.marks[str(part)]
            child = node[str(part)]
            if not isinstance(child, dict | list) and not key_only:
                mark = node.vmarks[str(part)]
                line, col = mark.line, mark.col
            node = child
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, _Marked):
                line, col = node.at
        else:
            break
    return line, col
