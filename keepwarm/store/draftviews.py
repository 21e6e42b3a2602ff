"""Read-only queries behind the queue's views: filtered lists, a draft's context, a timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from keepwarm.store.drafts import real_ids
from keepwarm.store.tables import (
    Account,
    Draft,
    InteractionRow,
    ParticipantRow,
    Person,
    PersonAddress,
)

#: How much of a draft's body the queue list previews.
PREVIEW_CHARS = 240


@dataclass(frozen=True, slots=True)
class InteractionLine:
    """One interaction as the queue shows it: what, when, who."""

    id: int
    kind: str
    subject: str
    occurred_at: datetime
    who: tuple[str, ...]
    sender: str
    #: The stored snippet (private: shown with a draft's evidence only).
    snippet: str = ""


def filtered(
    session: Session,
    *,
    states: Sequence[str] = (),
    rule: str | None = None,
    account: str | None = None,
    person: str | None = None,
    ids: Sequence[int] = (),
) -> list[tuple[Draft, Person, str]]:
    """Drafts with their person and account name, oldest due first."""
    query = (
        select(Draft, Person, Account.name)
        .join(Person, Person.id == Draft.person_id)
        .join(Account, Account.id == Draft.account_id)
        .order_by(Draft.due_at, Draft.id)
    )
    if states:
        query = query.where(Draft.state.in_(list(states)))
    if rule:
        query = query.where(Draft.rule == rule)
    if account:
        query = query.where(Account.name == account)
    if ids:
        query = query.where(Draft.id.in_(real_ids(ids)))
    if person:
        query = query.where(_person_filter(person))
    return [(d, p, a) for d, p, a in session.execute(query)]


def summaries(
    session: Session,
    *,
    states: Sequence[str] = (),
    rule: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """The queue list's rows as plain dicts: only the columns a list shows, no ORM objects
    (of the body, only the start the list previews).

    The web page lists up to thousands of drafts; skipping the ORM identity map and the bodies
    keeps a 1,000-row page well inside its 200 ms budget.
    """
    query = (
        select(
            Draft.id,
            Draft.state,
            Draft.rule,
            Draft.to,
            Draft.subject,
            Draft.reasons,
            Draft.due_at,
            func.substr(Draft.body, 1, PREVIEW_CHARS),
            Person.name,
            Person.organisation,
            Person.key,
        )
        .join(Person, Person.id == Draft.person_id)
        .order_by(Draft.due_at, Draft.id)
    )
    if states:
        query = query.where(Draft.state.in_(list(states)))
    if rule:
        query = query.where(Draft.rule == rule)
    if person:
        query = query.where(_person_filter(person))
    return [
        {
            "id": r[0],
            "state": r[1],
            "rule": r[2],
            "to": r[3],
            "subject": r[4],
            "reason": r[5][0] if r[5] else "",
            "due": r[6].isoformat(),
            "due_short": f"{r[6]:%Y-%m-%d %H:%M}",
            "preview": r[7],
            "person": {"name": r[8], "organisation": r[9], "address": r[10]},
        }
        for r in session.execute(query)
    ]


def _person_filter(person: str) -> ColumnElement[bool]:
    needle = person.strip().lower()
    by_address = select(PersonAddress.person_id).where(PersonAddress.address == needle)
    return (
        Person.key.contains(needle, autoescape=True)
        | Person.id.in_(by_address)
        | func.lower(Person.name).contains(needle, autoescape=True)
    )


def counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Draft.state, func.count()).group_by(Draft.state)).all())


def interaction_lines(session: Session, ids: Sequence[int]) -> list[InteractionLine]:
    """The interactions behind a draft (or a timeline), newest first, with their participants."""
    if not ids:
        return []
    rows = list(
        session.scalars(
            select(InteractionRow)
            .where(InteractionRow.id.in_(list(ids)))
            .order_by(InteractionRow.occurred_at.desc())
        )
    )
    people: dict[int, list[ParticipantRow]] = {}
    for p in session.scalars(
        select(ParticipantRow).where(ParticipantRow.interaction_id.in_([r.id for r in rows]))
    ):
        people.setdefault(p.interaction_id, []).append(p)
    lines = []
    for r in rows:
        parts = people.get(r.id, [])
        sender = next((p.address for p in parts if p.role in ("from", "organizer")), "")
        who = tuple(f"{p.name} <{p.address}>" if p.name else p.address for p in parts)
        lines.append(
            InteractionLine(r.id, r.kind, r.subject, r.occurred_at, who, sender, r.snippet or "")
        )
    return lines


def person_interaction_ids(session: Session, person_id: int, *, limit: int = 200) -> list[int]:
    addresses = select(PersonAddress.address).where(PersonAddress.person_id == person_id)
    return list(
        session.scalars(
            select(InteractionRow.id)
            .join(ParticipantRow, ParticipantRow.interaction_id == InteractionRow.id)
            .where(ParticipantRow.address.in_(addresses))
            .group_by(InteractionRow.id)
            .order_by(InteractionRow.occurred_at.desc())
            .limit(limit)
        )
    )


def person_drafts(session: Session, person_id: int) -> list[Draft]:
    return list(
        session.scalars(
            select(Draft).where(Draft.person_id == person_id).order_by(Draft.created_at, Draft.id)
        )
    )


def person_addresses(session: Session, person_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PersonAddress.address)
            .where(PersonAddress.person_id == person_id)
            .order_by(PersonAddress.address)
        )
    )


def person_by_key(session: Session, key: str) -> Person | None:
    needle = key.strip().lower()
    person = session.scalar(select(Person).where(Person.key == needle))
    if person is None:
        pid = session.scalar(select(PersonAddress.person_id).where(PersonAddress.address == needle))
        person = session.get(Person, pid) if pid is not None else None
    return person
