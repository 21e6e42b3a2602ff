"""The rule language as pydantic models (DESIGN.md §6). Unknown keys are errors, not ignored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: object) -> timedelta:
    """'90m', '2h', '14d', '2w' → timedelta; anything else is a readable error."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '2h', '14d' or '2w'")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Source = Literal["meeting", "email"]
ALL_SOURCES: tuple[Source, ...] = ("meeting", "email")


class NewPeerTrigger(_Strict):
    """Fires once per new peer: their first real interaction happened within `within` of now."""

    type: Literal["new_peer"]
    within: Duration = timedelta(days=14)
    source: list[Source] = Field(default_factory=lambda: list(ALL_SOURCES))


class DraftTemplate(_Strict):
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)


class Rule(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    enabled: bool = True
    trigger: NewPeerTrigger
    after: Duration = timedelta(0)
    expires_after: Duration | None = timedelta(days=21)
    draft: DraftTemplate


class RuleFile(_Strict):
    rules: list[Rule] = Field(min_length=1)
