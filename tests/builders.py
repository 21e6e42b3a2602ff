"""Small data builders for tests: realistic interactions without files or a database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction

OWNER = "ada@analytical.example"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def email(
    sender: str,
    to: list[str],
    *,
    days_ago: float = 1,
    subject: str = "Hello",
    cc: list[str] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> StoredInteraction:
    names = names or {}
    n = next(_ids)
    participants = [Participant(sender, Role.FROM, names.get(sender, ""))]
    participants += [Participant(a, Role.TO, names.get(a, "")) for a in to]
    participants += [Participant(a, Role.CC, names.get(a, "")) for a in cc or []]
    mid = message_id or f"m{n}@test.example"
    return StoredInteraction(
        id=n,
        account="demo",
        interaction=Interaction(
            provider_id=f"msg:{mid}",
            kind=Kind.EMAIL,
            occurred_at=at(days_ago),
            participants=tuple(participants),
            subject=subject,
            message_id=mid,
            in_reply_to=in_reply_to,
            thread_id=in_reply_to or mid,
            headers=headers or {},
        ),
    )


def meeting(
    attendees: dict[str, Response | None],
    *,
    days_ago: float = 2,
    subject: str = "Coffee",
    organizer: str = OWNER,
    cancelled: bool = False,
    rooms: list[str] | None = None,
) -> StoredInteraction:
    n = next(_ids)
    participants = [Participant(organizer, Role.ORGANIZER)]
    participants += [Participant(a, Role.ATTENDEE, "", r) for a, r in attendees.items()]
    participants += [Participant(r, Role.ATTENDEE, "Room", None, True) for r in rooms or []]
    start = at(days_ago)
    return StoredInteraction(
        id=n,
        account="demo",
        interaction=Interaction(
            provider_id=f"ics:{n}",
            kind=Kind.MEETING,
            occurred_at=start,
            ended_at=start + timedelta(hours=1),
            participants=tuple(participants),
            subject=subject,
            cancelled=cancelled,
        ),
    )
