"""One expanded VEVENT occurrence -> a meeting `Interaction` (pure).

icalendar 7 already resolves TZIDs from VTIMEZONE blocks, Olson names and the CLDR table of
Windows names (`W. Europe Standard Time`). What it leaves naive is floating time and the Outlook
display form `(UTC+01:00) Amsterdam, Berlin, …` without a VTIMEZONE: the latter is read as its
fixed offset here, the former as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from keepwarm.models import Interaction, Kind, Participant, Response, Role

RESPONSES = {
    "ACCEPTED": Response.ACCEPTED,
    "DECLINED": Response.DECLINED,
    "TENTATIVE": Response.TENTATIVE,
    "NEEDS-ACTION": Response.NEEDS_ACTION,
    "DELEGATED": Response.DELEGATED,
}
#: What an address must look like once cleaned: no spaces, brackets, quotes or parameters.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"'=]+")
_WHITESPACE = re.compile(r"\s+")
_RESOURCE_TYPES = frozenset({"ROOM", "RESOURCE", "GROUP"})
_OFFSET_TZID = re.compile(r"\s*\(?\s*(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?:[:.]?(\d{2}))?")


def _zone(tzid: str | None, floating: str | None = None) -> tzinfo:
    """The zone for a naive time: the fixed offset an Outlook-style TZID names, else the
    calendar's X-WR-TIMEZONE (what floating times mean in Google and Apple exports), else UTC."""
    match = _OFFSET_TZID.match(tzid) if tzid else None
    if match is None:
        try:
            return ZoneInfo(floating) if floating else UTC
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(-offset if match.group(1) == "-" else offset)


def to_utc(
    value: date | datetime, tzid: str | None = None, floating: str | None = None
) -> datetime:
    """Aware UTC; an all-day date is midnight UTC of that date."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=_zone(tzid, floating)).astimezone(UTC)
    return value.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tzid_of(component: Any) -> str | None:
    """The TZID parameter written on DTSTART (expanded occurrences lose it, so ask the master)."""
    prop = component.get("DTSTART") if component is not None else None
    params = getattr(prop, "params", None)
    value = params.get("TZID") if params else None
    return str(value) if value else None


def _address(value: Any, rejected: list[str] | None = None) -> str | None:
    """The address of an ORGANIZER/ATTENDEE value, cleaned, or None (noted in `rejected`).

    Folded lines leave whitespace inside addresses (`mailto:hcabot@ example.com`) and some
    producers write parameters after the colon (`X-KEY=…;CN=…:mailto:a@b`): the address is
    what follows the last `mailto:`, without whitespace. Anything still not an address is left
    out and reported, never stored as an address.
    """
    text = str(value).strip()
    at = text.lower().rfind("mailto:")
    if at >= 0:
        text = text[at + 7 :]
    text = _WHITESPACE.sub("", text).lower()
    if "@" not in text:
        return None  # no address at all (a CN only, `invalid:nomail`): nothing to report
    if _ADDRESS.fullmatch(text) is None:
        if rejected is not None:
            rejected.append(str(value).strip()[:200])
        return None
    return text


def _email_param(value: Any) -> str | None:
    """The `EMAIL=` parameter (RFC 7986) when it holds an address.

    iCloud writes the calendar user's real address only there: the value itself is an iMIP
    relay (`mailto:2_GEZD…@imip.me.com`) or a server path (`/1234/principal/`), which stands
    in for the person and reaches nobody. Elsewhere EMAIL repeats the `mailto:` address.
    """
    email = _param(value, "EMAIL")
    if not email:
        return None
    email = _WHITESPACE.sub("", email.removeprefix("mailto:").removeprefix("MAILTO:")).lower()
    return email if _ADDRESS.fullmatch(email) else None


def _param(value: Any, name: str) -> str:
    params = getattr(value, "params", None)
    found = params.get(name) if params else None
    return str(found).strip() if found else ""


def participants(
    component: Any, master: Any, rejected: list[str] | None = None
) -> tuple[Participant, ...]:
    """Organizer and attendees; an exception that lists nobody inherits its series' people.

    An attendee who delegated the invitation (PARTSTAT=DELEGATED) or was copied for information
    (ROLE=NON-PARTICIPANT) keeps that answer: they were not met.
    """
    source = component
    if master is not None and "ORGANIZER" not in component and "ATTENDEE" not in component:
        source = master
    out: list[Participant] = []
    seen: set[tuple[str, Role]] = set()
    organizer = source.get("ORGANIZER")
    attendees = source.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    entries = [(organizer, Role.ORGANIZER)] if organizer is not None else []
    entries += [(attendee, Role.ATTENDEE) for attendee in attendees]
    for value, role in entries:
        address = _email_param(value) or _address(value, rejected)
        if address is None or (address, role) in seen:
            continue
        seen.add((address, role))
        status = _param(value, "PARTSTAT").upper()
        response = RESPONSES.get(status) if role is Role.ATTENDEE else None
        if role is Role.ATTENDEE and _param(value, "ROLE").upper() == "NON-PARTICIPANT":
            response = Response.NON_PARTICIPANT
        out.append(
            Participant(
                address=address,
                role=role,
                name=" ".join(_param(value, "CN").split()),
                response=response,
                is_resource=_param(value, "CUTYPE").upper() in _RESOURCE_TYPES,
            )
        )
    return tuple(out)


def meeting(
    occurrence: Any,
    master: Any,
    *,
    uid: str,
    tzid: str | None,
    cancelled: bool,
    source: str,
    floating: str | None = None,
    rejected: list[str] | None = None,
) -> Interaction:
    """The interaction for one occurrence; raises (ValueError, KeyError, …) when it is unusable.

    Attendee values that are not addresses are appended to `rejected` (for the quarantine).
    """
    start = to_utc(occurrence["DTSTART"].dt, tzid, floating)
    ended_at: datetime | None = None
    if "DTEND" in occurrence:
        ended_at = to_utc(occurrence["DTEND"].dt, tzid, floating)
    elif "DURATION" in occurrence:
        ended_at = start + occurrence["DURATION"].dt
    recurrence = occurrence.get("RECURRENCE-ID")
    ident = to_utc(recurrence.dt, tzid, floating) if recurrence is not None else start
    status = str(occurrence.get("STATUS", "")).upper()
    return Interaction(
        provider_id=f"ics:{uid}:{iso(ident)}",
        kind=Kind.MEETING,
        occurred_at=start,
        participants=participants(occurrence, master, rejected),
        subject=" ".join(str(occurrence.get("SUMMARY", "")).split()),
        ended_at=ended_at,
        thread_id=f"ics:{uid}",
        cancelled=cancelled or status == "CANCELLED",
        source=source,
        location=" ".join(str(occurrence.get("LOCATION", "")).split()),
    )
