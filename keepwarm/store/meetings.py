"""Meetings the provider deleted: cancelled in the store if they have not happened yet."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from keepwarm.store import changes
from keepwarm.store.tables import InteractionRow

#: Not a digest of any content: the next upsert of the same meeting always rewrites the row.
DELETED = "deleted-by-provider"


def cancel_deleted_meetings(
    session: Session, *, account_id: int, provider_ids: Collection[str], after: datetime
) -> int:
    """Mark the stored meetings among `provider_ids` that start after `after` as cancelled;
    returns how many changed. Past meetings are left alone: what happened still happened."""
    ids = sorted(set(provider_ids))
    changed: list[int] = []
    for start in range(0, len(ids), 500):
        result = session.execute(
            update(InteractionRow)
            .where(
                InteractionRow.account_id == account_id,
                InteractionRow.provider_id.in_(ids[start : start + 500]),
                InteractionRow.kind == "meeting",
                InteractionRow.occurred_at > after,
                InteractionRow.cancelled.is_(False),
            )
            .values(cancelled=True, fingerprint=DELETED)
            .returning(InteractionRow.id)
        )
        changed.extend(result.scalars())
    changes.mark_changed(session, changed)  # detection refolds them on its next pass
    return len(changed)
