"""The approval queue's storage: drafts, their history, and the delivery outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwarm.errors import InvalidTransition, NotFound
from keepwarm.models import DraftState, ProposedDraft
from keepwarm.store.locks import serialize
from keepwarm.store.tables import Account, Delivery, Draft, DraftEvent, Person

OPEN_STATES = (DraftState.PENDING.value, DraftState.APPROVED.value, DraftState.SNOOZED.value)

#: Which states a user action may move a draft out of.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DraftState.APPROVED.value: (DraftState.PENDING.value, DraftState.SNOOZED.value),
    DraftState.REJECTED.value: (
        DraftState.PENDING.value,
        DraftState.SNOOZED.value,
        DraftState.APPROVED.value,
    ),
}


def add_drafts(
    session: Session,
    *,
    proposals: Iterable[ProposedDraft],
    person_ids: dict[str, int],
    now: datetime,
) -> int:
    """Queue proposals as pending drafts, once per key and at most one open draft per person.

    Serialised across workers: the open-draft-per-person policy is a read-then-write."""
    serialize(session, "drafts")
    keys = set(session.scalars(select(Draft.key)))
    busy = set(session.scalars(select(Draft.person_id).where(Draft.state.in_(OPEN_STATES))))
    accounts = dict(session.execute(select(Account.name, Account.id)).all())
    created = 0
    for p in proposals:
        person_id = person_ids[p.person_key]
        if p.key in keys or person_id in busy:
            continue
        draft = Draft(
            key=p.key, rule=p.rule, person_id=person_id, account_id=accounts[p.account],
            to=list(p.to), subject=p.subject, body=p.body, state=DraftState.PENDING.value,
            reasons=list(p.reasons), interaction_ids=list(p.interaction_ids),
            in_reply_to=p.in_reply_to, due_at=p.due_at, expires_at=p.expires_at,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(draft)
        session.flush()
        session.add(
            DraftEvent(draft_id=draft.id, at=now, actor="keepwarm", action="created", detail=p.rule)
        )
        keys.add(p.key)
        busy.add(person_id)
        created += 1
    return created


def list_drafts(session: Session, *, state: str | None = None) -> list[tuple[Draft, Person, str]]:
    query = (
        select(Draft, Person, Account.name)
        .join(Person, Person.id == Draft.person_id)
        .join(Account, Account.id == Draft.account_id)
        .order_by(Draft.due_at, Draft.id)
    )
    if state is not None:
        query = query.where(Draft.state == state)
    return [(d, p, a) for d, p, a in session.execute(query)]


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft with id {draft_id}; list them with `keepwarm queue`")
    return draft


def transition(
    session: Session,
    *,
    ids: Sequence[int],
    to: DraftState,
    actor: str,
    now: datetime,
    detail: str = "",
) -> list[Draft]:
    """Move drafts to `to` as a user action, recording who did it; all or nothing."""
    drafts = [get_draft(session, i) for i in ids]
    allowed = TRANSITIONS[to.value]
    for draft in drafts:
        if draft.state not in allowed:
            raise InvalidTransition(
                f"draft {draft.id} is {draft.state}; only {', '.join(allowed)} drafts can be {to.value}"
            )
    for draft in drafts:
        draft.state, draft.updated_at = to.value, now
        session.add(
            DraftEvent(draft_id=draft.id, at=now, actor=actor, action=to.value, detail=detail)
        )
    return drafts


def deliverable(session: Session, *, now: datetime) -> list[Draft]:
    """Approved drafts whose time has come (and any whose delivery outcome is unknown)."""
    return list(
        session.scalars(
            select(Draft)
            .where(Draft.state == DraftState.APPROVED.value, Draft.due_at <= now)
            .order_by(Draft.due_at, Draft.id)
        )
    )


def delivery_of(session: Session, draft_id: int) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.draft_id == draft_id))


def log(session: Session, *, draft_id: int, now: datetime, action: str, detail: str = "") -> None:
    session.add(
        DraftEvent(draft_id=draft_id, at=now, actor="keepwarm", action=action, detail=detail)
    )
