"""Finding the interactions a set of interactions refers to, or that refer to them.

Interactions are filed under hashed Message-ID links at ingest (`keepwarm.incremental.links`);
subjects are compared by scanning the subjects of the `SUBJECT_WINDOW` around a bounce.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwarm.incremental import links
from keepwarm.incremental.links import PROVIDES, REFERS, SUBJECT_WINDOW, subject_keys
from keepwarm.models import StoredInteraction
from keepwarm.peers.signals import is_bounce, machine_signals
from keepwarm.store.changetables import InteractionLink
from keepwarm.store.loading import subjects_between

_CHUNK = 500


def _ids(session: Session, values: Collection[int], kind: int) -> set[int]:
    """Interactions filed under one of `values` as `kind`."""
    found: set[int] = set()
    ordered = sorted(values)
    for i in range(0, len(ordered), _CHUNK):
        found.update(
            session.scalars(
                select(InteractionLink.interaction_id).where(
                    InteractionLink.link.in_(ordered[i : i + _CHUNK]), InteractionLink.kind == kind
                )
            )
        )
    return found


def _same_subject(
    session: Session, items: Collection[StoredInteraction], *, before: bool
) -> set[int]:
    """Interactions sharing a subject key with one of `items`, within `SUBJECT_WINDOW` before
    (or after) it: one scan of the subjects of the window around them."""
    wanted: list[tuple[set[str], datetime, datetime]] = []
    for stored in items:
        keys = subject_keys(stored.interaction.subject)
        at = stored.interaction.occurred_at
        if keys:
            span = (at - SUBJECT_WINDOW, at) if before else (at, at + SUBJECT_WINDOW)
            wanted.append((keys, *span))
    if not wanted:
        return set()
    start, end = min(w[1] for w in wanted), max(w[2] for w in wanted)
    found: set[int] = set()
    for iid, at, text in subjects_between(session, start, end):
        theirs: set[str] | None = None  # each scanned subject's keys, made once
        for keys, s, e in wanted:
            if s <= at <= e:
                theirs = subject_keys(text) if theirs is None else theirs
                if keys & theirs:
                    found.add(iid)
                    break
    return found


def context_ids(session: Session, items: Collection[StoredInteraction]) -> set[int]:
    """Interactions these ones refer to: the mail a reply answers or a bounce returns.

    Only a bounce is read in the light of mail with its subject (detection's own test).
    """
    refs = {value for s in items for value in links.refs(s.interaction)}
    found = _ids(session, refs, PROVIDES) if refs else set()
    # `automated_signals` adds only bulk signals to these, never a bounce's.
    bounces = [s for s in items if is_bounce(machine_signals(s.interaction))]
    return found | _same_subject(session, bounces, before=True)


def dependent_ids(session: Session, items: Collection[StoredInteraction]) -> set[int]:
    """Stored interactions whose meaning these ones may change (replies to them, bounces of them)."""
    ids = {links.message(s.interaction.message_id) for s in items if s.interaction.message_id}
    found = _ids(session, ids, REFERS) if ids else set()
    return found | _same_subject(session, items, before=False)
