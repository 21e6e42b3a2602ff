"""Business-time arithmetic in the owner's time zone: working days, windows, holidays.

Pure: the zone and holidays come in as arguments; nothing reads a clock.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from keepwarm.rules.schema import Delay, Window

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WORKDAYS = frozenset(_DAYS[:5])


def is_working_day(
    day: date, holidays: Collection[date], days: Collection[str] = _WORKDAYS
) -> bool:
    return _DAYS[day.weekday()] in days and day not in holidays


def add_delay(
    start: datetime, delay: Delay, zone: ZoneInfo, holidays: Collection[date]
) -> datetime:
    """`start` plus the delay; working days skip weekends and holidays, keeping the local time."""
    if not delay.working_days:
        return start + delay.span
    local = start.astimezone(zone)
    day, left = local.date(), delay.working_days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    moved = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone)
    return moved.astimezone(UTC)


def next_slot(
    when: datetime, window: Window | None, zone: ZoneInfo, holidays: Collection[date]
) -> datetime:
    """The first moment at or after `when` inside the window (days, hours, not a holiday)."""
    if window is None:
        return when
    local = when.astimezone(zone)
    for offset in range(0, 400):
        day = local.date() + timedelta(days=offset)
        if not is_working_day(day, holidays, window.days):
            continue
        opens = datetime.combine(day, window.start, tzinfo=zone)
        closes = datetime.combine(day, window.end, tzinfo=zone)
        if offset == 0 and local >= closes:
            continue
        return max(opens, local if offset == 0 else opens).astimezone(UTC)
    return when  # a window that never opens (all days are holidays): keep the plain time
