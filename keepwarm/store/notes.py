"""Person notes: the tags (`peers tag`) and fields (`peers set`) the owner gives people.

Notes are kept by address (or `@domain` for tags), like detection overrides, so they follow a
person through re-detection and merges: a person has the notes of all their addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from keepwarm.errors import KeepwarmError
from keepwarm.store.engine import make_engine
from keepwarm.store.tables import PersonAddress, PersonNote

TAG, FIELD = "tag", "field"


@dataclass
class Notes:
    """One person's notes."""

    tags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)


def add_tag(session: Session, *, target: str, tag: str, now: datetime) -> bool:
    """Tag an address or `@domain` (False when it already had the tag)."""
    found = _find(session, target, TAG, tag)
    if found is not None:
        return False
    session.add(PersonNote(target=target, kind=TAG, name=tag, value="", updated_at=now))
    return True


def remove_tag(session: Session, *, targets: Iterable[str], tag: str) -> bool:
    """Remove a tag from any of these targets (False when none had it)."""
    result = session.execute(
        delete(PersonNote).where(
            PersonNote.target.in_(list(targets)), PersonNote.kind == TAG, PersonNote.name == tag
        )
    )
    return bool(getattr(result, "rowcount", 0))


def set_field(
    session: Session, *, targets: list[str], name: str, value: str, now: datetime
) -> None:
    """Set (or with an empty value, clear) a field on the first target, dropping the others'."""
    session.execute(
        delete(PersonNote).where(
            PersonNote.target.in_(targets), PersonNote.kind == FIELD, PersonNote.name == name
        )
    )
    if value:
        session.add(
            PersonNote(target=targets[0], kind=FIELD, name=name, value=value, updated_at=now)
        )


def _find(session: Session, target: str, kind: str, name: str) -> PersonNote | None:
    return session.scalar(
        select(PersonNote).where(
            PersonNote.target == target, PersonNote.kind == kind, PersonNote.name == name
        )
    )


def notes_by_person(session: Session, addresses: dict[int, list[str]]) -> dict[int, Notes]:
    """Person id → notes, for the people whose visible addresses are given (id → addresses).

    Address notes are found through the address index (normalised spellings included);
    `@domain` tags cover every address in that domain or its subdomains.
    """
    found: dict[int, Notes] = {}
    rows = session.execute(
        select(PersonAddress.person_id, PersonNote.kind, PersonNote.name, PersonNote.value)
        .join(PersonAddress, PersonAddress.address == PersonNote.target)
        .order_by(PersonNote.updated_at, PersonNote.id)
    )
    for person_id, kind, name, value in rows:
        notes = found.setdefault(person_id, Notes())
        if kind == TAG:
            notes.tags.add(name)
        else:
            notes.fields[name] = value  # the latest one wins (ordered by time)
    domains: dict[str, set[str]] = {}
    for target, name in session.execute(
        select(PersonNote.target, PersonNote.name).where(
            PersonNote.kind == TAG, PersonNote.target.startswith("@")
        )
    ):
        domains.setdefault(target[1:], set()).add(name)
    if domains:
        for person_id, person_addresses in addresses.items():
            for address in person_addresses:
                domain = address.rpartition("@")[2]
                parts = domain.split(".")
                for start in range(len(parts) - 1):
                    tags = domains.get(".".join(parts[start:]))
                    if tags:
                        found.setdefault(person_id, Notes()).tags.update(tags)
    return found


def known_tags(session: Session) -> set[str]:
    """Every tag given to anyone (so a rule using one is not flagged as matching nobody)."""
    return set(session.scalars(select(PersonNote.name).where(PersonNote.kind == TAG).distinct()))


def notes_of(session: Session, targets: Iterable[str]) -> Notes:
    """The notes stored on these exact targets (one person's addresses, for display)."""
    notes = Notes()
    for kind, name, value in session.execute(
        select(PersonNote.kind, PersonNote.name, PersonNote.value)
        .where(PersonNote.target.in_(list(targets)))
        .order_by(PersonNote.updated_at, PersonNote.id)
    ):
        if kind == TAG:
            notes.tags.add(name)
        else:
            notes.fields[name] = value
    return notes


def tags_if_stored(db_url: str) -> frozenset[str]:
    """The tags in this database, or none when there is no database (yet) to read them from:
    nothing is created or migrated."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return frozenset()
    try:
        engine = make_engine(db_url)
        try:
            if not inspect(engine).has_table("person_notes"):
                return frozenset()
            with Session(engine) as session:
                return frozenset(known_tags(session))
        finally:
            engine.dispose()
    except (KeepwarmError, SQLAlchemyError):
        return frozenset()  # no database to ask: the check still reads the files
