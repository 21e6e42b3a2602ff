"""People and their addresses, rewritten from each detection pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from keepwarm.errors import ConfigError
from keepwarm.models import Classification, PersonView, Stage
from keepwarm.peers.addresses import normalise
from keepwarm.store import fit
from keepwarm.store.locks import serialize
from keepwarm.store.notes import notes_by_person
from keepwarm.store.tables import Draft, Override, Person, PersonAddress

#: Positions from here on hold normalised forms, used for look-ups but never shown.
HIDDEN = 1000
_NO_TAGS: frozenset[str] = frozenset()
_NO_FIELDS: Mapping[str, str] = MappingProxyType({})


def save_people(session: Session, *, people: Sequence[PersonView], now: datetime) -> dict[str, int]:
    """Upsert every person by key and rewrite the address index; returns key → id.

    Ids are stable across passes. A person no longer detected (merged into another, or
    forgotten) loses their addresses; their row is deleted unless drafts still refer to it.
    """
    serialize(session, "people")
    ids = person_ids(session)
    known_keys = set(ids)
    rows = [_row(p, now) for p in people]
    fresh = [r for r in rows if r["key"] not in known_keys]
    if fresh:
        session.execute(insert(Person), fresh)
        ids = person_ids(session)
    stale = [{"id": ids[r["key"]], **r} for r in rows if r["key"] in known_keys]
    if stale:
        session.execute(update(Person), stale)
    wanted: dict[str, tuple[int, int]] = {}
    for p in people:
        # Normalised forms are stored too (hidden), so `why Ada+x@…` finds `ada@…`.
        hidden = [p.key, *(normalise(a) for a in p.addresses)]
        spellings = [*enumerate(p.addresses), *((HIDDEN + i, a) for i, a in enumerate(hidden))]
        for position, address in spellings:
            wanted.setdefault(address, (ids[p.key], position))
    # Rewrite only what changed: most passes move no address at all.
    stored = {
        a: (pid, pos)
        for a, pid, pos in session.execute(
            select(PersonAddress.address, PersonAddress.person_id, PersonAddress.position)
        )
    }
    changed = [a for a, where in stored.items() if wanted.get(a) != where]
    for chunk in _chunks(changed):
        session.execute(delete(PersonAddress).where(PersonAddress.address.in_(chunk)))
    addresses = [
        {"address": a, "person_id": pid, "position": pos}
        for a, (pid, pos) in wanted.items()
        if stored.get(a) != (pid, pos)
    ]
    if addresses:
        session.execute(insert(PersonAddress), addresses)
    gone = sorted(known_keys - {p.key for p in people})
    with_drafts = select(Draft.person_id)
    for chunk in _chunks(gone):
        session.execute(delete(Person).where(Person.key.in_(chunk), Person.id.not_in(with_drafts)))
    return ids


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _row(p: PersonView, now: datetime) -> dict[str, Any]:
    return {
        "key": p.key,
        "name": fit.cut(p.name, fit.NAME),
        "organisation": fit.cut(p.organisation, fit.ORGANISATION),
        "classification": p.classification.value,
        "stage": p.stage.value if p.stage else None,
        "reasons": list(p.reasons),
        "first_seen": p.first_seen,
        "last_seen": p.last_seen,
        "planted_by": p.planted_by,
        "planted_at": p.planted_at,
        "last_two_way": p.last_two_way,
        "followed_up_at": p.followed_up_at,
        "updated_at": now,
        "counts": dict(p.counts),
        "evidence": list(p.evidence),
        "known": p.known,
    }


def load_people(session: Session, *, peers_only: bool) -> list[tuple[Person, list[str]]]:
    query = select(Person).order_by(Person.name, Person.key)
    if peers_only:
        query = query.where(Person.classification == Classification.PEER.value)
    addresses: dict[int, list[str]] = {}
    for address, person_id in session.execute(
        select(PersonAddress.address, PersonAddress.person_id)
        .where(PersonAddress.position < HIDDEN)
        .order_by(PersonAddress.person_id, PersonAddress.position, PersonAddress.address)
    ):
        addresses.setdefault(person_id, []).append(address)
    # A person without addresses was merged away or forgotten; only old drafts still point to it.
    return [(p, addresses[p.id]) for p in session.scalars(query) if p.id in addresses]


def find_person(session: Session, *, address: str) -> Person | None:
    """The person an address belongs to, in the spelling given or its normalised form."""
    wanted = address.strip().lower()
    for candidate in dict.fromkeys([wanted, normalise(wanted)]):
        person_id = session.scalar(
            select(PersonAddress.person_id).where(PersonAddress.address == candidate)
        )
        if person_id is not None:
            return session.get(Person, person_id)
    return None


def people_views(session: Session) -> list[PersonView]:
    """People as detection last saw them, with the owner's notes, for rule evaluation."""
    stored = load_people(session, peers_only=False)
    notes = notes_by_person(session, {p.id: addresses for p, addresses in stored})
    return [
        PersonView(
            key=p.key,
            name=p.name,
            addresses=tuple(addresses),
            classification=Classification(p.classification),
            reasons=tuple(p.reasons),
            stage=Stage(p.stage) if p.stage else None,
            first_seen=p.first_seen,
            last_seen=p.last_seen,
            planted_by=p.planted_by,
            planted_at=p.planted_at,
            last_two_way=p.last_two_way,
            followed_up_at=p.followed_up_at,
            organisation=p.organisation,
            counts=dict(p.counts or {}),
            evidence=tuple(p.evidence or ()),
            known=p.known,
            tags=frozenset(notes[p.id].tags) if p.id in notes else _NO_TAGS,
            fields=MappingProxyType(notes[p.id].fields) if p.id in notes else _NO_FIELDS,
        )
        for p, addresses in stored
    ]


def new_peers(session: Session, *, since: datetime) -> list[Person]:
    """Peers planted since `since`, and new peers still waiting for their first follow-up.

    A new peer whose thank-you draft is still pending is news until it is handled, so the
    digest's "new peers" agrees with the new-peer drafts waiting, whenever the peer was planted.
    """
    waiting = select(Draft.person_id).where(Draft.state == "pending")
    first_follow_up = and_(Person.id.in_(waiting), Person.stage == Stage.SEEDED.value)
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.classification == Classification.PEER.value,
                or_(Person.planted_at >= since, first_follow_up),
            )
            .order_by(Person.planted_at.desc(), Person.key)
        )
    )


def person_ids(session: Session) -> dict[str, int]:
    """Person key → id for everyone stored."""
    return dict(session.execute(select(Person.key, Person.id)).all())


# User overrides ------------------------------------------------------------------------------

OVERRIDE_ACTIONS = ("block", "allow", "forget", "merge")
#: Actions that cancel each other on the same target: the latest decision wins.
_OPPOSITES = {"block": ("allow",), "allow": ("block", "forget"), "forget": ("allow",)}


def add_override(
    session: Session, *, action: str, target: str, other: str | None = None, now: datetime
) -> bool:
    """Record a decision once (False when it was already recorded)."""
    target = target.strip().lower()
    other = other.strip().lower() if other else None
    for value in (target, other or ""):
        if len(value) > fit.ADDRESS or "\x00" in value:
            raise ConfigError(f"{value[:60]!r}…: not an address or @domain (too long)")
    session.execute(
        delete(Override).where(
            Override.target == target, Override.action.in_(_OPPOSITES.get(action, ()))
        )
    )
    exists = session.scalar(
        select(Override.id).where(
            Override.action == action,
            Override.target == target,
            Override.other.is_(other) if other is None else Override.other == other,
        )
    )
    if exists is not None:
        return False
    session.add(Override(action=action, target=target, other=other, created_at=now))
    return True


def overrides(session: Session) -> dict[str, list[tuple[str, str | None]]]:
    """action → [(target, other)] in the order they were made."""
    found: dict[str, list[tuple[str, str | None]]] = {a: [] for a in OVERRIDE_ACTIONS}
    for action, target, other in session.execute(
        select(Override.action, Override.target, Override.other).order_by(Override.id)
    ):
        found.setdefault(action, []).append((target, other))
    return found
