"""YAML syntax errors in plain words, at the place the mistake was made.

PyYAML reports where it gave up ("found unexpected end of stream" on the last line); a person
needs where the problem starts (the quote or bracket that was never closed), what it means,
and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Issue:
    line: int
    col: int
    message: str
    hint: str


#: A value that starts with `{{` or `{%` after `key:` or `- ` (not quoted).
_TEMPLATE_VALUE = re.compile(r"^(\s*(?:-\s+)*(?:[^\s#'\"{:][^#:]*:\s+)?)(\{[{%])")
_KEY = re.compile(r"^\s*(?:-\s+)*([^\s#'\"{:][^#:]*):\s")
#: A line that looks like `key: …` (swallowed by a quote that was never closed).
_KEY_LINE = re.compile(r"\n\s*(?:-\s+)?([A-Za-z_][\w-]*):(?:\s|$)")
_CLOSERS = {"[": "]", "{": "}"}


def _at(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def syntax_issue(exc: yaml.MarkedYAMLError, text: str, keys: Collection[str] = ()) -> Issue:
    """The one issue to report for a YAML syntax error (`keys`: the language's known keys)."""
    lines = text.splitlines()
    problem, context = exc.problem or "", exc.context or ""
    pm, cm = exc.problem_mark, exc.context_mark
    swallowed = _first_swallowing_quote(text, keys)
    if swallowed is not None:
        return swallowed
    for mark in (cm, pm):
        template = _unquoted_template(lines, mark)
        if template is not None:
            return template
    tab = _tab(lines, pm, problem)
    if tab is not None:
        return tab
    if "quoted scalar" in context and "end of stream" in problem:
        quote = _char(lines, cm) or '"'
        inside = "''" if quote == "'" else '\\"'
        return Issue(
            *_at(cm),
            f"the {quote} opened here is never closed",
            f"end the value with {quote}; to write {quote} inside it, type {inside}",
        )
    if "unknown escape character" in problem:
        return Issue(
            *_at(pm),
            f"{problem.removeprefix('found unknown escape character ')} after a backslash is "
            "not an escape YAML knows inside double quotes",
            "write text with backslashes (regular expressions) in single quotes: '\\d+'",
        )
    if "flow sequence" in context or "flow mapping" in context:
        opener = _char(lines, cm) or ("[" if "sequence" in context else "{")
        closer = _CLOSERS.get(opener, "]")
        found = problem.rpartition("but got ")[2] or problem
        return Issue(
            *_at(cm),
            f"the '{opener}' opened here is never closed (YAML found {found} on line "
            f"{_at(pm)[0]} where it expected ',' or '{closer}')",
            f"close it with '{closer}' on the same line, and separate items with ','",
        )
    if "mapping values are not allowed" in problem:
        key = _key(lines, pm)
        line = lines[pm.line] if pm is not None and pm.line < len(lines) else ""
        value = line.partition(f"{key}:")[2].strip() if key else ""
        quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
        return Issue(
            *_at(pm),
            "': ' inside a value starts a new key for YAML, so this value is cut in two",
            f"put the whole value in quotes: {key}: {quoted}" if key else "quote the value",
        )
    if "could not find expected ':'" in problem:
        return Issue(
            *_at(cm),
            "this line is neither 'key: value' nor a list item '- …'",
            "add ':' after the key (or indent the line to continue the value above)",
        )
    if "undefined alias" in problem:
        name = problem.rpartition(" ")[2]
        return Issue(
            *_at(pm),
            f"*{name.strip(chr(39))} refers to an anchor that is not defined above it",
            "define the anchor (&name) on an earlier value, or fix the spelling",
        )
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
        return Issue(
            *_at(pm),
            f"a value cannot start with {char} unless it is quoted",
            'put the value in quotes: "…"',
        )
    if "could not determine a constructor" in problem:
        return Issue(
            *_at(pm),
            "YAML tags such as '!!python/…' are not allowed in rule files",
            "remove the tag: rule files hold plain text, numbers, lists and mappings",
        )
    if problem.startswith("expected <block end>"):
        return _block_end(lines, pm)
    return Issue(
        *_at(pm or cm),
        f"YAML syntax error: {problem or context}",
        "check indentation (spaces only), colons and quotes; quote values that contain ': '",
    )


def _char(lines: list[str], mark: Any) -> str:
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return str(lines[mark.line][mark.column])


def _key(lines: list[str], mark: Any) -> str:
    if mark is None or mark.line >= len(lines):
        return ""
    found = _KEY.match(lines[mark.line])
    return str(found.group(1)).strip() if found else ""


def _unquoted_template(lines: list[str], mark: Any) -> Issue | None:
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    found = _TEMPLATE_VALUE.match(line)
    if found is None:
        return None
    col = found.start(2)
    value = line[col:].rstrip()
    key = _key(lines, mark)
    quoted = f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'"
    return Issue(
        mark.line + 1,
        col + 1,
        f"this value starts with '{found.group(2)}', which YAML reads as the start of a "
        "mapping, not as text: a template at the start of a value must be quoted",
        f"put the whole value in quotes: {key + ': ' if key else ''}{quoted}",
    )


def _tab(lines: list[str], mark: Any, problem: str) -> Issue | None:
    if mark is None:
        return None
    for number in range(min(mark.line, len(lines) - 1), -1, -1):
        line = lines[number]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and (number == mark.line or "'\\t'" in problem):
            return Issue(
                number + 1,
                indent.index("\t") + 1,
                "a tab is used for indentation here; YAML indents with spaces only",
                "replace the tab with spaces (set your editor to insert spaces for Tab)",
            )
        if number < mark.line - 1:
            break
    return None


def _block_end(lines: list[str], mark: Any) -> Issue:
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    before = line[: mark.column].rstrip() if mark is not None else ""
    if before.endswith(('"', "'")):
        quote = before[-1]
        inside = "''" if quote == "'" else '\\"'
        return Issue(
            *_at(mark),
            f"text follows the closing {quote} of a quoted value",
            f"to write {quote} inside a {quote}-quoted value type {inside}, or quote the "
            f"value with the other kind of quote",
        )
    return Issue(
        *_at(mark),
        "this line is not indented like the keys around it",
        "indent it exactly like the other keys of its block, with spaces",
    )


def swallowing_quote(
    text: str, start: Any, end: Any, style: str | None, keys: Collection[str]
) -> Issue | None:
    """A quoted value that runs over a line like `subject: …` (a known key): its quote was not
    closed where the person meant, and YAML read on to the next quote character."""
    if style not in ('"', "'") or start.line == end.line:
        return None
    inside = text[start.index : end.index]
    if not any(found.group(1) in keys for found in _KEY_LINE.finditer(inside)):
        return None
    return Issue(
        start.line + 1,
        start.column + 1,
        f"the {style} opened here is not closed on its line, so YAML reads everything up to "
        f"the next {style} (line {end.line + 1}) as one value",
        f"end the value with {style} on this line; to write {style} inside it, type "
        + ("''" if style == "'" else '\\"'),
    )


def _first_swallowing_quote(text: str, keys: Collection[str]) -> Issue | None:
    """Scan up to a syntax error for a quoted value that swallowed the lines after it."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken):
                found = swallowing_quote(text, token.start_mark, token.end_mark, token.style, keys)
                if found is not None:
                    return found
    except yaml.MarkedYAMLError:
        return None
    return None
