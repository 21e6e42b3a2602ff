"""Reading rule files: bytes → YAML data that remembers where every key and value starts.

The one YAML loader of the rule language. It is built on PyYAML's safe event parser (no tag
that builds objects) without its recursive composer, so a deeply nested file is a positioned
error, not a RecursionError. It also catches what YAML accepts silently but a person never
means: a key given twice, a time like `9:00` read as the number 540, `{{ … }}` read as a
mapping. Every problem carries a line, a column, a plain message and a hint.
"""

from __future__ import annotations

import codecs
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import yaml

from keepwarm.rules.yamlerrors import Issue, swallowing_quote, syntax_issue

#: Rule files nest about eight levels deep; anything past this is a mistake or an attack.
MAX_DEPTH = 50
#: Values after expanding aliases (`*name`): bounds "billion laughs" files.
MAX_VALUES = 100_000
_MERGE = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_BOOL_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})


class YamlError(Exception):
    """The file cannot be read as YAML at all; `issue` says where and why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


@dataclass(frozen=True, slots=True)
class ValueMark:
    line: int
    col: int
    #: YAML scalar style: '|' or '>' for block scalars, '"' or "'" quoted, None plain.
    style: str | None = None


class MarkedMap(dict[str, Any]):
    """A YAML mapping with the position of each key (`marks`) and value (`vmarks`)."""

    def __init__(self, at: tuple[int, int]) -> None:
        super().__init__()
        self.marks: dict[str, tuple[int, int]] = {}
        self.vmarks: dict[str, ValueMark] = {}
        self.at = at


class MarkedList(list[Any]):
    """A YAML sequence with the position of each item."""

    def __init__(self, at: tuple[int, int]) -> None:
        super().__init__()
        self.marks: list[ValueMark] = []
        self.at = at


@dataclass
class Loaded:
    #: The document, or None when the file holds no YAML value at all.
    data: Any
    #: Mistakes found while reading (the data is still returned, for more checks).
    issues: list[Issue] = field(default_factory=list)
    #: Values YAML read differently from how they look (`yes` → true, `12` → a number, an
    #: empty value → null): position → (what YAML made of it, explanation).
    quirks: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


def decode(raw: bytes) -> str:
    """The text of a rule or template file; anything but UTF-8 is a positioned `YamlError`."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            raise YamlError(
                Issue(
                    1,
                    1,
                    f"the file is {name} text, not UTF-8",
                    "save it as UTF-8 (in most editors: Save with Encoding → UTF-8)",
                )
            )
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        byte = raw[exc.start]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        looks = f" (in Windows-1252/Latin-1 that byte is {guess!r})" if guess.isprintable() else ""
        raise YamlError(
            Issue(
                line,
                col,
                f"the file is not UTF-8: byte 0x{byte:02X} cannot be read{looks}",
                "save the file as UTF-8 (in most editors: Save with Encoding → UTF-8)",
            )
        ) from None
    if "\x00" in text:
        head = text[: text.index("\x00")]
        raise YamlError(
            Issue(
                head.count("\n") + 1,
                len(head) - head.rfind("\n"),
                "the file contains NUL characters: it is not a text file",
                "rule files are UTF-8 text; check that this is the file you meant",
            )
        )
    return text


@dataclass
class _Frame:
    container: MarkedMap | MarkedList
    start: Any  # the yaml Mark where the collection starts
    flow: bool
    size: int = 1
    #: For a mapping: the key waiting for its value (text, mark, is a merge key).
    key: tuple[str, Any, bool] | None = None
    #: A flow mapping whose first key is itself a mapping: `{{ … }}` written without quotes.
    template: bool = False
    merged: set[str] = field(default_factory=set)
    anchor: str | None = None


def load(text: str, keys: Collection[str] = ()) -> Loaded:
    """Parse one YAML document; raises `YamlError` when it is not YAML at all.

    `keys` are the keys the language knows: a quoted value that runs over a line starting
    with one of them was left unclosed.
    """
    loader = yaml.SafeLoader(text)
    out = Loaded(None)
    try:
        return _build(loader, text, out, frozenset(keys))
    except yaml.MarkedYAMLError as exc:
        raise YamlError(syntax_issue(exc, text, keys)) from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, text: str, out: Loaded, keys: frozenset[str]) -> Loaded:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    total = 0
    documents = 0
    while True:
        event: Any = loader.get_event()  # type: ignore[no-untyped-call]
        start: Any = event.start_mark
        if isinstance(event, yaml.StreamEndEvent):
            return out
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(
                    Issue(
                        start.line + 1,
                        1,
                        "the file holds a second YAML document (after '---')",
                        "keep one document per file: remove the '---' line or split the file",
                    )
                )
            continue
        if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
            continue
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise YamlError(
                    Issue(
                        start.line + 1,
                        start.column + 1,
                        f"the file nests more than {MAX_DEPTH} levels deep here",
                        "rule files need a handful of levels; check for runaway brackets",
                    )
                )
            at = (start.line + 1, start.column + 1)
            is_map = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (None, "!", _MAP_TAG if is_map else _SEQ_TAG):
                raise YamlError(_tag_issue(event))
            container: MarkedMap | MarkedList = MarkedMap(at) if is_map else MarkedList(at)
            frame = _Frame(container, start, bool(event.flow_style), anchor=event.anchor)
            if is_map and stack and stack[-1].flow and isinstance(stack[-1].container, MarkedMap):
                parent = stack[-1]
                if parent.key is None and not parent.container and not parent.template:
                    parent.template = True  # `{{`: a flow mapping opening right inside another
            stack.append(frame)
            continue
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = stack.pop()
            value: Any = frame.container
            style: str | None = None
            if frame.template:
                end: Any = event.end_mark
                value = text[frame.start.index : end.index]
                style = "{"
                out.issues.append(_unquoted_template(frame.start, text))
            size, anchor, mark = frame.size, frame.anchor, frame.start
        elif isinstance(event, yaml.ScalarEvent):
            value, style = _scalar(loader, event, text, out, keys), event.style
            size, anchor, mark = 1, event.anchor, start
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise YamlError(
                    Issue(
                        start.line + 1,
                        start.column + 1,
                        f"*{event.anchor} refers to an anchor &{event.anchor} that is not "
                        "defined above it",
                        f"define '&{event.anchor}' on an earlier value, or fix the spelling",
                    )
                )
            value, size = anchors[event.anchor]
            style, anchor, mark = None, None, start
        else:  # pragma: no cover - PyYAML has no other events
            continue
        total += size
        if total > MAX_VALUES:
            raise YamlError(
                Issue(
                    mark.line + 1,
                    mark.column + 1,
                    f"the file expands to more than {MAX_VALUES} values (through *aliases)",
                    "rule files are small: repeat less through anchors and aliases",
                )
            )
        if anchor:
            anchors[anchor] = (value, size)
        if not stack:
            out.data = value
            continue
        _add(stack[-1], value, ValueMark(mark.line + 1, mark.column + 1, style), event, out, size)


def _scalar(
    loader: yaml.SafeLoader, event: Any, text: str, out: Loaded, keys: frozenset[str]
) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == _MERGE:
        return event.value
    if not str(tag).startswith("tag:yaml.org,2002:"):
        raise YamlError(_tag_issue(event))
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    value = loader.construct_object(node)
    at = (event.start_mark.line + 1, event.start_mark.column + 1)
    swallowed = swallowing_quote(text, event.start_mark, event.end_mark, event.style, keys)
    if swallowed is not None:
        out.issues.append(swallowed)
    if event.style is None and tag in _NUMBER_TAGS and ":" in event.value:
        out.issues.append(
            Issue(
                *at,
                f"{event.value} is not quoted, so YAML reads it as the number {value} "
                "(a base-60 number, like minutes:seconds)",
                f'write times in quotes with two-digit hours: "{_padded(event.value)}"',
            )
        )
        return event.value
    if event.style is None and tag == "tag:yaml.org,2002:bool":
        if event.value.lower() in _BOOL_WORDS:
            word = "true" if value else "false"
            out.quirks[at] = ("bool", f"YAML reads an unquoted {event.value} as {word}")
    elif event.style is None and tag == "tag:yaml.org,2002:null":
        out.quirks[at] = (
            "null",
            "the value is empty" if not event.value else "YAML reads it as null",
        )
    elif event.style is None and tag in _NUMBER_TAGS:
        out.quirks[at] = ("number", f"YAML reads an unquoted {event.value} as a number")
    return value


def _padded(value: str) -> str:
    hours, _, rest = value.partition(":")
    return f"{hours.zfill(2)}:{rest}"


def _add(frame: _Frame, value: Any, mark: ValueMark, event: Any, out: Loaded, size: int) -> None:
    frame.size += size
    if isinstance(frame.container, MarkedList):
        frame.container.append(value)
        frame.container.marks.append(mark)
        return
    mapping = frame.container
    if frame.key is None:
        if isinstance(value, dict | list) or frame.template:
            if not frame.template:
                out.issues.append(
                    Issue(
                        mark.line,
                        mark.col,
                        "a key must be plain text, not a list or a mapping",
                        "write 'key: value'; quote text that starts with '[' or '{'",
                    )
                )
            frame.key = ("", event.start_mark, False)
            return
        tag = getattr(event, "tag", None)
        merge = bool(
            isinstance(event, yaml.ScalarEvent)
            and event.style is None
            and event.value == "<<"
            and tag in (None, "!", _MERGE)
        )
        frame.key = (str(value), event.start_mark, merge)
        return
    key, key_mark, merge = frame.key
    frame.key = None
    if frame.template:
        return
    if merge:
        for source in value if isinstance(value, list) else [value]:
            if isinstance(source, MarkedMap):
                for k, v in source.items():
                    if k not in mapping:
                        mapping[k], frame.merged = v, frame.merged | {k}
                        mapping.marks[k], mapping.vmarks[k] = source.marks[k], source.vmarks[k]
        return
    at = (key_mark.line + 1, key_mark.column + 1)
    if key in mapping and key not in frame.merged:
        out.issues.append(
            Issue(
                *at,
                f"'{key}' appears twice in this mapping (first on line {mapping.marks[key][0]}); "
                "YAML would silently keep only the last one",
                f"remove one of the two '{key}:' lines (or merge what they say into one)",
            )
        )
    frame.merged.discard(key)
    mapping[key] = value
    mapping.marks[key] = at
    mapping.vmarks[key] = mark


def _unquoted_template(start: Any, text: str) -> Issue:
    line = text.splitlines()[start.line] if text else ""
    value = line[start.column :].strip()
    key = line[: start.column].strip()
    quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
    return Issue(
        start.line + 1,
        start.column + 1,
        f"this value starts with '{value[:2]}', which YAML reads as the start of a mapping, "
        "not as text: a template at the start of a value must be quoted",
        f"put the whole value in quotes: {key} {quoted}".replace("  ", " "),
    )


def _tag_issue(event: Any) -> Issue:
    return Issue(
        event.start_mark.line + 1,
        event.start_mark.column + 1,
        f"YAML tags such as {str(event.tag).replace('tag:yaml.org,2002:', '!!')!r} are not "
        "allowed in rule files",
        "remove the tag: rule files hold plain text, numbers, lists and mappings",
    )
