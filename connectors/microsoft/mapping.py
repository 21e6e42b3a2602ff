"""Graph JSON → domain objects. Pure: no I/O, no clock; Graph field names end here.

A message or event that cannot be used raises `Unusable`; the caller quarantines it and goes on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from keepwarm.models import CLASSIFICATION_HEADERS, Interaction, Kind, Participant, Response, Role
from keepwarm.snippets import from_provider

#: Message properties classification needs, and nothing else (`$select`).
MESSAGE_FIELDS = (
    "from",
    "sender",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "subject",
    "sentDateTime",
    "receivedDateTime",
    "conversationId",
    "internetMessageId",
    "isDraft",
    "replyTo",
)
HEADERS_FIELD = "internetMessageHeaders"
#: The first ~255 characters of the body, asked for only when `[privacy] snippets` allows it.
PREVIEW_FIELD = "bodyPreview"
#: A delta item with none of these is a change of properties keepwarm does not keep (Graph sends
#: a message whose read state or folder changed as `id` plus the changed properties only).
MESSAGE_IDENTITY = ("from", "sender", "toRecipients", "sentDateTime", "receivedDateTime",
                    "internetMessageId", "subject")  # fmt: skip
EVENT_IDENTITY = ("start", "end", "subject", "organizer", "attendees", "isCancelled")

_RESPONSES = {
    "accepted": Response.ACCEPTED,
    "organizer": Response.ACCEPTED,
    "tentativelyaccepted": Response.TENTATIVE,
    "declined": Response.DECLINED,
    "none": Response.NEEDS_ACTION,
    "notresponded": Response.NEEDS_ACTION,
}
_BRACKETED = re.compile(r"<([^<>\s]+)>")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class Unusable(ValueError):
    """A Graph item keepwarm cannot turn into an interaction (the reason is the message)."""


def select(*, headers: bool, snippets: bool = False) -> str:
    fields = (*MESSAGE_FIELDS, *((HEADERS_FIELD,) if headers else ()))
    return ",".join((*fields, PREVIEW_FIELD) if snippets else fields)


def is_removed(item: dict[str, Any]) -> bool:
    return "@removed" in item


def is_partial(item: dict[str, Any], identity: tuple[str, ...]) -> bool:
    """An update that carries none of the `identity` fields: nothing keepwarm stores changed."""
    return not any(name in item for name in identity)


def _ids(value: str) -> tuple[str, ...]:
    found = _BRACKETED.findall(value)
    return tuple(found) if found else tuple(t for t in value.split() if "@" in t)


def _address(
    recipient: Any, role: Role, response: Response | None = None, *, resource: bool = False
) -> Participant | None:
    email = recipient.get("emailAddress") if isinstance(recipient, dict) else None
    address = str((email or {}).get("address") or "").strip().lower()
    if "@" not in address:  # Exchange-internal (X.500) senders carry no SMTP address
        return None
    name = str((email or {}).get("name") or "").strip()
    return Participant(address, role, "" if name.lower() == address else name, response, resource)


def parse_time(value: str, zone: str = "UTC") -> datetime:
    """Graph times: ISO 8601 with up to 7 fractional digits, `Z`, or a `dateTimeTimeZone` pair."""
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Unusable(f"{value!r} is not a date and time") from None
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone) if zone not in ("", "UTC") else UTC)
        except (ZoneInfoNotFoundError, ValueError):  # Windows zone names: ask for UTC instead
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def message(item: dict[str, Any], *, source: str, snippets: bool = False) -> Interaction | None:
    """One message; `None` for drafts (not interactions yet). `snippets` keeps `bodyPreview`."""
    if item.get("isDraft"):
        return None
    participants: list[Participant] = []
    sender = _address(item.get("from"), Role.FROM) or _address(item.get("sender"), Role.FROM)
    if sender is None:
        raise Unusable("no sender address")
    participants.append(sender)
    for key, role in (
        ("toRecipients", Role.TO),
        ("ccRecipients", Role.CC),
        ("bccRecipients", Role.BCC),
    ):
        for recipient in item.get(key) or ():
            p = _address(recipient, role)
            if p is not None:
                participants.append(p)
    when = item.get("sentDateTime") or item.get("receivedDateTime")
    if not when:
        raise Unusable("no sent or received time")
    headers: dict[str, str] = {}
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    if not item.get(HEADERS_FIELD):
        # No transport headers (the copy in Sent Items never has them, or they were not asked
        # for): the thread comes from conversationId and the Message-ID from internetMessageId
        # below; Reply-To from the replyTo property.
        reply_to = ", ".join(
            f"{p.name} <{p.address}>" if p.name else p.address
            for p in (_address(r, Role.TO) for r in item.get("replyTo") or ())
            if p is not None
        )
        if reply_to:
            headers["reply-to"] = reply_to
    for header in item.get(HEADERS_FIELD) or ():
        name = str(header.get("name", "")).lower()
        value = str(header.get("value", ""))
        if name in CLASSIFICATION_HEADERS:
            headers[name] = value
        elif name == "in-reply-to":
            in_reply_to = next(iter(_ids(value)), None)
        elif name == "references":
            references = _ids(value)
    message_id = next(iter(_ids(str(item.get("internetMessageId") or ""))), None)
    graph_id = str(item.get("id") or "")
    if not message_id and not graph_id:
        raise Unusable("no id")
    return Interaction(
        provider_id="msg:" + message_id if message_id else "graph:" + graph_id,
        kind=Kind.EMAIL,
        occurred_at=parse_time(str(when)),
        participants=tuple(participants),
        subject=str(item.get("subject") or ""),
        thread_id=str(item.get("conversationId") or "") or message_id or graph_id,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        headers=headers,
        source=source,
        snippet=from_provider(str(item.get(PREVIEW_FIELD) or "")) if snippets else "",
    )


def event_provider_id(graph_id: str) -> str:
    """The provider id of a calendar occurrence (also what a removal of it names)."""
    return "event:" + graph_id


def event(item: dict[str, Any], *, source: str, owner: tuple[str, ...] = ()) -> Interaction | None:
    """One occurrence, single event or exception from `calendarView/delta` (times in UTC);
    `None` for a series master, whose occurrences arrive on their own (one meeting, counted once).

    `owner` (primary address first) lets the signed-in user's own answer (`responseStatus`,
    which Graph keeps apart from the attendee list) count as the owner's response.
    """
    if str(item.get("type") or "").lower() == "seriesmaster":
        return None
    graph_id = str(item.get("id") or "")
    start, end = item.get("start") or {}, item.get("end") or {}
    if not graph_id or not start.get("dateTime"):
        raise Unusable("event without id or start")
    participants: list[Participant] = []
    organizer = _address(item.get("organizer"), Role.ORGANIZER, Response.ACCEPTED)
    if organizer is not None:
        participants.append(organizer)
    for attendee in item.get("attendees") or ():
        status = (attendee.get("status") or {}).get("response") or "none"
        kind = str(attendee.get("type") or "required").lower()
        p = _address(
            attendee,
            Role.ATTENDEE,
            _RESPONSES.get(str(status).lower(), Response.NEEDS_ACTION),
            resource=kind == "resource",
        )
        if p is not None and not (organizer and p.address == organizer.address):
            participants.append(p)
    headers: dict[str, str] = (
        {
            "x-attendee-types": ",".join(
                sorted(
                    {str(a.get("type") or "required").lower() for a in item.get("attendees") or ()}
                )
            )
        }
        if item.get("attendees")
        else {}
    )
    if item.get("isOnlineMeeting"):
        headers["x-online-meeting"] = str(item.get("onlineMeetingProvider") or "online")
    mine = str((item.get("responseStatus") or {}).get("response") or "").lower()
    if mine:
        headers["x-owner-response"] = _RESPONSES.get(mine, Response.NEEDS_ACTION).value
    if owner and mine in ("accepted", "tentativelyaccepted", "declined"):
        participants = _with_owner_response(participants, owner, _RESPONSES[mine])
    return Interaction(
        provider_id=event_provider_id(graph_id),
        kind=Kind.MEETING,
        occurred_at=parse_time(str(start["dateTime"]), str(start.get("timeZone") or "UTC")),
        ended_at=parse_time(str(end["dateTime"]), str(end.get("timeZone") or "UTC"))
        if end.get("dateTime")
        else None,
        participants=tuple(participants),
        subject=str(item.get("subject") or ""),
        thread_id=str(item.get("seriesMasterId") or item.get("iCalUId") or graph_id),
        headers=headers,
        cancelled=bool(item.get("isCancelled")),
        source=source,
        location=_location(item.get("location")),
    )


def _location(value: Any) -> str:
    """`location.displayName` on one line ("" when missing or malformed)."""
    name = value.get("displayName") if isinstance(value, dict) else None
    return " ".join(str(name or "").split())


def _with_owner_response(
    participants: list[Participant], owner: tuple[str, ...], response: Response
) -> list[Participant]:
    if any(p.address in owner and p.role is Role.ORGANIZER for p in participants):
        return participants
    mine = [p for p in participants if p.address in owner]
    if not mine:  # invited through a list or a delegate: the owner attended all the same
        return [*participants, Participant(owner[0], Role.ATTENDEE, "", response)]
    return [
        Participant(p.address, p.role, p.name, response, p.is_resource) if p in mine else p
        for p in participants
    ]


def owner_addresses(me: dict[str, Any]) -> set[str]:
    """`/me`: mail, userPrincipalName (when it is an address) and every SMTP proxy address."""
    found: set[str] = set()
    for value in (me.get("mail"), me.get("userPrincipalName")):
        if isinstance(value, str) and "@" in value and "#EXT#" not in value:
            found.add(value.strip().lower())
    for proxy in me.get("proxyAddresses") or ():
        kind, _, address = str(proxy).partition(":")
        if kind.lower() == "smtp" and "@" in address:
            found.add(address.strip().lower())
    return found
