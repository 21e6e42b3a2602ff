"""The value types rule files are made of: durations, delays, count and duration ranges.

Each parser says plainly what is wrong and how to write it instead, because its message is
what `keepwarm rules check` prints at the value's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w|wd)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Spelled-out units people write, and the short form keepwarm wants.
_WORDS = re.compile(
    r"^\s*(\d+)\s*(minutes?|mins|hours?|hrs?|days?|weeks?|working[ _-]?days?|business[ _-]?days?)"
    r"\s*$",
    re.IGNORECASE,
)
_SHORT = {"min": "m", "mins": "m", "hou": "h", "hrs": "h", "hr": "h", "day": "d", "wee": "w"}
_DURATION_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\d+\s*(m|min|h|d|w)\s*$",
    "description": "a duration: '30m', '2h', '14d' or '2w'",
}
_DELAY_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\d+\s*(m|min|h|d|w|wd)\s*$",
    "description": "a delay: '30m', '2h', '14d', '2w', or working days '5wd'",
}


def _suggestion(value: object) -> str:
    """What to write instead of a spelled-out or unit-less duration (empty if no guess)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float) and float(value).is_integer() and value >= 0:
        number = int(value)
        return f"{number}d (days), {number}h (hours), {number}m (minutes) or {number}w (weeks)"
    words = _WORDS.match(str(value))
    if not words:
        return ""
    unit = words.group(2).lower()
    if unit.startswith(("working", "business")):
        return f"'{words.group(1)}wd'"
    return f"'{words.group(1)}{_SHORT.get(unit[:3], _SHORT.get(unit, unit[0]))}'"


def parse_duration(value: object) -> timedelta:
    """'90m', '2h', '14d', '2w' → timedelta; anything else is a readable error."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if match and match.group(2) == "wd":
        raise ValueError(
            f"{value!r}: working days ('wd') can only be used in 'after'; here write calendar "
            f"time, e.g. '{-(-int(match.group(1)) * 7 // 5)}d'"
        )
    if not match:
        raise ValueError(_not_a_duration(value, "'30m', '2h', '14d' or '2w'"))
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _not_a_duration(value: object, examples: str) -> str:
    guess = _suggestion(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value} has no unit; write {guess}" if guess else f"{value} is not a duration"
    text = f"{value!r} is not a duration"
    return f"{text}; write {guess}" if guess else f"{text}; write e.g. {examples}"


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
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match and match.group(2) == "wd":
        return Delay(working_days=int(match.group(1)))
    if match:
        return Delay(span=parse_duration(value))
    raise ValueError(_not_a_duration(value, "'2h', '14d', '2w' or '5wd' (working days)"))


Duration = Annotated[timedelta, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
DelayField = Annotated[Delay, BeforeValidator(parse_delay), WithJsonSchema(_DELAY_SCHEMA)]


def show(span: timedelta) -> str:
    """A duration the way a rule file writes it ('14d', '36h', '90m')."""
    seconds = int(span.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


class Strict(BaseModel):
    """Every rule-file model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    """A count between `min` and `max` (both inclusive, either may be left out)."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max ({value}) is below min ({low}), so nothing can match")
        return value

    def holds(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class DurationRange(Strict):
    """A time span between `min` and `max` (e.g. `{min: 365d}`: a year or more)."""

    min: Duration | None = None
    max: Duration | None = None

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(
                f"max ({show(value)}) is shorter than min ({show(low)}), so nothing can match"
            )
        return value

    def holds(self, value: timedelta) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
