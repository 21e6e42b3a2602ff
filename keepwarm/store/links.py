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
from keepwarm.incremental.links import PROVIDES, REFERS, SUBJECT
from keepwarm.models import StoredInteraction
from keepwarm.peers import automated_signals
from keepwarm.peers.signals import is_bounce
from keepwarm.store.changetables import InteractionLink

_CHUNK = 500
Window = tuple[datetime, datetime]


def _ids(
    session: Session, values: Collection[int], kind: int, windows: dict[int, list[Window]] | None
) -> set[int]:
    """Interactions filed under one of `values` as `kind` (within the value's windows if given)."""
    found: set[int] = set()
    ordered = sorted(values)
    start = min((s for spans in (windows or {}).values() for s, _ in spans), default=None)
    end = max((e for spans in (windows or {}).values() for _, e in spans), default=None)
    for i in range(0, len(ordered), _CHUNK):
        query = select(
            InteractionLink.link, InteractionLink.at, InteractionLink.interaction_id
        ).where(InteractionLink.link.in_(ordered[i : i + _CHUNK]), InteractionLink.kind == kind)
        if windows is not None and start is not None and end is not None:
            query = query.where(InteractionLink.at >= start, InteractionLink.at <= end)
        for link, at, iid in session.execute(query):
            if windows is None or any(s <= at <= e for s, e in windows[link]):
                found.add(iid)
    return found


def _windows(items: Iterable[StoredInteraction], before: bool) -> dict[int, list[Window]]:
    spans: dict[int, list[Window]] = {}
    for stored in items:
        at = stored.interaction.occurred_at
        span = (at - links.SUBJECT_WINDOW, at) if before else (at, at + links.SUBJECT_WINDOW)
        for value in links.subjects(stored.interaction):
            spans.setdefault(value, []).append(span)
    return spans


def context_ids(session: Session, items: Collection[StoredInteraction]) -> set[int]:
    """Interactions these ones refer to: the mail a reply answers or a bounce returns.

    Only a bounce is read in the light of mail with its subject (detection's own test).
    """
    refs = {value for s in items for value in links.refs(s.interaction)}
    found = _ids(session, refs, PROVIDES, None) if refs else set()
    bounces = [s for s in items if is_bounce(automated_signals(s.interaction))]
    return found | _ids(session, *_subject_args(bounces, before=True))


def dependent_ids(session: Session, items: Collection[StoredInteraction]) -> set[int]:
    """Stored interactions whose meaning these ones may change (replies to them, bounces of them)."""
    ids = {links.message(s.interaction.message_id) for s in items if s.interaction.message_id}
    found = _ids(session, ids, REFERS, None) if ids else set()
    return found | _ids(session, *_subject_args(items, before=False))


def _subject_args(
    items: Collection[StoredInteraction], *, before: bool
) -> tuple[set[int], int, dict[int, list[Window]]]:
    windows = _windows(items, before)
    return set(windows), SUBJECT, windows
