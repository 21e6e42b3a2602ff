"""What changed since the last detection and drafting passes, and what they left for later."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from keepwarm.store.changetables import PendingChange, Redraft, RuleWakeup, StateValue

_CHUNK = 500
#: Pending rows deleted per statement once a full pass handled them.
_DELETE_RANGE = 50_000


def _chunks(items: Collection[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    ordered = list(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# --- pending interactions (written by ingest, consumed by detection) ------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    #: Row ids, deleted once detection has folded them.
    rows: list[int]
    #: interaction id -> when its replaced versions happened (empty for new ones).
    interactions: dict[int, list[datetime]]


def mark_changed(session: Session, interaction_ids: Collection[int]) -> None:
    """Record interactions changed outside `upsert_interactions` (same time, new content)."""
    rows = [{"interaction_id": iid, "old_at": None} for iid in sorted(set(interaction_ids))]
    if rows:
        session.execute(insert(PendingChange), rows)


def pending(session: Session) -> Pending:
    rows: list[int] = []
    found: dict[int, list[datetime]] = {}
    for row_id, iid, old_at in session.execute(
        select(PendingChange.id, PendingChange.interaction_id, PendingChange.old_at)
    ):
        rows.append(row_id)
        olds = found.setdefault(iid, [])
        if old_at is not None:
            olds.append(old_at)
    return Pending(rows, found)


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PendingChange)) or 0


def last_pending(session: Session) -> int | None:
    """The newest pending row: a full pass handles it and every older one (a sync committing
    during the pass adds newer rows, which stay for the next pass)."""
    return session.scalar(select(func.max(PendingChange.id)))


def done_upto(session: Session, last: int | None) -> None:
    """Forget the pending rows up to `last`, a range at a time: after a big import there are a
    million, and neither their ids nor one statement deleting them all need to be in memory."""
    if last is None:
        return
    first = session.scalar(select(func.min(PendingChange.id)))
    while first is not None and first <= last:
        upto = min(first + _DELETE_RANGE - 1, last)
        session.execute(delete(PendingChange).where(PendingChange.id.between(first, upto)))
        first = upto + 1


def has_pending(session: Session) -> bool:
    return session.scalar(select(PendingChange.id).limit(1)) is not None


def done(session: Session, rows: Sequence[int]) -> None:
    """Forget these pending rows (by runs of consecutive ids: usually a handful of statements)."""
    ordered = sorted(rows)
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        session.execute(
            delete(PendingChange).where(PendingChange.id.between(ordered[start], ordered[end]))
        )
        start = end + 1


# --- state: fingerprints and clocks of the last passes --------------------------------------


def read_state(session: Session) -> dict[str, Any]:
    return dict(session.execute(select(StateValue.name, StateValue.value)).all())


def write_state(session: Session, values: dict[str, Any]) -> None:
    names = list(values)
    session.execute(delete(StateValue).where(StateValue.name.in_(names)))
    rows = [{"name": n, "value": v} for n, v in values.items() if v is not None]
    if rows:
        session.execute(insert(StateValue), rows)


# --- people the rules must look at again ----------------------------------------------------


def mark_redraft(session: Session, person_keys: Collection[str]) -> None:
    """Ask the next drafting pass to evaluate these people (idempotent)."""
    keys = set(person_keys)
    if not keys:
        return
    known: set[str] = set()
    for chunk in _chunks(keys):
        known.update(
            session.scalars(select(Redraft.person_key).where(Redraft.person_key.in_(chunk)))
        )
    fresh = [{"person_key": k} for k in sorted(keys - known)]
    if fresh:
        session.execute(insert(Redraft), fresh)


def redraft(session: Session) -> set[str]:
    return set(session.scalars(select(Redraft.person_key)))


def clear_redraft(session: Session, person_keys: Collection[str] | None = None) -> None:
    if person_keys is None:
        session.execute(delete(Redraft))
        return
    for chunk in _chunks(person_keys):
        session.execute(delete(Redraft).where(Redraft.person_key.in_(chunk)))


def due_wakeups(session: Session, *, now: datetime) -> set[str]:
    """People with a rule (or a touch) that may turn due by `now`."""
    return set(session.scalars(select(RuleWakeup.person_key).where(RuleWakeup.due_at <= now)))


def replace_wakeups(
    session: Session,
    *,
    person_keys: Collection[str] | None,
    wakeups: dict[tuple[str, str], datetime],
) -> None:
    """Forget the wake-ups of `person_keys` (None: everyone's) and store the new ones."""
    if person_keys is None:
        session.execute(delete(RuleWakeup))
    else:
        for chunk in _chunks(person_keys):
            session.execute(delete(RuleWakeup).where(RuleWakeup.person_key.in_(chunk)))
    rows = [{"person_key": p, "rule": r, "due_at": at} for (p, r), at in sorted(wakeups.items())]
    for chunk in _chunks(rows, 2000):
        session.execute(insert(RuleWakeup), chunk)
