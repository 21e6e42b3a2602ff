""".ics files -> meeting interactions, one per occurrence inside the calendar window.

Bad input is isolated as narrowly as possible: a file that does not parse is one quarantine
entry; a VEVENT without a usable start, or whose recurrence cannot be expanded, is quarantined
alone while the rest of the file ingests.

Cursor: `{"size", "mtime_ns", "sha256", "events", "quarantined", "window", "next"}`. Recurring
meetings keep producing occurrences as the window slides forward without the file changing, so
the cursor also remembers the window it covered and the first occurrence after it (`next`): the
file is expanded again only when the content changed, the window reaches back further, or the
window's end has passed `next`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

from connectors.files.icsbounds import FileBudget, bound_until, sanitise_timezones, series_problem
from connectors.files.icsevents import iso, meeting, to_utc, tzid_of
from connectors.files.itip import Ledger, answered, fact_of
from connectors.files.safety import MAX_CALENDAR_BYTES
from connectors.files.streams import PAGE_SIZE, calendar_stream, count, os_reason, problem_page
from connectors.files.streams import summary as make_summary
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

Window = tuple[datetime, datetime]
_TIME_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
)
_TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY"})
_QUOTED = re.compile(r"'([^'\n]{3,200})'")


def unchanged(path: Path, cursor: Cursor | None, window: Window) -> bool:
    """Whether neither the file nor the window moved on since `cursor` (no read needed)."""
    start, end = (moment.astimezone(UTC) for moment in window)
    try:
        stat = path.stat()
    except OSError:
        return False
    same_file = cursor is not None and (cursor.get("size"), cursor.get("mtime_ns")) == (
        stat.st_size,
        stat.st_mtime_ns,
    )
    return same_file and _covers(cursor, start, end)


def read_ics(
    path: Path, cursor: Cursor | None, window: Window, ledger: Ledger | None = None
) -> Iterator[Page]:
    """Pages of the occurrences in one .ics file; nothing when neither file nor window moved on
    (nor, with a `ledger`, what the account's other invitation files say about its meetings)."""
    stream = calendar_stream(path)
    start, end = (moment.astimezone(UTC) for moment in window)
    itip = ledger.digest(str(path)) if ledger is not None else None
    same_itip = itip is None or (cursor or {}).get("itip", "") == itip
    try:
        stat = path.stat()
        same_file = cursor is not None and (cursor.get("size"), cursor.get("mtime_ns")) == (
            stat.st_size,
            stat.st_mtime_ns,
        )
        covered = _covers(cursor, start, end)
        if same_file and covered and same_itip:
            return
        if stat.st_size > MAX_CALENDAR_BYTES:
            yield problem_page(stream, path, _too_large(path))
            return
        with path.open("rb") as f:
            data = f.read(MAX_CALENDAR_BYTES + 1)  # the size a file reports can be wrong
    except OSError as exc:
        yield problem_page(stream, path, os_reason(exc, path))
        return
    if len(data) > MAX_CALENDAR_BYTES:
        yield problem_page(stream, path, _too_large(path))
        return
    digest = hashlib.sha256(data).hexdigest()
    if cursor and covered and same_itip and cursor.get("sha256") == digest:  # touched only
        refreshed = {**cursor, "size": len(data), "mtime_ns": stat.st_mtime_ns}
        yield Page(stream, cursor=refreshed, summary=_summary(path, refreshed))
        return
    earlier: list[str] = []
    interactions, problems, following = expand_file(
        data, str(path), start, end, earlier, ledger=ledger
    )
    new_cursor: Cursor = {
        "size": len(data),
        "mtime_ns": stat.st_mtime_ns,
        "sha256": digest,
        "events": len(interactions),
        "quarantined": len(problems),
        "before_window": len(earlier),
        "window": [iso(start), iso(end)],
        "next": iso(following) if following else None,
    }
    if itip:
        new_cursor["itip"] = itip
    chunks = [interactions[i : i + PAGE_SIZE] for i in range(0, len(interactions), PAGE_SIZE)]
    *intermediate, last = chunks or [[]]
    for chunk in intermediate:
        # These keep the stored cursor: a crash re-reads the whole file, which is idempotent.
        yield Page(stream, tuple(chunk))
    yield Page(stream, tuple(last), tuple(problems), new_cursor, _summary(path, new_cursor))


def _too_large(path: Path) -> str:
    limit = MAX_CALENDAR_BYTES >> 20
    return f"{path} is larger than {limit} MB: not read (split or export a shorter range)"


def _summary(path: Path, cursor: Cursor) -> dict[str, Any]:
    """Totals for `status`, with the events wholly before the window (never read)."""
    found = make_summary(path, "ics", count(cursor, "events"), count(cursor, "quarantined"))
    return {**found, "before_window": count(cursor, "before_window")}


def _covers(cursor: Cursor | None, start: datetime, end: datetime) -> bool:
    """Whether the last expansion already holds every occurrence of [start, end]."""
    stored = cursor.get("window") if cursor else None
    if not (isinstance(stored, list) and len(stored) == 2):
        return False
    try:
        stored_start = datetime.fromisoformat(stored[0])
        following = (cursor or {}).get("next")
        next_at = datetime.fromisoformat(following) if isinstance(following, str) else None
    except (TypeError, ValueError):
        return False
    return start >= stored_start and (next_at is None or end < next_at)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _line_of(text: str, message: str) -> str:
    """`line N` for the content line an icalendar error quotes, when it can be found."""
    for fragment in _QUOTED.findall(message):
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(fragment):
                return f"line {number}"
    return ""


def calendar_text(data: bytes) -> str:
    return _decode(data)


def expand_file(
    data: bytes,
    path: str,
    start: datetime,
    end: datetime,
    earlier: list[str] | None = None,
    *,
    ledger: Ledger | None = None,
) -> tuple[list[Interaction], list[Quarantined], datetime | None]:
    """Occurrences in [start, end], quarantined parts, and the first occurrence after `end`.

    The UIDs of events that begin before `start` and have no occurrence in the window are
    appended to `earlier`: calendars older than `baseline_days` are reported, not silently empty.
    """
    text, zones = sanitise_timezones(_decode(data))
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises assorted types for malformed content
        return (
            [],
            [Quarantined(path, _line_of(text, str(exc)), f"not a valid calendar: {exc}")],
            None,
        )
    if not calendars and text.strip():
        reason = "not a valid calendar: no complete BEGIN:VCALENDAR … END:VCALENDAR block"
        return [], [Quarantined(path, "", reason)], None
    interactions: list[Interaction] = []
    problems = [Quarantined(path, f"VTIMEZONE TZID={tzid}", reason) for tzid, reason in zones]
    following: datetime | None = None
    for calendar in calendars:
        found, bad, after = _expand_calendar(calendar, path, start, end, earlier, ledger)
        interactions += found
        problems += bad
        if after is not None and (following is None or after < following):
            following = after
    return interactions, problems, following


def _problem(event: Any) -> str | None:
    """Why an event cannot be used, checked before expansion so one event cannot sink the file."""
    if "DTSTART" not in event:
        return "VEVENT has no DTSTART"
    for name, message in getattr(event, "errors", ()):
        if str(name).upper() in _TIME_PROPERTIES:
            return f"bad {name}: {message}"
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        # dateutil loops forever on INTERVAL=0 and would list millions of minutely occurrences.
        interval = (rule.get("INTERVAL") or [1])[0]
        if not isinstance(interval, int) or interval < 1:
            return f"bad RRULE: INTERVAL={interval} is not a positive number"
        if str((rule.get("FREQ") or [""])[0]).upper() in _TOO_FREQUENT:
            return "RRULE repeats more often than hourly: not a meeting"
    return None


def _expand_calendar(
    calendar: Any,
    path: str,
    start: datetime,
    end: datetime,
    earlier: list[str] | None = None,
    ledger: Ledger | None = None,
) -> tuple[list[Interaction], list[Quarantined], datetime | None]:
    problems: list[Quarantined] = []
    groups: dict[str, list[Any]] = {}
    others: list[Any] = []
    budget = FileBudget(start, end)
    method = str(calendar.get("METHOD", "")).strip().upper()
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            others.append(component)
            continue
        uid = str(component.get("UID", "")).strip()
        if not uid:
            uid = "sha-" + hashlib.sha1(component.to_ical(), usedforsecurity=False).hexdigest()[:16]
            component["UID"] = uid
        if ledger is not None:
            verdict = ledger.verdict(fact_of(component, method))
            if verdict == "skip":
                continue  # a newer version elsewhere, or a REPLY whose meeting is known
            if verdict in ("cancelled", "moved"):
                component["STATUS"] = "CANCELLED"  # it did not (or will not) happen at this time
        reason = _problem(component) or series_problem(component, start, end)
        reason = reason or budget.admit(component)
        if reason is not None:
            problems.append(Quarantined(path, f"VEVENT UID={uid}", reason))
        else:
            bound_until(component, end)  # a rule that stops matching cannot walk to year 9999
            groups.setdefault(uid, []).append(component)
    calendar.subcomponents = others + [event for events in groups.values() for event in events]
    # recurring-ical-events would relabel every time whose zone lacks a TZNAME (as Exchange's
    # VTIMEZONE blocks do) with X-WR-TIMEZONE; it only means something for floating times.
    floating = calendar.pop("X-WR-TIMEZONE", None)
    floating = str(floating) if floating is not None else None
    try:
        occurrences = list(recurring_ical_events.of(calendar).between(start, end))
        following = _first_after(calendar, end)
    except Exception:  # one bad series must not hide the others: retry them one by one
        occurrences, following = [], None
        for uid, events in groups.items():
            single = _calendar_of(calendar, others, events)
            try:
                occurrences += recurring_ical_events.of(single).between(start, end)
            except Exception as exc:
                problems.append(Quarantined(path, f"VEVENT UID={uid}", f"cannot expand: {exc}"))
                continue
            try:
                after = _first_after(single, end)
            except Exception as exc:  # unknown next occurrence: re-read whenever the window moves
                reason = f"cannot find its occurrence after {iso(end)}: {exc}; the file is read again at every sync"
                problems.append(Quarantined(path, f"VEVENT UID={uid}", reason))
                after = end
            if after is not None and (following is None or after < following):
                following = after
    cancelled = str(calendar.get("METHOD", "")).upper() == "CANCEL"
    masters = {uid: _master(events) for uid, events in groups.items()}
    interactions: list[Interaction] = []
    failed: set[str] = set()
    rejected: dict[str, list[str]] = {}
    for occurrence in occurrences:
        uid = str(occurrence.get("UID", ""))
        master = masters.get(uid)
        try:
            interactions.append(
                meeting(
                    occurrence,
                    master,
                    uid=uid,
                    tzid=tzid_of(master),
                    cancelled=cancelled,
                    source=f"{path}#VEVENT UID={uid}",
                    floating=floating,
                    rejected=rejected.setdefault(uid, []),
                )
            )
        except Exception as exc:  # a value icalendar accepted but that is not a usable time
            if uid not in failed:
                failed.add(uid)
                problems.append(Quarantined(path, f"VEVENT UID={uid}", f"unusable event: {exc}"))
    if ledger is not None:
        interactions = [answered(i, ledger) for i in interactions]
    if earlier is not None:
        bad = {q.position.removeprefix("VEVENT UID=") for q in problems}
        read = {i.thread_id for i in interactions} | {f"ics:{uid}" for uid in bad}
        earlier += _before(masters, read, start, floating)
    for uid, values in rejected.items():
        for value in dict.fromkeys(values):  # once per series, not per occurrence
            reason = f"attendee {value!r} is not an email address: left out of the meeting"
            problems.append(Quarantined(path, f"VEVENT UID={uid}", reason))
    return interactions, problems, following


def _before(
    masters: dict[str, Any], read: set[str | None], start: datetime, floating: str | None
) -> list[str]:
    """UIDs of events that start before the window and have no occurrence inside it."""
    found = []
    for uid, master in masters.items():
        if f"ics:{uid}" in read:
            continue
        try:
            begins = to_utc(master["DTSTART"].dt, tzid_of(master), floating)
        except Exception:  # already quarantined or unusable: not "before the window"
            continue
        if begins < start:
            found.append(uid)
    return found


def _master(events: list[Any]) -> Any:
    for event in events:
        if "RECURRENCE-ID" not in event:
            return event
    return events[0]


def _calendar_of(calendar: Any, others: list[Any], events: list[Any]) -> Any:
    single = icalendar.Calendar()
    if "METHOD" in calendar:
        single["METHOD"] = calendar["METHOD"]
    for component in [*others, *events]:
        single.add_component(component)
    return single


def _first_after(calendar: Any, end: datetime) -> datetime | None:
    """Start of the first occurrence after the window, so a sliding window knows when to re-read.
    Failures propagate: "no next occurrence" would stop the file from ever being read again."""
    for occurrence in islice(recurring_ical_events.of(calendar).after(end), 1000):
        begins = to_utc(occurrence["DTSTART"].dt)
        if begins > end:
            return begins
    return None
