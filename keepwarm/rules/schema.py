"""The rule language as pydantic models (DESIGN.md §6). Unknown keys are errors, not ignored.

Conditions are data (`when:`), never code: each field is a list of accepted values or a range,
so a rule file can be validated completely before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w|wd)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\d+\s*(m|min|h|d|w|wd)\s*$",
    "description": "a duration: '30m', '2h', '14d', '2w', or working days '5wd'",
}


def parse_duration(value: object) -> timedelta:
    """'90m', '2h', '14d', '2w' → timedelta; anything else is a readable error."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match or match.group(2) == "wd":
        raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '2h', '14d' or '2w'")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True, slots=True)
class Delay:
    """A wait that is either calendar time or whole working days (weekends, holidays skipped)."""

    span: timedelta = timedelta(0)
    working_days: int = 0

    def __str__(self) -> str:
        return f"{self.working_days}wd" if self.working_days else str(self.span)


def parse_delay(value: object) -> Delay:
    if isinstance(value, Delay):
        return value
    match = _DURATION.match(str(value))
    if match and match.group(2) == "wd":
        return Delay(working_days=int(match.group(1)))
    try:
        return Delay(span=parse_duration(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a duration; write e.g. '2h', '14d', '2w' or '5wd' (working days)"
        ) from None


Duration = Annotated[timedelta, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
DelayField = Annotated[Delay, BeforeValidator(parse_delay), WithJsonSchema(_DURATION_SCHEMA)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Source = Literal["meeting", "email"]
StageName = Literal["seeded", "watered", "growing", "established", "dormant"]
ClassName = Literal[
    "self", "colleague", "automated", "role", "personal-domain", "resource", "blocked", "peer",
    "candidate",
]  # fmt: skip
ALL_SOURCES: tuple[Source, ...] = ("meeting", "email")


class NewPeerTrigger(_Strict):
    """Once per new peer: their first real interaction happened within `within` of now."""

    type: Literal["new_peer"]
    within: Duration = timedelta(days=14)
    source: list[Source] = Field(default_factory=lambda: list(ALL_SOURCES))


class NoReplyTrigger(_Strict):
    """The owner's latest email to the person got no answer (wait with the rule's `after`)."""

    type: Literal["no_reply"]
    within: Duration = timedelta(days=30)
    #: Only personal emails: at most this many recipients besides the owner.
    max_recipients: int = Field(default=3, ge=1)


class ReplyOwedTrigger(_Strict):
    """They wrote last and you have not answered: a reply in their thread (wait with `after`).

    Only a personal email counts (at most `max_recipients` people besides you, not an
    automatic reply or a list post); a later email from you, or a meeting, answers it.
    """

    type: Literal["reply_owed"]
    within: Duration = timedelta(days=14)
    max_recipients: int = Field(default=3, ge=1)


class QuietTrigger(_Strict):
    """No contact either way for `days` (`for`): the cadence that keeps a relationship alive."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["quiet"]
    quiet_for: Duration = Field(alias="for")
    until: Duration | None = None
    #: `any`: any contact resets the clock (your own unanswered emails too);
    #: `two_way`: only their emails and meetings do.
    since: Literal["any", "two_way"] = "any"


class MeetingEndedTrigger(_Strict):
    """After a meeting with the person ended (not their first one unless `include_first`)."""

    type: Literal["meeting_ended"]
    within: Duration = timedelta(days=7)
    include_first: bool = False


Trigger = Annotated[
    NewPeerTrigger | NoReplyTrigger | ReplyOwedTrigger | QuietTrigger | MeetingEndedTrigger,
    Field(discriminator="type"),
]


class Range(_Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    def holds(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class When(_Strict):
    """Conditions, all of which must hold. Lists mean "any of"; `not` negates a nested block."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    stage: list[StageName] | None = None
    classification: list[ClassName] = Field(default_factory=lambda: ["peer"])  # type: ignore[arg-type]
    organisation: list[str] | None = None
    domain: list[str] | None = None
    #: Tags defined under `policies.tags` (e.g. `vip`); any listed tag must be the person's.
    tags: list[str] | None = None
    account: list[str] | None = None
    source: list[Source] | None = None
    meeting_size: Range | None = None
    interactions: Range | None = None
    negate: When | None = Field(default=None, alias="not")


class Window(_Strict):
    """Business hours in the owner's time zone; due times outside them move to the next slot."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"]  # type: ignore[arg-type]
    )
    start: time = time(9, 0)
    end: time = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("window end must be after start")
        if not self.days:
            raise ValueError("window needs at least one day")
        return self


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
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
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
    tags: dict[str, list[str]] = Field(default_factory=dict)

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


#: Every key the language knows, for "did you mean" hints.
KNOWN_KEYS: frozenset[str] = frozenset(
    name
    for model in (
        NewPeerTrigger,
        NoReplyTrigger,
        ReplyOwedTrigger,
        QuietTrigger,
        MeetingEndedTrigger,
        Range,
        When,
        Window,
        DraftTemplate,
        Rule,
        Policies,
        RuleFile,
    )
    for field_name, info in model.model_fields.items()
    for name in (info.alias or field_name,)
)
