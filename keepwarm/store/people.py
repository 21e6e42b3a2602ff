"""People and their addresses, rewritten from each detection pass."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
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


def save_people(
    session: Session,
    *,
    people: Sequence[PersonView],
    now: datetime,
    scope: Collection[str] | None = None,
    due: Mapping[str, datetime] | None = None,
) -> dict[str, int]:
    """Upsert people by key and rewrite their address index; returns key → id.

    Without `scope`, `people` is everyone. With it, `people` replaces exactly the people that
    own one of the `scope` addresses (a pass that recomputed only those). Ids are stable across
    passes. A person no longer detected (merged into another, or forgotten) loses their
    addresses; their row is deleted unless drafts still refer to it. `due` is each person's
    next change with no new data (`Person.due_at`).
    """
    serialize(session, "people")
    ids = person_ids(session) if scope is None else _ids_for(session, people, scope)
    known_keys = set(ids)
    rows = [_row(p, now, (due or {}).get(p.key)) for p in people]
    fresh = [r for r in rows if r["key"] not in known_keys]
    if fresh:
        session.execute(insert(Person), fresh)
        ids = {**ids, **_keyed(session, [r["key"] for r in fresh])}
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
    query = select(PersonAddress.address, PersonAddress.person_id, PersonAddress.position)
    if scope is None:
        found = session.execute(query).all()
    else:
        found = [
            row
            for chunk in _chunks(sorted(set(ids.values())))
            for row in session.execute(query.where(PersonAddress.person_id.in_(chunk)))
        ]
    stored = {a: (pid, pos) for a, pid, pos in found}
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


def _ids_for(
    session: Session, people: Sequence[PersonView], scope: Collection[str]
) -> dict[str, int]:
    """Key → id of the people owning a `scope` address, and of the `people` already stored."""
    owners: set[int] = set()
    for chunk in _chunks(sorted(set(scope))):
        owners.update(
            session.scalars(select(PersonAddress.person_id).where(PersonAddress.address.in_(chunk)))
        )
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(owners)):
        found.update(
            session.execute(select(Person.key, Person.id).where(Person.id.in_(chunk))).all()
        )
    found.update(_keyed(session, [p.key for p in people]))
    return found


def _keyed(session: Session, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(
            session.execute(select(Person.key, Person.id).where(Person.key.in_(chunk))).all()
        )
    return found


def _chunks(items: Sequence[Any], size: int = 500) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _row(p: PersonView, now: datetime, due: datetime | None = None) -> dict[str, Any]:
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
        "due_at": due,
    }


def load_people(
    session: Session, *, peers_only: bool, keys: Collection[str] | None = None
) -> list[tuple[Person, list[str]]]:
    """People (all, peers, or those with these keys) with their visible addresses."""
    query = select(Person).order_by(Person.name, Person.key)
    if peers_only:
        query = query.where(Person.classification == Classification.PEER.value)
    spelled = (
        select(PersonAddress.address, PersonAddress.person_id)
        .where(PersonAddress.position < HIDDEN)
        .order_by(PersonAddress.person_id, PersonAddress.position, PersonAddress.address)
    )
    if keys is None:
        persons = list(session.scalars(query))
        rows = session.execute(spelled).all()
    else:
        persons = [
            p
            for c in _chunks(sorted(set(keys)))
            for p in session.scalars(query.where(Person.key.in_(c)))
        ]
        rows = [
            row
            for c in _chunks([p.id for p in persons])
            for row in session.execute(spelled.where(PersonAddress.person_id.in_(c)))
        ]
    addresses: dict[int, list[str]] = {}
    for address, person_id in rows:
        addresses.setdefault(person_id, []).append(address)
    # A person without addresses was merged away or forgotten; only old drafts still point to it.
    return [(p, addresses[p.id]) for p in persons if p.id in addresses]


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


def people_views(session: Session, *, keys: Collection[str] | None = None) -> list[PersonView]:
    """People as detection last saw them (everyone, or those with these keys), with the
    owner's notes, for rule evaluation."""
    stored = load_people(session, peers_only=False, keys=keys)
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


def person_keys(session: Session) -> list[str]:
    return list(session.scalars(select(Person.key).order_by(Person.key)))


def address_keys_of(session: Session, person_keys: Collection[str]) -> dict[str, set[str]]:
    """Each person's normalised address keys (what detection keyed their evidence by)."""
    found: dict[str, set[str]] = {}
    query = select(Person.key, PersonAddress.address).join(
        PersonAddress, PersonAddress.person_id == Person.id
    )
    for chunk in _chunks(sorted(set(person_keys))):
        for key, address in session.execute(query.where(Person.key.in_(chunk))):
            found.setdefault(key, set()).add(normalise(address))
    return found


def due_people(session: Session, *, now: datetime) -> dict[str, set[str]]:
    """People whom time alone changes by `now`, with their address keys."""
    keys = list(session.scalars(select(Person.key).where(Person.due_at <= now)))
    return address_keys_of(session, keys)


def classification_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Person.classification, func.count())
        .where(Person.id.in_(select(PersonAddress.person_id)))
        .group_by(Person.classification)
    )
    return dict(sorted(rows))


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


def visible_addresses(session: Session, person_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PersonAddress.address)
            .where(PersonAddress.person_id == person_id, PersonAddress.position < HIDDEN)
            .order_by(PersonAddress.position)
        )
    )


def all_addresses(session: Session, person_id: int) -> list[str]:
    """Every address of the person, hidden spellings included."""
    return list(
        session.scalars(select(PersonAddress.address).where(PersonAddress.person_id == person_id))
    )


def delete_people_of(session: Session, target: str) -> None:
    """Delete the people (and their drafts) an address or `@domain` covers."""
    if target.startswith("@"):
        domain = target[1:]
        rows = session.execute(select(PersonAddress.address, PersonAddress.person_id))
        ids = {
            pid
            for address, pid in rows
            if (d := address.rpartition("@")[2]) == domain or d.endswith("." + domain)
        }
    else:
        person = find_person(session, address=target)
        ids = {person.id} if person is not None else set()
    if ids:
        session.execute(delete(Person).where(Person.id.in_(ids)))


def forgotten_as(session: Session, candidates: Collection[str]) -> bool:
    """Whether a `forget` override names one of these targets."""
    found = session.scalar(
        select(Override.id).where(
            Override.action == "forget", Override.target.in_(list(candidates))
        )
    )
    return found is not None


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
