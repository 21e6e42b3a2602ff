"""Times as people read them: in the owner's time zone, to the minute (`2026-12-03 15:17`).

Stored and JSON times stay ISO 8601 UTC; only human output (CLI tables, the web page, serve's
run lines) goes through here, so every surface shows the same clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_minute(moment: datetime | str | None, timezone: str, *, date_only: bool = False) -> str:
    """`moment` (aware, naive UTC, or ISO text) in `timezone`; "" for none."""
    if not moment:
        return ""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(_zone(timezone)).strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")


def ago(seconds: float | None) -> str:
    """A duration as a person says it: `5 min`, `3 h`, `2 days`."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours = round(minutes / 60)
    return f"{hours} h" if hours < 48 else f"{round(hours / 24)} days"
