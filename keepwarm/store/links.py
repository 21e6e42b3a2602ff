"""Finding the interactions a set of interactions refers to, or that refer to them.

Interactions are filed under hashed link values at ingest (`keepwarm.incremental.links`);
subject links only count within `SUBJECT_WINDOW`, so their rows carry the interaction's time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwarm.incremental import links
from keepwarm.models import StoredInteraction
from keepwarm.store.changetables import InteractionLink

_CHUNK = 500


def _rows(
    session: Session,
    values: Collection[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[tuple[int, datetime, int]]:
    found: list[tuple[int, datetime, int]] = []
    ordered = sorted(values)
    for i in range(0, len(ordered), _CHUNK):
        query = select(
            InteractionLink.link, InteractionLink.at, InteractionLink.interaction_id
        ).where(InteractionLink.link.in_(ordered[i : i + _CHUNK]))
        if start is not None and end is not None:
            query = query.where(InteractionLink.at >= start, InteractionLink.at <= end)
        found.extend((link, at, iid) for link, at, iid in session.execute(query))
    return found


def _windowed(session: Session, wanted: dict[int, list[tuple[datetime, datetime]]]) -> set[int]:
    """Interactions filed under a link within one of that link's [start, end] windows."""
    if not wanted:
        return set()
    start = min(s for spans in wanted.values() for s, _ in spans)
    end = max(e for spans in wanted.values() for _, e in spans)
    return {
        iid
        for link, at, iid in _rows(session, wanted, start, end)
        if any(s <= at <= e for s, e in wanted[link])
    }


def context_ids(session: Session, items: Iterable[StoredInteraction]) -> set[int]:
    """Interactions these ones refer to: the mail a reply answers or a bounce returns."""
    plain: set[int] = set()
    subjects: dict[int, list[tuple[datetime, datetime]]] = {}
    for stored in items:
        ids, keys = links.context_of(stored.interaction)
        plain |= ids
        at = stored.interaction.occurred_at
        for key in keys:
            subjects.setdefault(key, []).append((at - links.SUBJECT_WINDOW, at))
    found = {iid for _, _, iid in _rows(session, plain)} if plain else set()
    return found | _windowed(session, subjects)


def dependent_ids(session: Session, items: Iterable[StoredInteraction]) -> set[int]:
    """Stored interactions whose meaning these ones may change (replies to them, bounces of them)."""
    plain: set[int] = set()
    subjects: dict[int, list[tuple[datetime, datetime]]] = {}
    for stored in items:
        ids, keys = links.dependents_of(stored.interaction)
        plain |= ids
        at = stored.interaction.occurred_at
        for key in keys:
            subjects.setdefault(key, []).append((at, at + links.SUBJECT_WINDOW))
    found = {iid for _, _, iid in _rows(session, plain)} if plain else set()
    return found | _windowed(session, subjects)
