"""Per-person contact history: the plain data triggers look at.

An interaction becomes one `Touch` per person it involves, seen from the owner's side:
`out` (the owner wrote to them), `in` (they wrote to the owner) or `meeting` (both attended).
Touches are small slotted records so a million of them fit comfortably in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Literal

from keepwarm.models import (
    NOT_ATTENDING,
    Interaction,
    Kind,
    Participant,
    PersonView,
    Role,
    StoredInteraction,
)
from keepwarm.peers.copies import repeats
from keepwarm.peers.lists import list_addresses, route
from keepwarm.peers.signals import automated_signals

Direction = Literal["out", "in", "meeting"]
_SHOWN = (Role.TO, Role.CC)


@dataclass(frozen=True, slots=True)
class Touch:
    at: datetime
    direction: Direction
    interaction_id: int
    account: str
    provider_id: str
    subject: str = ""
    message_id: str | None = None
    thread_id: str | None = None
    references: tuple[str, ...] = ()
    ended_at: datetime | None = None
    #: People in the interaction besides the owner (meeting size, recipients).
    size: int = 1
    #: Where a meeting takes place (a room, an address, a video link); "" for emails.
    location: str = ""
    #: The meeting's organiser (lower-cased address), "" when none (and for emails).
    organiser: str = ""
    #: A meeting's attendees besides the owner, as (address, display name); shared per meeting.
    attendees: tuple[tuple[str, str], ...] = ()
    #: A mailing-list post (it travelled through a list, or a list is among its recipients):
    #: public discussion, never personal mail that is owed an answer or a nudge.
    listed: bool = False

    @property
    def kind(self) -> Kind:
        return Kind.MEETING if self.direction == "meeting" else Kind.EMAIL

    def __reduce__(self) -> tuple[type[Touch], tuple[object, ...]]:
        # Pickled as its field values: a frozen dataclass's own state restore looks its fields
        # up per object, which cost a worker-folded full pass a second per 100k touches.
        return Touch, touch_fields(self)


#: A touch's field values as one tuple, read in C (pickling, the store's encoding).
touch_fields = attrgetter(*(f.name for f in fields(Touch)))

History = Mapping[str, Sequence[Touch]]


def build_histories(
    people: Iterable[PersonView],
    interactions: Iterable[StoredInteraction],
    owner_addresses: frozenset[str],
    *,
    mass_mail_recipients: int | None = None,
    is_list: Callable[[str], bool] | None = None,
) -> dict[str, list[Touch]]:
    """Group interactions into per-person touches, oldest first (input must be oldest first).

    A mail with more than `mass_mail_recipients` visible (To/Cc) recipients besides the owner
    is no touch at all: detection takes no evidence from it, so no draft may cite it either.
    A mail that went through a mailing list, or to one (named by any message's list headers,
    or `is_list`: the detection policy's list hosts), is a `listed` touch.
    """
    owner_of: dict[str, str] = {}
    for person in people:
        for address in person.addresses:
            owner_of[address] = person.key
    interactions = list(interactions)
    named = list_addresses(s.interaction for s in interactions)

    def listed_address(address: str) -> bool:
        return address in named or (is_list is not None and is_list(address))

    histories: dict[str, list[Touch]] = {}
    copies = repeats(interactions)  # detection's rule: one email filed twice is one email
    for stored in interactions:
        item = stored.interaction
        if item.cancelled or stored.id in copies:
            continue
        others = [p for p in item.participants if p.address not in owner_addresses]
        size = len({p.address for p in others if not p.is_resource})
        if mass_mail_recipients is not None and item.kind is Kind.EMAIL:
            visible = {p.address for p in others if p.role in _SHOWN}
            if len(visible) > mass_mail_recipients:  # lists are archives, not recipients
                visible = {a for a in visible if not listed_address(a)}
                if len(visible) > mass_mail_recipients:
                    continue
        organiser = next((p.address for p in item.participants if p.role is Role.ORGANIZER), "")
        attendees = _attendees(item, owner_addresses)
        sender = item.sender if item.kind is Kind.EMAIL and item.headers else None
        found = route(item, sender) if sender is not None else None
        # The same test detection uses: an out-of-office, bounce or bulk mail is not the person
        # writing to you, so it neither answers a nudge nor withdraws a draft.
        auto = item.kind is Kind.EMAIL and bool(automated_signals(item, routed=found is not None))
        author = found.author if found is not None and found.rewritten else None
        listed = item.kind is Kind.EMAIL and (
            found is not None
            or any(listed_address(p.address) for p in item.participants if p.role in _SHOWN)
        )
        for key, direction in _touches(
            item.kind, item.participants, owner_addresses, owner_of, automatic=auto,
            author=author,
        ):  # fmt: skip
            histories.setdefault(key, []).append(
                Touch(
                    at=item.occurred_at,
                    direction=direction,
                    interaction_id=stored.id,
                    account=stored.account,
                    provider_id=item.provider_id,
                    subject=item.subject,
                    message_id=item.message_id,
                    thread_id=item.thread_id,
                    references=item.references,
                    ended_at=item.ended_at,
                    size=size,
                    location=item.location,
                    organiser=organiser,
                    attendees=attendees,
                    listed=listed,
                )
            )
    return histories


def _attendees(item: Interaction, owner_addresses: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """A meeting's people besides the owner (rooms and those not attending left out)."""
    if item.kind is not Kind.MEETING:
        return ()
    seen: dict[str, str] = {}
    for p in item.participants:
        if p.is_resource or p.address in owner_addresses or p.response in NOT_ATTENDING:
            continue
        if p.address not in seen or (p.name and not seen[p.address]):
            seen[p.address] = p.name
    return tuple(seen.items())


def _touches(
    kind: Kind,
    parts: Sequence[Participant],
    owner_addresses: frozenset[str],
    owner_of: Mapping[str, str],
    *,
    automatic: bool = False,
    author: Participant | None = None,
) -> list[tuple[str, Direction]]:
    if kind is Kind.MEETING:
        if any(
            p.address in owner_addresses and p.response in NOT_ATTENDING for p in parts
        ) or not any(p.address in owner_addresses for p in parts):
            return []
        met: dict[str, Direction] = {
            owner_of[p.address]: "meeting"
            for p in parts
            if p.address in owner_of and not p.is_resource and p.response not in NOT_ATTENDING
        }
        return list(met.items())
    sender = next((p for p in parts if p.role is Role.FROM), None)
    if sender is None:
        return []
    if author is not None:  # a list rewrote the From: the touch is the author's (the owner's
        sender = author  # own post too: one Message-ID, so the store holds only one copy)
    if sender.address in owner_addresses:
        if automatic:
            return []  # her calendar's "Accepted: …" or her auto-reply answers nobody
        wrote: dict[str, Direction] = {
            owner_of[p.address]: "out"
            for p in parts
            if p.role in (Role.TO, Role.CC) and p.address in owner_of
        }
        return list(wrote.items())
    key = owner_of.get(sender.address)
    if automatic:
        return []  # an out-of-office or notification is not the person writing
    if key is not None and any(p.address in owner_addresses for p in parts if p is not sender):
        return [(key, "in")]
    return []
