"""Bounds on recurrence expansion, checked before dateutil runs, whatever the BY-parts say.

dateutil expands a rule by walking every period from DTSTART, and never stops early: a rule that
repeats every second, one whose BY-parts multiply (`FREQ=DAILY;BYHOUR=0..23;BYMINUTE=0..59`), one
that starts in 1970 and repeats hourly, or one that can never match again (`BYMONTH=2;
BYMONTHDAY=30`) runs for minutes or exhausts memory. So, per series:

- more often than hourly (FREQ=SECONDLY/MINUTELY, or several BYMINUTE/BYSECOND values) is not a
  meeting: quarantined;
- `work` (periods walked from DTSTART to the end of the look-ahead, times the occurrences each
  period can expand to) and `instances` in the window are estimated from the rule alone and
  capped; a series over either cap is quarantined with the estimate;
- every rule gets an UNTIL at the end of the look-ahead, so a rule that stops matching cannot
  walk on to the year 9999;
- VTIMEZONE rules are sanitised in the text, before parsing: a zone whose STANDARD/DAYLIGHT rule
  is not yearly (dateutil would walk it second by second) loses that rule and is reported.

Estimates are upper bounds from the rule's text: no clock, no expansion.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

#: Occurrences of one series inside the calendar window (an hourly "meeting" for a year is not).
MAX_SERIES_INSTANCES = 5_000
#: Periods times expansions dateutil may walk for one series (each costs tens of microseconds).
MAX_SERIES_WORK = 100_000
#: Occurrences and work of one whole file (the series past either are quarantined).
MAX_FILE_INSTANCES = 200_000
MAX_FILE_WORK = 2_000_000
#: How far past the window the first next occurrence is looked for.
LOOKAHEAD = timedelta(days=731)
_PERIOD_DAYS = {"YEARLY": 365.25, "MONTHLY": 30.44, "WEEKLY": 7.0, "DAILY": 1.0, "HOURLY": 1 / 24}
_PERIOD_NAMES = {
    "YEARLY": "year",
    "MONTHLY": "month",
    "WEEKLY": "week",
    "DAILY": "day",
    "HOURLY": "hour",
}
_EXPANDERS = {
    "YEARLY": ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYHOUR"),
    "MONTHLY": ("BYMONTHDAY", "BYDAY", "BYHOUR"),
    "WEEKLY": ("BYDAY", "BYHOUR"),
    "DAILY": ("BYHOUR",),
    "HOURLY": (),
}
_DAYS_IN_MONTH = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}


def _values(rule: Any, name: str) -> list[Any]:
    found = rule.get(name)
    if found is None:
        return []
    return list(found) if isinstance(found, list | tuple) else [found]


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _too_frequent(freq: str, rule: Any) -> bool:
    return (
        freq in ("SECONDLY", "MINUTELY")
        or len(_values(rule, "BYSECOND")) > 1
        or len(_values(rule, "BYMINUTE")) > 1
    )


def _per_period(freq: str, rule: Any) -> int:
    """Upper bound on the occurrences one period of the rule expands to."""
    total = 1
    for name in _EXPANDERS.get(freq, ()):
        count = len(_values(rule, name))
        if name == "BYDAY" and count:
            count *= (
                1 if freq == "WEEKLY" else 5 if freq == "MONTHLY" or rule.get("BYMONTH") else 53
            )
        total *= max(1, count)
    return total


def _never(rule: Any) -> bool:
    """Whether the month/day parts exclude every date (`BYMONTH=2;BYMONTHDAY=30`)."""
    months = [m for m in _values(rule, "BYMONTH") if isinstance(m, int)]
    days = [d for d in _values(rule, "BYMONTHDAY") if isinstance(d, int)]
    if not months or not days:
        return False
    return not any(abs(d) <= _DAYS_IN_MONTH.get(m, 31) for m in months for d in days)


def series_problem(event: Any, start: datetime, end: datetime) -> str | None:
    """Why expanding `event` in [start, end] would be unbounded work, or None when it is not."""
    began = _utc(getattr(event.get("DTSTART"), "dt", None))
    rules = event.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    rdates = event.get("RDATE")
    extra = sum(
        len(getattr(r, "dts", ()))
        for r in (rdates if isinstance(rdates, list) else [rdates] if rdates else [])
    )
    if extra > MAX_SERIES_INSTANCES:
        return f"RDATE lists {extra} dates: more than {MAX_SERIES_INSTANCES}; not a meeting"
    if began is None:
        return None
    for rule in rules:
        freq = str((_values(rule, "FREQ") or [""])[0]).upper()
        if _too_frequent(freq, rule):
            return "RRULE repeats more often than hourly: not a meeting"
        if freq not in _PERIOD_DAYS:
            return f"RRULE has no usable FREQ ({freq or 'none'})"
        if _never(rule):
            return "RRULE can never occur (no month has that day)"
        interval = (_values(rule, "INTERVAL") or [1])[0]
        interval = interval if isinstance(interval, int) and interval > 0 else 1
        until = _utc((_values(rule, "UNTIL") or [None])[0])
        stop = min(until, end + LOOKAHEAD) if until else end + LOOKAHEAD
        period = _PERIOD_DAYS[freq] * interval
        per_period = _per_period(freq, rule)
        walked = max(0.0, (stop - began).total_seconds() / 86400) / period + 1
        work = walked * per_period
        if work > MAX_SERIES_WORK:
            return (
                f"RRULE would take about {math.ceil(work):,} steps to expand (from "
                f"{began:%Y-%m-%d}, up to {per_period} times per {_PERIOD_NAMES[freq]}): "
                f"more than {MAX_SERIES_WORK:,}; not expanded"
            )
        inside = (min(end, until or end) - max(start, began)).total_seconds() / 86400
        instances = max(0.0, inside) / period * per_period
        count = (_values(rule, "COUNT") or [None])[0]
        if isinstance(count, int):
            instances = min(instances, count)
        if instances > MAX_SERIES_INSTANCES:
            return (
                f"RRULE repeats about {math.ceil(instances):,} times in the calendar window: "
                f"more than {MAX_SERIES_INSTANCES:,}; not a meeting"
            )
    return None


def _cost(event: Any, start: datetime, end: datetime) -> tuple[int, int]:
    """(occurrences in the window, periods walked) upper bounds for one series."""
    began = _utc(getattr(event.get("DTSTART"), "dt", None))
    rules = event.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    if began is None or not rules:
        return 1, 1
    instances = work = 0
    for rule in rules:
        freq = str((_values(rule, "FREQ") or ["DAILY"])[0]).upper()
        interval = (_values(rule, "INTERVAL") or [1])[0]
        interval = interval if isinstance(interval, int) and interval > 0 else 1
        period = _PERIOD_DAYS.get(freq, 1.0) * interval
        per_period = _per_period(freq, rule)
        inside = max(0.0, (end - max(start, began)).total_seconds() / 86400)
        walked = max(0.0, (end + LOOKAHEAD - began).total_seconds() / 86400)
        instances += math.ceil(inside / period * per_period)
        work += math.ceil(walked / period * per_period)
    return max(1, instances), max(1, work)


class FileBudget:
    """What one calendar file may cost in total; series past it are quarantined, not expanded."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.instances, self.work = MAX_FILE_INSTANCES, MAX_FILE_WORK

    def admit(self, event: Any) -> str | None:
        """None when `event` fits in what is left (and charge it), else the reason it does not."""
        instances, work = _cost(event, self.start, self.end)
        if instances > self.instances or work > self.work:
            return (
                f"the file's recurring events add up to more than {MAX_FILE_INSTANCES:,} "
                f"occurrences or {MAX_FILE_WORK:,} expansion steps; this series was not expanded"
            )
        self.instances -= instances
        self.work -= work
        return None


def bound_until(event: Any, end: datetime) -> None:
    """Give every rule of `event` an UNTIL no later than the look-ahead (in place)."""
    rules = event.get("RRULE")
    began = getattr(event.get("DTSTART"), "dt", None)
    if began is None:
        return
    limit = end + LOOKAHEAD
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        if rule.get("COUNT"):
            continue  # COUNT and UNTIL must not be combined; `series_problem` bounded its work
        until = _utc((_values(rule, "UNTIL") or [None])[0])
        if until is not None and until <= limit:
            continue
        if isinstance(began, datetime):
            rule["UNTIL"] = [limit if began.tzinfo is not None else limit.replace(tzinfo=None)]
        else:
            rule["UNTIL"] = [limit.date()]


_RRULE_LINE = re.compile(r"^RRULE[;:]", re.IGNORECASE)


def sanitise_timezones(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` with time zone rules dateutil cannot bound removed, and (TZID, reason) for each.

    A STANDARD/DAYLIGHT rule must be yearly with at most one hour, minute and second; any other
    is dropped (the zone keeps its offsets from DTSTART on)."""
    if "VTIMEZONE" not in text.upper():
        return text, []
    lines = text.replace("\r\n", "\n").split("\n")
    unfolded: list[list[str]] = []  # each logical line with its physical lines
    for line in lines:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1].append(line)
        else:
            unfolded.append([line])
    kept: list[str] = []
    problems: list[tuple[str, str]] = []
    in_zone, tzid = False, ""
    for physical in unfolded:
        logical = physical[0] + "".join(p[1:] for p in physical[1:])
        upper = logical.upper()
        if upper.startswith("BEGIN:VTIMEZONE"):
            in_zone, tzid = True, ""
        elif upper.startswith("END:VTIMEZONE"):
            in_zone = False
        elif in_zone and upper.startswith("TZID"):
            tzid = logical.partition(":")[2].strip()
        elif in_zone and _RRULE_LINE.match(logical):
            reason = _zone_rule_problem(logical.partition(":")[2])
            if reason is not None:
                problems.append((tzid, f"VTIMEZONE rule {reason}; the rule was ignored"))
                continue
        kept.extend(physical)
    return ("\r\n".join(kept) if problems else text), problems


def _zone_rule_problem(value: str) -> str | None:
    parts = dict(p.partition("=")[::2] for p in value.upper().split(";") if "=" in p)
    if parts.get("FREQ") != "YEARLY":
        return f"FREQ={parts.get('FREQ', '?')} is not yearly"
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in parts.get(name, ""):
            return f"{name} has several values"
    return None
