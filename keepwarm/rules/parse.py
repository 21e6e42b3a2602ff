"""Reading rule files: YAML text → validated rules, every problem as `file:line:col: message`.

YAML comes from yamlload (positions for every key and value); the models from schema.py.
Each pydantic error is turned into a plain message at the spot it concerns, with a hint
(pydanticerrors.py says what to write instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from keepwarm.errors import RuleError
from keepwarm.rules.pydanticerrors import describe, is_union_tag
from keepwarm.rules.schema import KNOWN_KEYS, Policies, Rule, RuleFile
from keepwarm.rules.yamlerrors import Issue
from keepwarm.rules.yamlload import Loaded, MarkedList, MarkedMap, ValueMark, YamlError, load

Severity = Literal["error", "warning"]
#: Top-level keys starting with this are ignored: they hold shared parts for YAML anchors.
EXTENSION = "x-"


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    col: int
    message: str
    hint: str = ""
    #: Errors leave the file out; warnings are reported and the file is used.
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        text = f"{self.source}:{self.line}:{self.col}: {label}{self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "column": self.col,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


def from_issue(source: str, issue: Issue, severity: Severity = "error") -> Problem:
    return Problem(source, issue.line, issue.col, issue.message, issue.hint, severity)


@dataclass
class ParsedFile:
    source: str
    rules: list[Rule] = field(default_factory=list)
    policies: Policies | None = None
    problems: list[Problem] = field(default_factory=list)
    #: Raw mapping per rule (with marks), to position template and name problems.
    raw: list[Any] = field(default_factory=list)
    #: The whole document with marks (for problems found after validation).
    data: Any = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def parse_file(text: str, source: str) -> ParsedFile:
    """Parse one rule file, collecting every problem instead of stopping at the first."""
    parsed = ParsedFile(source)
    try:
        loaded = load(text, KNOWN_KEYS)
    except YamlError as exc:
        parsed.problems.append(from_issue(source, exc.issue))
        return parsed
    parsed.problems.extend(from_issue(source, issue) for issue in loaded.issues)
    data = parsed.data = loaded.data
    shape = _shape_problem(text, data)
    if shape is not None:
        parsed.problems.append(from_issue(source, shape))
        return parsed
    for key in [k for k in data if k.startswith(EXTENSION)]:
        del data[key]  # a place for YAML anchors (`x-common: &common …`), not rules
    try:
        model = RuleFile.model_validate(data)
    except ValidationError as exc:
        taken = {(p.line, p.col) for p in parsed.problems}
        for error in _root_causes(exc.errors()):
            problem = _problem(loaded, error, source)
            if (problem.line, problem.col) not in taken:
                parsed.problems.append(problem)
        parsed.problems.sort(key=lambda p: (p.line, p.col))
        return parsed
    parsed.rules, parsed.policies = list(model.rules), model.policies
    parsed.raw = list(data.get("rules") or [])
    _duplicates(parsed)
    return parsed


def _shape_problem(text: str, data: Any) -> Issue | None:
    """The file as a whole is not a mapping: say what it is instead."""
    if isinstance(data, MarkedMap):
        return None
    start = "start the file with a line 'rules:' and list the rules under it (see rules/README.md)"
    if data is None:
        if not text.strip():
            return Issue(1, 1, "the file is empty", start)
        if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
            return Issue(1, 1, "the file has only comments, no rules", start)
        return Issue(1, 1, "the file holds no value (only 'null' or '~')", start)
    if isinstance(data, MarkedList):
        return Issue(
            *data.at,
            "the file is a list, but a rule file is a mapping with a 'rules:' key",
            "add a line 'rules:' above the list and indent the list under it",
        )
    what = "text" if isinstance(data, str) else f"a single value ({data!r})"
    return Issue(
        1, 1, f"the file is just {what}, but a rule file is a mapping with a 'rules:' key", start
    )


def _root_causes(errors: list[Any]) -> list[Any]:
    """Drop "required key is missing" when the same key is written one level off (it is the
    unknown key there): one mistake, one message."""
    misplaced = {
        (error["loc"][:2], error["loc"][-1])
        for error in errors
        if error["type"] == "extra_forbidden"
    }
    return [
        error
        for error in errors
        if not (error["type"] == "missing" and (error["loc"][:2], error["loc"][-1]) in misplaced)
    ]


def parse_rules(text: str, source: str) -> list[Rule]:
    """Parse one rule file. Raises `RuleError` listing every error with its position."""
    parsed = parse_file(text, source)
    if parsed.errors:
        raise RuleError("\n".join(str(p) for p in parsed.errors))
    return parsed.rules


def name_position(parsed: ParsedFile, index: int) -> tuple[int, int]:
    raw = parsed.raw[index] if index < len(parsed.raw) else None
    return _name_at(raw) if isinstance(raw, MarkedMap) else (1, 1)


def _name_at(raw: MarkedMap) -> tuple[int, int]:
    mark = raw.vmarks.get("name")
    return (mark.line, mark.col) if mark else raw.at


def value_mark(parsed: ParsedFile, index: int, *keys: str) -> ValueMark:
    """Where `rules[index].<keys…>` starts (falls back to the nearest enclosing mapping)."""
    node = parsed.raw[index] if index < len(parsed.raw) else None
    at = node.at if isinstance(node, MarkedMap) else (1, 1)
    found = ValueMark(at[0], at[1], None)
    for key in keys:
        if not isinstance(node, MarkedMap) or key not in node:
            break
        found = node.vmarks[key]
        node = node[key]
    return found


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


def _problem(loaded: Loaded, error: Any, source: str) -> Problem:
    loc: tuple[int | str, ...] = error["loc"]
    kind = error["type"]
    where = (*loc, "type") if kind == "union_tag_invalid" else loc
    line, col = position(loaded.data, where, key_only=kind == "extra_forbidden")
    message, hint = describe(error)
    what, quirk = loaded.quirks.get((line, col), ("", ""))
    if what == "null" and error.get("input") is None:
        message = message.replace("(got None)", "(the value is empty)")
    elif what and kind.startswith(("string_", "literal_")):
        hint = f"{quirk}; {hint}" if hint else quirk
    return Problem(source, line, col, message, hint)


def position(data: Any, loc: tuple[int | str, ...], *, key_only: bool = False) -> tuple[int, int]:
    """The deepest line:col we know for a location (`key_only`: the key, not its value)."""
    line, col = data.at if isinstance(data, MarkedMap | MarkedList) else (1, 1)
    node = data
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if is_union_tag(part) and not (isinstance(node, MarkedMap) and part in node):
            continue
        if isinstance(node, MarkedMap) and str(part) in node:
            line, col = node.marks[str(part)]
            child = node[str(part)]
            if not (key_only and last) and not isinstance(child, MarkedMap | MarkedList):
                mark = node.vmarks[str(part)]
                line, col = mark.line, mark.col
            node = child
        elif isinstance(node, MarkedList) and isinstance(part, int) and part < len(node):
            mark = node.marks[part]
            line, col = mark.line, mark.col
            node = node[part]
        else:
            break
    return line, col
