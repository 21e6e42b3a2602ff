"""Pure translation of Gmail and Calendar JSON into interactions. No I/O, no clock.

Gmail and Calendar field names stop here: everything past this module sees `Interaction`s.
Each function raises `Unusable` with a reason when a resource cannot become an interaction,
so the caller quarantines it and goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.files.headers import decode_words, parse_addresses
from keepwarm.models import CLASSIFICATION_HEADERS, Interaction, Kind, Participant, Response, Role
from keepwarm.snippets import from_provider

#: The headers classification needs; `messages.get format=metadata` asks for these only.
METADATA_HEADERS: tuple[str, ...] = (
    "From",
    "To",
    "Cc",
    "Bcc",
    "Date",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Unsubscribe",
    "Precedence",
    "Auto-Submitted",
    "Return-Path",
    "X-Auto-Response-Suppress",
    "Content-Type",
    "X-Autoreply",
    "X-Autorespond",
    "X-Failed-Recipients",
    # Mailing-list route and the real author of a rewritten From (keepwarm/peers/lists.py).
    "List-Post",
    "X-Mailing-List",
    "Mailing-List",
    "Reply-To",
    "X-Original-From",
    "X-Original-Sender",
)

#: Labels whose messages are never interactions: junk, deleted mail, unsent drafts, chats.
SKIPPED_LABELS = frozenset({"SPAM", "TRASH", "DRAFT", "CHAT"})
#: Bulk categories, skipped by the search filter or (with `gmail.metadata`) by label.
BULK_LABELS = frozenset({"CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL", "CATEGORY_FORUMS"})
#: Gmail search that keeps the bulk categories out of a full sync (needs `gmail.readonly`).
BULK_QUERY = "-category:promotions -category:social -category:forums"

_ROLES = {"from": Role.FROM, "to": Role.TO, "cc": Role.CC, "bcc": Role.BCC}
_RESPONSES = {
    "accepted": Response.ACCEPTED,
    "declined": Response.DECLINED,
    "tentative": Response.TENTATIVE,
    "needsAction": Response.NEEDS_ACTION,
}


class Unusable(ValueError):
    """A resource that cannot become an interaction; the message is the quarantine reason."""


def message_id_of(value: str) -> str | None:
    value = value.strip()
    if value.startswith("<") and ">" in value:
        return value[1 : value.index(">")]
    return value or None


def _ids(value: str) -> tuple[str, ...]:
    return tuple(token.strip("<>") for token in value.replace(",", " ").split() if "@" in token)


def skip_message(labels: Iterable[str], *, skip_bulk: bool) -> bool:
    """Whether a message with these labels is no interaction (junk, trash, draft, bulk)."""
    found = set(labels)
    return bool(found & SKIPPED_LABELS) or (skip_bulk and bool(found & BULK_LABELS))


def message(resource: Mapping[str, Any], *, snippets: bool = False) -> Interaction:
    """The interaction for a `messages.get format=metadata` resource (with its `snippet` when
    `snippets`: Gmail sends it anyway; it is kept only when allowed)."""
    ident = resource.get("id")
    if not ident:
        raise Unusable("message without an id")
    headers: dict[str, str] = {}
    for header in (resource.get("payload") or {}).get("headers") or []:
        name = str(header.get("name", "")).lower()
        if name and name not in headers:
            headers[name] = str(header.get("value", ""))
    participants: list[Participant] = []
    seen: set[tuple[str, Role]] = set()
    for name, role in _ROLES.items():
        for display, address in parse_addresses(headers.get(name, "")):
            if (address, role) not in seen:
                seen.add((address, role))
                participants.append(Participant(address, role, display))
    if not participants or participants[0].role is not Role.FROM:
        raise Unusable(f"message {ident}: no From address")
    try:
        occurred_at = datetime.fromtimestamp(int(resource["internalDate"]) / 1000, UTC)
    except (KeyError, ValueError, TypeError):
        raise Unusable(f"message {ident}: no internalDate") from None
    references = _ids(headers.get("references", ""))
    kept = {
        k: (decode_words(v) if "=?" in v else v)
        for k, v in headers.items()
        if k in CLASSIFICATION_HEADERS
    }
    if "content-type" in kept:
        kept["content-type"] = kept["content-type"].split(";", 1)[0].strip().lower()
    subject = headers.get("subject", "")
    return Interaction(
        provider_id=f"gmail:{ident}",
        kind=Kind.EMAIL,
        occurred_at=occurred_at,
        participants=tuple(participants),
        subject=" ".join(decode_words(subject).split()),
        thread_id=str(resource.get("threadId") or ident),
        message_id=message_id_of(headers.get("message-id", "")),
        in_reply_to=message_id_of(headers.get("in-reply-to", "")),
        references=references,
        headers=kept,
        source="gmail",
        snippet=from_provider(str(resource.get("snippet") or "")) if snippets else "",
    )


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_time(value: Mapping[str, Any] | None, default_zone: str | None) -> datetime:
    """A Calendar `start`/`end`: `dateTime` (with offset) or an all-day `date` at local midnight."""
    if not value:
        raise Unusable("event without a start")
    if "dateTime" in value:
        moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(value.get("timeZone") or default_zone))
        return moment.astimezone(UTC)
    if "date" in value:
        day = date.fromisoformat(str(value["date"]))
        zone = _zone(value.get("timeZone") or default_zone)
        return datetime.combine(day, time(), zone).astimezone(UTC)
    raise Unusable("event start has neither dateTime nor date")


def event_provider_id(resource: Mapping[str, Any]) -> str:
    """Stable across syncs and calendars: Google gives an event the same id in every attendee's
    calendar, and each instance of a series its own id."""
    return f"gcal:{resource['id']}"


def event(resource: Mapping[str, Any], *, calendar: str, zone: str | None) -> Interaction:
    """The interaction for one `events.list` item (`singleEvents=true`) of `calendar`."""
    if not resource.get("id"):
        raise Unusable("event without an id")
    cancelled = resource.get("status") == "cancelled"
    start_value = resource.get("start") or (
        resource.get("originalStartTime") if cancelled else None
    )
    try:
        start = event_time(start_value, zone)
        ended = event_time(resource["end"], zone) if resource.get("end") else None
    except ValueError as exc:
        raise Unusable(f"event {resource['id']}: {exc}") from None
    out: list[Participant] = []
    seen: set[tuple[str, Role]] = set()
    organizer = resource.get("organizer") or {}
    entries: list[tuple[Mapping[str, Any], Role]] = []
    if organizer.get("email"):
        entries.append((organizer, Role.ORGANIZER))
    entries += [(a, Role.ATTENDEE) for a in resource.get("attendees") or [] if isinstance(a, dict)]
    for entry, role in entries:
        address = str(entry.get("email", "")).strip().lower()
        if "@" not in address or (address, role) in seen:
            continue
        seen.add((address, role))
        is_resource = bool(entry.get("resource")) or address.endswith(
            "resource.calendar.google.com"
        )
        out.append(
            Participant(
                address=address,
                role=role,
                name=" ".join(str(entry.get("displayName", "")).split()),
                response=_RESPONSES.get(str(entry.get("responseStatus")))
                if role is Role.ATTENDEE
                else None,
                is_resource=is_resource,
            )
        )
    headers: dict[str, str] = {}
    if resource.get("attendeesOmitted"):
        # Google left attendees out: the meeting's size is unknown, never "small".
        headers["x-attendees-omitted"] = "true"
    return Interaction(
        provider_id=event_provider_id(resource),
        kind=Kind.MEETING,
        occurred_at=start,
        participants=tuple(out),
        subject=" ".join(str(resource.get("summary", "")).split()),
        ended_at=ended,
        thread_id=f"gcal:{resource.get('recurringEventId') or resource['id']}",
        headers=headers,
        cancelled=cancelled,
        source=f"calendar:{calendar}",
        location=" ".join(str(resource.get("location") or "").split()),
    )
