"""pydantic validation errors → what a person reads: what is wrong here, and what to write.

The vocabulary (trigger types, known keys, where each key belongs) comes from the models and
the trigger registry, so the hints never fall behind the language.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from keepwarm.rules.registry import REGISTRY, TRIGGER_TYPES
from keepwarm.rules.schema import (
    KNOWN_KEYS,
    DraftTemplate,
    MeetingWhen,
    Policies,
    Rule,
    RuleFile,
    When,
    Window,
)
from keepwarm.rules.values import DurationRange, Range

_DURATION_KEYS = frozenset(
    {"for", "until", "within", "after", "expires_after", "cooldown", "recent_inbound"}
)
_DURATION_HINT = (
    "a duration is a whole number and a unit: m (minutes), h (hours), d (days), w (weeks); "
    "'after' also takes wd (working days)"
)
_HINTS = {
    "until": "make until longer than for (e.g. for: 14d, until: 28d), or remove until",
    "end": 'e.g. window: {start: "09:00", end: "17:30"} (times in quotes)',
    "start": 'write times in quotes, e.g. start: "09:00"',
    "title_matches": "fix the pattern (it is a Python regular expression), or use "
    "title_contains for plain words",
    "organiser": "e.g. organiser: [owner], [person], [grace@navylabs.example] or "
    "['@partner.example']",
    "fields": "e.g. fields: {role: [investor, advisor]}",
    "days": "e.g. days: [mon, tue, wed, thu, fri]",
    "draft": "keep either body: (the text inline) or body_template: (a file in rules/templates/)",
    "date": "e.g. date: first_met, date: first_seen, or date: fields.birthday",
}


def _homes() -> dict[str, list[str]]:
    """Key → the blocks where it may be written (for a key written in the wrong place)."""
    places: list[tuple[Any, str]] = [
        (RuleFile, "the top level"),
        (Rule, "a rule"),
        (When, "when:"),
        (MeetingWhen, "when: meeting:"),
        (Window, "window:"),
        (DraftTemplate, "draft:"),
        (Policies, "policies:"),
        (Range, "a {min, max} range"),
        (DurationRange, "a {min, max} range"),
        *((spec.model, f"trigger: (type: {name})") for name, spec in REGISTRY.items()),
    ]
    homes: dict[str, list[str]] = {}
    for model, label in places:
        for name, info in model.model_fields.items():
            homes.setdefault(info.alias or name, []).append(label)
    return homes


_HOMES = _homes()


def is_union_tag(part: int | str) -> bool:
    """pydantic adds the union member's tag (e.g. 'quiet') to locations; it is not a YAML key."""
    return isinstance(part, str) and part in REGISTRY


def describe(error: Any) -> tuple[str, str]:
    """(message, hint) for one pydantic error."""
    loc: tuple[int | str, ...] = error["loc"]
    path = ".".join(str(p) for p in loc if not is_union_tag(p))
    kind, last = error["type"], str(loc[-1]) if loc else ""
    got = error.get("input")
    if kind == "extra_forbidden":
        return f"{path}: unknown key {last!r}", _unknown_key_hint(last)
    if kind == "union_tag_invalid":
        tag = str((error.get("ctx") or {}).get("tag", got))
        close = difflib.get_close_matches(tag, TRIGGER_TYPES, n=1)
        known = ", ".join(TRIGGER_TYPES)
        guess = f"did you mean {close[0]!r}? " if close else ""
        return f"{path}: unknown trigger type {tag!r}", f"{guess}(trigger types: {known})"
    if kind == "union_tag_not_found":
        return f"{path}: trigger needs a 'type'", f"add 'type:', one of {', '.join(TRIGGER_TYPES)}"
    if kind == "missing":
        example = {"for": " e.g. for: 90d", "date": " e.g. date: first_met"}.get(last, "")
        return f"{path}: required key is missing", f"add '{last}:'{example}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(str(got), expected, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{path}: {message} (got {got!r})", f"{hint}write one of: {', '.join(expected)}"
    if kind == "string_pattern_mismatch":
        return _pattern(path, last, got)
    text = str(error["msg"]).removeprefix("Value error, ")
    message = f"{path}: {text}" if path else text
    if kind == "value_error":
        if not path:
            return message, "list rules under 'rules:' (each with a name, a trigger and a draft)"
        if last in _HINTS:
            return message, _HINTS[last]
        if last in ("min", "max") and "nothing can match" in message:
            return message, "make max at least min (or swap them)"
        if last in _DURATION_KEYS or last in ("min", "max"):
            return message, _DURATION_HINT
        return message, "see rules/README.md for what to write here"
    return f"{message} (got {_shown(got)})", _type_hint(kind, last)


def _unknown_key_hint(key: str) -> str:
    homes = _HOMES.get(key)
    if homes:
        return f"'{key}' belongs under {' or '.join(sorted(set(homes)))}; check its indentation"
    close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "remove it; `keepwarm rules schema` lists every key"


def _pattern(path: str, key: str, got: Any) -> tuple[str, str]:
    if key == "body_template":
        name = str(got).replace("\\", "/").rpartition("/")[2]
        return (
            f"{path}: {got!r} is not a template name: template names are file names inside "
            "rules/templates/, without a folder",
            f"write body_template: {name}" if name else "write e.g. body_template: check-in.txt",
        )
    if key == "name":
        slug = re.sub(r"[^a-z0-9_-]+", "-", str(got).lower()).strip("-_") or "my-rule"
        return (
            f"{path}: {got!r} is not a rule name: use lower-case letters, digits, '-' and '_'",
            f"e.g. name: {slug}",
        )
    if key == "date":
        options = ["first_seen", "first_met", f"fields.{got}"]
        close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
        guess = f"did you mean {close[0]!r}? " if close else ""
        return (
            f"{path}: {got!r} is not a date to count years from",
            f"{guess}write first_seen, first_met, or fields.NAME (a date set with "
            "`keepwarm peers set ADDRESS NAME=YYYY-MM-DD`)",
        )
    return f"{path}: {got!r} does not have the expected form", "see rules/README.md"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _type_hint(kind: str, key: str) -> str:
    if kind.startswith("int_"):
        return f"write a whole number, e.g. {key}: 10"
    if kind.startswith("bool_"):
        return f"write true or false, e.g. {key}: true"
    if kind == "string_too_long":
        return f"shorten {key}"
    if kind.startswith("string_"):
        return "write text (quote it if it starts with a special character)"
    if kind.startswith("list_"):
        return f"write a list: {key}: [a, b] or one '- item' per line under it"
    if kind.startswith(("dict_", "model_")):
        return f"write a mapping: 'key: value' lines indented under {key}:"
    if kind.startswith("time_"):
        return f'write the time as "HH:MM" in quotes, e.g. {key}: "09:00"'
    if kind.startswith("date_"):
        return "write dates as YYYY-MM-DD, e.g. 2026-12-25"
    if kind in ("greater_than_equal", "greater_than"):
        return "use 0 or more"
    if kind == "too_short":
        return f"{key} cannot be empty"
    return "see rules/README.md for the language, or `keepwarm rules schema`"
