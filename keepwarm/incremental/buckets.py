"""Time buckets: evidence is kept per address and week, the owner's sightings per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: A Monday: weeks run Monday to Sunday (UTC).
_EPOCH = datetime(1970, 1, 5, tzinfo=UTC)
_DAY = timedelta(days=1)
#: The key of the owner's own units (no address normalises to the empty string).
OWNER = ""

#: (address key, bucket): the week number for an address, the day number for `OWNER`.
Unit = tuple[str, int]


def day_of(at: datetime) -> int:
    return (at - _EPOCH) // _DAY


def week_of(at: datetime) -> int:
    return day_of(at) // 7


def day_start(day: int) -> datetime:
    return _EPOCH + day * _DAY


def week_span(week: int) -> tuple[datetime, datetime]:
    """[start, end) of a week."""
    start = _EPOCH + week * 7 * _DAY
    return start, start + 7 * _DAY


def unit_of(key: str, at: datetime) -> Unit:
    return (key, day_of(at)) if key == OWNER else (key, week_of(at))
