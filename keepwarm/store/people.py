"""People and their addresses, rewritten from each detection pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from keepwarm.models import Classification, PersonView, Stage
from keepwarm.store.locks import serialize
from keepwarm.store.tables import Person, PersonAddress


def save_people(session: Session, *, people: Sequence[PersonView], now: datetime) -> dict[str, int]:
    """Upsert every person by key; returns key → id. Ids are stable across passes."""
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
    known = set(session.scalars(select(PersonAddress.address)))
    new_addresses = [
        {"address": a, "person_id": ids[p.key]}
        for p in people
        for a in p.addresses
        if a not in known
    ]
    if new_addresses:
        session.execute(insert(PersonAddress), new_addresses)
    return ids


def _row(p: PersonView, now: datetime) -> dict[str, Any]:
    return {
        "key": p.key,
        "name": p.name,
        "organisation": p.organisation,
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
    }


def load_people(session: Session, *, peers_only: bool) -> list[tuple[Person, list[str]]]:
    query = select(Person).order_by(Person.name, Person.key)
    if peers_only:
        query = query.where(Person.classification == Classification.PEER.value)
    addresses: dict[int, list[str]] = {}
    for address, person_id in session.execute(
        select(PersonAddress.address, PersonAddress.person_id)
    ):
        addresses.setdefault(person_id, []).append(address)
    return [(p, sorted(addresses.get(p.id, [p.key]))) for p in session.scalars(query)]


def find_person(session: Session, *, address: str) -> Person | None:
    person_id = session.scalar(
        select(PersonAddress.person_id).where(PersonAddress.address == address.strip().lower())
    )
    return session.get(Person, person_id) if person_id is not None else None


def people_views(session: Session) -> list[PersonView]:
    """People as detection last saw them, for rule evaluation."""
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
        )
        for p, addresses in load_people(session, peers_only=False)
    ]


def person_ids(session: Session) -> dict[str, int]:
    """Person key → id for everyone stored."""
    return dict(session.execute(select(Person.key, Person.id)).all())
