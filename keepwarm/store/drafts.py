"""The approval queue's storage: drafts, their history, and the delivery outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from keepwarm import queue_states
from keepwarm.errors import InvalidTransition, NotFound
from keepwarm.models import DraftState, ProposedDraft
from keepwarm.rules import placeholders
from keepwarm.store import fit
from keepwarm.store.locks import serialize
from keepwarm.store.tables import Account, Delivery, Draft, DraftEvent, Mute, Person

OPEN_STATES = tuple(s.value for s in queue_states.OPEN)
#: The `rule` of a mute that silences every rule for a person ("forget this person").
EVERY_RULE = "*"


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
    muted = muted_pairs(session)
    created = 0
    for p in proposals:
        person_id = person_ids[p.person_key]
        key = fit.fit(p.key, fit.DRAFT_KEY)
        if key in keys or person_id in busy:
            continue
        if (person_id, p.rule) in muted or (person_id, EVERY_RULE) in muted:
            continue
        draft = Draft(
            key=key, rule=fit.fit(p.rule, fit.RULE), person_id=person_id,
            account_id=accounts[p.account], to=list(p.to), subject=fit.clean(p.subject),
            body=fit.clean(p.body), state=DraftState.PENDING.value, reasons=list(p.reasons),
            interaction_ids=list(p.interaction_ids),
            # A fitted Message-ID is not the real one: no threading beats a wrong reference.
            in_reply_to=None if fit.was_fitted(p.in_reply_to, fit.ID) else p.in_reply_to,
            due_at=p.due_at, expires_at=p.expires_at,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(draft)
        session.flush()
        session.add(
            DraftEvent(draft_id=draft.id, at=now, actor="keepwarm", action="created", detail=p.rule)
        )
        keys.add(key)
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


#: Ids are 64-bit integers in both databases; a larger number is no draft, not an overflow.
MAX_ID = 2**63 - 1


def real_ids(ids: Iterable[int]) -> list[int]:
    """`ids` that can exist; an id outside the integer column's range is reported as unknown."""
    out = list(ids)
    for i in out:
        if not 0 < i <= MAX_ID:
            raise NotFound(f"no draft with id {i}; list them with `keepwarm queue`")
    return out


def get_draft(session: Session, draft_id: int) -> Draft:
    real_ids([draft_id])
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
    """Move drafts to `to` as a user action, recording who did it; all or nothing.

    Legal moves come from `keepwarm.queue_states`; a draft whose delivery has started can only
    be finished by the outbox, never taken back by a user.
    """
    found = {d.id: d for d in _load(session, ids)}
    for i in ids:
        if i not in found:
            raise NotFound(f"no draft with id {i}; list them with `keepwarm queue`")
    drafts = [found[i] for i in dict.fromkeys(ids)]
    started = in_delivery(session, [d.id for d in drafts])
    for draft in drafts:
        queue_states.check(draft.id, draft.state, to)
        if draft.id in started and to not in (DraftState.DELIVERED, DraftState.FAILED):
            raise InvalidTransition(
                f"draft {draft.id} is being delivered; wait for `keepwarm deliver` to finish"
            )
        if to == DraftState.APPROVED:
            queue_states.check_complete(draft.id, draft.rule, draft.subject, draft.body)
    for draft in drafts:
        if draft.state == DraftState.FAILED.value and to == DraftState.APPROVED:
            # Re-approval after the user checked the provider: a fresh outbox attempt.
            old = delivery_of(session, draft.id)
            if old is not None:
                session.delete(old)
        draft.state, draft.updated_at = to.value, now
        if to != DraftState.SNOOZED:
            draft.snoozed_until = None
    # One executemany for the history, not one INSERT per draft (bulk approve of 1,000 < 1 s).
    session.execute(
        insert(DraftEvent),
        [
            {"draft_id": d.id, "at": now, "actor": actor, "action": to.value,
             "detail": fit.clean(detail)}  # a typed reason may hold a NUL
            for d in drafts
        ],
    )
    return drafts


def _load(session: Session, ids: Sequence[int]) -> list[Draft]:
    """Drafts by id in few queries (SQLite limits bound parameters, hence the chunks)."""
    unique = list(dict.fromkeys(real_ids(ids)))
    out: list[Draft] = []
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        # FOR UPDATE: on PostgreSQL a user action and the outbox's attempt on the same draft
        # serialize, so a draft can't be rejected while its delivery is being recorded.
        out.extend(session.scalars(select(Draft).where(Draft.id.in_(chunk)).with_for_update()))
    return out


def lock_draft(session: Session, draft_id: int) -> Draft:
    """The draft, row-locked for the rest of the transaction (a no-op on SQLite, which
    serializes writers anyway)."""
    real_ids([draft_id])
    draft = session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update())
    if draft is None:
        raise NotFound(f"no draft with id {draft_id}; list them with `keepwarm queue`")
    return draft


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
        DraftEvent(
            draft_id=draft_id, at=now, actor="keepwarm", action=action, detail=fit.clean(detail)
        )
    )


# --- rule engine (issue 4): what evaluation needs to know about the queue, and withdrawal ---


def queue_facts(
    session: Session, *, day_start: datetime
) -> tuple[set[str], set[str], dict[str, datetime], int]:
    """Every draft key, people with an open draft, each person's latest draft, drafts since day_start."""
    keys: set[str] = set()
    busy: set[str] = set()
    last: dict[str, datetime] = {}
    today = 0
    rows = session.execute(
        select(Draft.key, Draft.state, Draft.created_at, Person.key).join(
            Person, Person.id == Draft.person_id
        )
    )
    for key, state, created_at, person_key in rows:
        keys.add(key)
        if state in OPEN_STATES:
            busy.add(person_key)
        if person_key not in last or created_at > last[person_key]:
            last[person_key] = created_at
        if created_at >= day_start:
            today += 1
    return keys, busy, last, today


def open_people(session: Session) -> set[str]:
    """Keys of the people with an open (pending, approved, snoozed) draft."""
    return set(
        session.scalars(
            select(Person.key)
            .join(Draft, Draft.person_id == Person.id)
            .where(Draft.state.in_(OPEN_STATES))
        )
    )


def withdrawable(session: Session) -> list[tuple[int, str, datetime]]:
    """Open drafts with no delivery attempt yet: (id, person key, created_at)."""
    attempted = select(Delivery.draft_id)
    rows = session.execute(
        select(Draft.id, Person.key, Draft.created_at)
        .join(Person, Person.id == Draft.person_id)
        .where(Draft.state.in_(OPEN_STATES), Draft.id.not_in(attempted))
    )
    return [(i, k, c) for i, k, c in rows]


def withdraw(session: Session, *, reasons: dict[int, str], now: datetime) -> int:
    """Withdraw open, not yet attempted drafts, recording why; others are left alone."""
    done = 0
    for draft_id, reason in reasons.items():
        draft = session.get(Draft, draft_id)
        if draft is None or draft.state not in OPEN_STATES or delivery_of(session, draft_id):
            continue
        draft.state, draft.updated_at = DraftState.WITHDRAWN.value, now
        session.add(
            DraftEvent(
                draft_id=draft_id, at=now, actor="keepwarm", action="withdrawn", detail=reason
            )
        )
        done += 1
    return done


def in_delivery(session: Session, draft_ids: Sequence[int]) -> set[int]:
    """Drafts whose outbox attempt is open (recorded, outcome not yet known)."""
    if not draft_ids:
        return set()
    return set(
        session.scalars(
            select(Delivery.draft_id).where(
                Delivery.draft_id.in_(draft_ids), Delivery.state == "attempting"
            )
        )
    )


def snooze(
    session: Session, *, ids: Sequence[int], until: datetime, actor: str, now: datetime
) -> list[Draft]:
    """Put drafts aside until `until`; `wake_and_expire` returns them to pending then."""
    if until <= now:
        raise InvalidTransition(
            f"snooze until {until.isoformat()} is not in the future; pick a later date"
        )
    drafts = transition(
        session, ids=ids, to=DraftState.SNOOZED, actor=actor, now=now,
        detail=f"until {until.isoformat()}",
    )  # fmt: skip
    for d in drafts:
        d.snoozed_until = until
    return drafts


def edit(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    now: datetime,
    to: list[str] | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> Draft:
    """Change what a draft says (already validated by the caller); records which fields changed."""
    draft = get_draft(session, draft_id)
    queue_states.check_editable(draft.id, draft.state)
    if in_delivery(session, [draft.id]):
        raise InvalidTransition(f"draft {draft.id} is being delivered and can no longer be edited")
    changed = []
    if to is not None and list(to) != list(draft.to):
        draft.to = list(to)
        changed.append("to")
    if subject is not None and subject != draft.subject:
        draft.subject = subject
        changed.append("subject")
    if body is not None and body != draft.body:
        draft.body = body
        changed.append("body")
    if changed:
        draft.updated_at = now
        session.add(
            DraftEvent(
                draft_id=draft.id, at=now, actor=actor, action="edited", detail=", ".join(changed)
            )
        )
        if draft.state == DraftState.APPROVED.value and placeholders.find(
            draft.subject, draft.body
        ):
            # An approval covers the text that was approved: a placeholder typed in since
            # sends the draft back to the queue until it is filled in.
            draft.state = DraftState.PENDING.value
            session.add(
                DraftEvent(draft_id=draft.id, at=now, actor="keepwarm", action="pending",
                           detail="a [[placeholder]] was added: fill it in, then approve again")
            )  # fmt: skip
    return draft


def wake_and_expire(session: Session, *, now: datetime) -> tuple[int, int]:
    """Return snoozed drafts whose date came to pending; expire open drafts past `expires_at`.

    A draft whose delivery already started is left to the outbox.
    """
    woken = expired = 0
    for d in session.scalars(
        select(Draft).where(
            Draft.state == DraftState.SNOOZED.value,
            Draft.snoozed_until.is_not(None),
            Draft.snoozed_until <= now,
        )
    ):
        d.state, d.snoozed_until, d.updated_at = DraftState.PENDING.value, None, now
        log(session, draft_id=d.id, now=now, action="woken")
        woken += 1
    stale = list(
        session.scalars(
            select(Draft).where(
                Draft.state.in_(OPEN_STATES),
                Draft.expires_at.is_not(None),
                Draft.expires_at <= now,
            )
        )
    )
    started = in_delivery(session, [d.id for d in stale])
    for d in stale:
        if d.id in started:
            continue
        d.state, d.updated_at = DraftState.EXPIRED.value, now
        log(session, draft_id=d.id, now=now, action="expired")
        expired += 1
    return woken, expired


def mute(session: Session, *, person_id: int, rule: str, reason: str, now: datetime) -> None:
    """Never draft `rule` (or, with `EVERY_RULE`, anything) for this person again."""
    exists = session.scalar(select(Mute).where(Mute.person_id == person_id, Mute.rule == rule))
    if exists is None:
        session.add(
            Mute(person_id=person_id, rule=rule, reason=fit.clean(reason), created_at=now)
        )


def muted_pairs(session: Session) -> set[tuple[int, str]]:
    return {(p, r) for p, r in session.execute(select(Mute.person_id, Mute.rule))}


def history(session: Session, draft_id: int) -> list[DraftEvent]:
    return list(
        session.scalars(
            select(DraftEvent)
            .where(DraftEvent.draft_id == draft_id)
            .order_by(DraftEvent.at, DraftEvent.id)
        )
    )
