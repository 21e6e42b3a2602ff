"""The rule language as pydantic models (DESIGN.md §6). Unknown keys are errors, not ignored.

Conditions are data (`when:`), never code: each field is a list of accepted values or a range,
so a rule file can be validated completely before anything runs. Trigger models live in
triggers.py and are listed by the registry; value types (durations, ranges) in values.py.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from keepwarm.rules.registry import TRIGGER_MODELS
from keepwarm.rules.triggers import (
    ALL_SOURCES,
    MeetingEndedTrigger,
    NewPeerTrigger,
    NoReplyTrigger,
    QuietTrigger,
    ReplyOwedTrigger,
    Source,
    TriggerBase,
    YearlyTrigger,
)
from keepwarm.rules.values import (
    Delay,
    DelayField,
    Duration,
    DurationRange,
    Range,
    parse_delay,
    parse_duration,
)
from keepwarm.rules.values import Strict as _Strict

__all__ = [
    "ALL_SOURCES", "Delay", "Duration", "DurationRange", "MeetingEndedTrigger", "NewPeerTrigger",
    "NoReplyTrigger", "QuietTrigger", "Range", "ReplyOwedTrigger", "Source", "YearlyTrigger",
    "parse_delay", "parse_duration",
]  # fmt: skip

StageName = Literal["seeded", "watered", "growing", "established", "dormant"]
ClassName = Literal[
    "self", "colleague", "automated", "role", "personal-domain", "resource", "blocked", "peer",
    "candidate",
]  # fmt: skip

if TYPE_CHECKING:
    Trigger = TriggerBase
else:  # the discriminated union of every registered trigger model
    Trigger = Annotated[Union[TRIGGER_MODELS], Field(discriminator="type")]  # noqa: UP007

#: A field name set with `keepwarm peers set ADDRESS NAME=value`.
FIELD_NAME = r"^[a-z][a-z0-9_]*$"
TAG_NAME = r"^[a-z0-9][a-z0-9_.-]*$"


class MeetingWhen(_Strict):
    """Conditions on the triggering meeting; the block holds only for a meeting."""

    #: Any of these appears in the title (case-insensitive).
    title_contains: list[str] | None = None
    #: A regular expression found in the title (case-insensitive; checked by `rules check`).
    title_matches: str | None = None
    #: Who organised it: `owner` (you), `person` (them), an address or an `@domain`.
    organiser: list[str] | None = None
    #: How many people attended besides you (rooms not counted): `{min: 1, max: 3}`.
    attendees: Range | None = None
    #: Any of these appears in the meeting's location (case-insensitive).
    location_contains: list[str] | None = None

    @field_validator("title_matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(ord(c) < 32 for c in value):
            raise ValueError(
                f"{value!r} contains a control character: in double quotes YAML reads \\b, "
                "\\t, … as escapes; write the pattern in single quotes"
            )
        try:
            re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from None
        return value

    @field_validator("organiser")
    @classmethod
    def _who(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        out = []
        for value in values:
            v = value.strip().lower()
            if v not in ("owner", "person") and not re.match(r"^[^@\s]*@[^@\s]+$", v):
                raise ValueError(f"{value!r} is not 'owner', 'person', an address or an @domain")
            out.append(v)
        return out


class When(_Strict):
    """Conditions, all of which must hold. Lists mean "any of"; `not` negates a nested block."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    stage: list[StageName] | None = None
    classification: list[ClassName] = Field(default_factory=lambda: ["peer"])  # type: ignore[arg-type]
    organisation: list[str] | None = None
    domain: list[str] | None = None
    #: Any listed tag is the person's (`keepwarm peers tag`, or `policies.tags`).
    tags: list[str] | None = None
    #: Fields set with `keepwarm peers set`: name → accepted values ("" matches "not set").
    fields: dict[str, list[str]] | None = None
    account: list[str] | None = None
    source: list[Source] | None = None
    meeting_size: Range | None = None
    #: Conditions on the triggering meeting (title, organiser, attendees, location).
    meeting: MeetingWhen | None = None
    interactions: Range | None = None
    #: Time since the last contact either way, e.g. `{min: 365d}`.
    since_last_contact: DurationRange | None = None
    negate: When | None = Field(default=None, alias="not")

    @field_validator("fields")
    @classmethod
    def _field_names(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for name in value or {}:
            if not re.match(FIELD_NAME, name):
                raise ValueError(
                    f"{name!r} is not a field name: lower-case letters, digits and '_', "
                    "starting with a letter"
                )
        return value


class Window(_Strict):
    """Business hours in the owner's time zone; due times outside them move to the next slot."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"]  # type: ignore[arg-type]
    )
    start: time = time(9, 0)
    end: time = time(17, 30)

    @field_validator("days")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("window needs at least one day")
        return value

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError(f"window end ({value:%H:%M}) must be after start ({start:%H:%M})")
        return value


class DraftTemplate(_Strict):
    subject: str = Field(min_length=1)
    body: str | None = Field(default=None, min_length=1)
    #: A file in rules/templates/ used as the body instead of an inline `body`.
    body_template: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")
    reply_in_thread: bool = False

    @model_validator(mode="after")
    def _one_body(self) -> DraftTemplate:
        if (self.body is None) == (self.body_template is None):
            raise ValueError("give exactly one of 'body' (inline) or 'body_template' (a file)")
        return self


class Rule(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)
    description: str = ""
    enabled: bool = True
    trigger: Trigger
    when: When = Field(default_factory=When)
    after: DelayField = Delay()
    window: Window | None = Field(default_factory=Window)
    expires_after: Duration | None = timedelta(days=21)
    cooldown: Duration | None = None
    priority: int = 0
    draft: DraftTemplate


class Policies(_Strict):
    """Rules that hold across every rule, in one place."""

    one_pending_per_person: bool = True
    daily_cap: int | None = Field(default=20, ge=0)
    #: No follow-up to someone who wrote to the owner within this span (it waits, then resumes).
    recent_inbound: Duration | None = timedelta(days=3)
    holidays: list[date] = Field(default_factory=list)
    #: A follow-up whose due time passed longer ago than this when it would be created (a first
    #: sync over old mail) is not created; a rule's own `expires_after` applies when shorter.
    stale_after: Duration = timedelta(days=21)
    #: Tags for `when: {tags: [...]}`: tag → addresses or domains (a domain covers subdomains).
    #: They add to the tags set with `keepwarm peers tag`.
    tags: dict[str, list[str]] = Field(default_factory=dict)
    #: People matching any of these blocks get no draft from any rule.
    exclude: list[When] = Field(default_factory=list)

    @field_validator("tags")
    @classmethod
    def _lower_tags(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {tag.strip().lower(): members for tag, members in value.items()}

    def tags_of(self, addresses: tuple[str, ...]) -> frozenset[str]:
        """The tags whose members include one of these addresses or their domains."""
        found = set()
        for tag, members in self.tags.items():
            for address in addresses:
                domain = address.rpartition("@")[2]
                if any(
                    m.lower() == address or m.lower() == domain or domain.endswith("." + m.lower())
                    for m in members
                ):
                    found.add(tag)
                    break
        return frozenset(found)


class RuleFile(_Strict):
    rules: list[Rule] = Field(default_factory=list)
    policies: Policies | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> RuleFile:
        if not self.rules and self.policies is None:
            raise ValueError("a rule file needs a 'rules:' list (or a 'policies:' block)")
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, for editors (`keepwarm rules schema`)."""
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "keepwarm rule file"
    return schema


def _models(model: type[Any]) -> set[type[Any]]:
    """A model and every model its fields mention, for the list of known keys."""
    found = {model}
    for info in model.model_fields.values():
        for inner in _mentioned(info.annotation):
            if inner not in found and isinstance(inner, type) and hasattr(inner, "model_fields"):
                found |= _models(inner)
    return found


def _mentioned(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", ())
    return [annotation, *(a for arg in args for a in _mentioned(arg))]


#: Every key the language knows, for "did you mean" hints.
KNOWN_KEYS: frozenset[str] = frozenset(
    info.alias or field_name
    for model in _models(RuleFile) | set(TRIGGER_MODELS)
    for field_name, info in model.model_fields.items()
)
