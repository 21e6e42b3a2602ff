"""`peers tag`, `peers untag`, `peers set`: what the owner knows about people, for the rules.

Tags and fields are stored (person_notes) and reach rules as `person.tags` / `person.fields`
(`when: {tags: [...]}`, `when: {fields: {...}}`, templates, `yearly` dates). A person's tags are
these plus the `policies.tags` entries that cover them — computed in one place,
`keepwarm.rules.conditions.person_tags`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from keepwarm.errors import ConfigError, NotFound, RuleError
from keepwarm.rules.schema import FIELD_NAME, TAG_NAME
from keepwarm.rules.triggers import YearlyTrigger, stored_date
from keepwarm.services.people import target_of
from keepwarm.services.rulesio import load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store import notes
from keepwarm.store.changes import mark_redraft
from keepwarm.store.people import all_addresses, find_person

MAX_VALUE = 500


@dataclass(frozen=True)
class NotesResult:
    target: str
    changed: bool
    tags: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    #: Why nothing changed, when that needs saying.
    note: str = ""


def tag(ws: Workspace, value: str, name: str) -> NotesResult:
    """Give an address (its person) or every address of a `@domain` a tag."""
    target, wanted = target_of(value), _tag(name)
    with ws.session() as session:
        key = _person_key(session, target)
        changed = notes.add_tag(session, target=key, tag=wanted, now=ws.settings.now())
        return _result(session, key, changed)


def untag(ws: Workspace, value: str, name: str) -> NotesResult:
    """Take a tag away; says so when it comes from `policies.tags` (edit the rule file)."""
    target, wanted = target_of(value), _tag(name)
    with ws.session() as session:
        key = _person_key(session, target)
        changed = notes.remove_tag(session, targets=_spellings(session, key), tag=wanted)
        result = _result(session, key, changed)
    if not changed:
        from_policies = _policy_tag(ws, key, wanted)
        note = (
            f"{wanted!r} comes from policies.tags in the rule files: remove it there"
            if from_policies
            else f"{key} has no tag {wanted!r}"
        )
        return NotesResult(result.target, False, result.tags, result.fields, note)
    return result


def set_fields(ws: Workspace, value: str, pairs: list[str]) -> NotesResult:
    """`key=value` pairs on one person (an empty value clears the field)."""
    target = target_of(value, domains=False)
    parsed = [_pair(p) for p in pairs]
    if not parsed:
        raise ConfigError("give at least one field as NAME=VALUE, e.g. role=investor")
    _check_dates(ws, parsed)
    with ws.session() as session:
        key = _person_key(session, target)
        spellings = _spellings(session, key)
        for name, text in parsed:
            notes.set_field(
                session, targets=spellings, name=name, value=text, now=ws.settings.now()
            )
        return _result(session, key, True)


def _tag(name: str) -> str:
    wanted = name.strip().lower()
    if not re.match(TAG_NAME, wanted) or len(wanted) > 100:
        raise ConfigError(
            f"{name!r} is not a tag: use lower-case letters, digits, '-', '_' and '.', "
            "e.g. investor or do-not-contact"
        )
    return wanted


def _pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    name = name.strip().lower()
    if not equals or not re.match(FIELD_NAME, name) or len(name) > 100:
        raise ConfigError(
            f"{text!r} is not NAME=VALUE (a name is lower-case letters, digits and '_', starting "
            "with a letter), e.g. role=investor or first_met=2019-03-14"
        )
    value = value.strip()
    if any(ord(c) < 32 or c in "\x7f\x85\u2028\u2029" for c in value):
        raise ConfigError(f"the value of {name} holds a control character or a line break")
    if len(value) > MAX_VALUE:
        raise ConfigError(f"the value of {name} is longer than {MAX_VALUE} characters")
    return name, value


def _check_dates(ws: Workspace, pairs: list[tuple[str, str]]) -> None:
    """A field a `yearly` rule counts from must hold a date it can read."""
    try:
        rules = load_rules(ws.settings.rules_path).rules
    except RuleError:
        return  # no rules folder: nothing reads the field yet
    dated = {
        loaded.rule.trigger.date.removeprefix("fields."): loaded.rule.name
        for loaded in rules
        if isinstance(loaded.rule.trigger, YearlyTrigger)
    }
    for name, value in pairs:
        if value and name in dated and stored_date(value) is None:
            raise ConfigError(
                f"{name}={value!r}: rule {dated[name]!r} counts years from {name}, so it must "
                "be a date: YYYY-MM-DD (e.g. 1990-05-17), or MM-DD for every year"
            )


def _person_key(session: Session, target: str) -> str:
    """The stored target for an address (its person's key) or a `@domain` (as is)."""
    if len(target) > 320:
        raise ConfigError(f"{target[:40]}… is longer than an address can be (320 characters)")
    if target.startswith("@"):
        return target
    person = find_person(session, address=target)
    if person is None:
        raise NotFound(
            f"{target} does not appear in any synced interaction; check the spelling, or run "
            "`keepwarm sync` first"
        )
    return person.key


def _spellings(session: Session, key: str) -> list[str]:
    """Every address of the person whose key this is (notes may sit on any of them)."""
    if key.startswith("@"):
        return [key]
    person = find_person(session, address=key)
    if person is None:
        return [key]
    return [key, *(a for a in all_addresses(session, person.id) if a != key)]


def _result(session: Session, key: str, changed: bool) -> NotesResult:
    session.flush()
    if changed:  # tags and fields are rule conditions: the next drafting pass looks again
        mark_redraft(session, [key])
    current = notes.notes_of(session, _spellings(session, key))
    return NotesResult(key, changed, sorted(current.tags), dict(sorted(current.fields.items())))


def _policy_tag(ws: Workspace, key: str, wanted: str) -> bool:
    try:
        policies = load_rules(ws.settings.rules_path).policies
    except RuleError:
        return False
    return wanted in policies.tags_of((key,)) if not key.startswith("@") else False
