"""The stored message a reply answers: what the reply's threading headers are made of."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwarm.store.tables import InteractionRow


@dataclass(frozen=True, slots=True)
class ReplyParent:
    """The threading fields of one stored email."""

    message_id: str
    thread_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]


def reply_parent(
    session: Session, *, account_id: int, message_id: str, near: Collection[int] = ()
) -> ReplyParent | None:
    """The email `message_id` stored for this account (looked for among the `near` interaction
    ids first, by primary key, before a search of the account's mail)."""
    query = select(
        InteractionRow.thread_id, InteractionRow.in_reply_to, InteractionRow.references
    ).where(
        InteractionRow.account_id == account_id,
        InteractionRow.kind == "email",
        InteractionRow.message_id == message_id,
    )
    row = (
        session.execute(query.where(InteractionRow.id.in_(list(near))).limit(1)).first()
        if near
        else None
    )
    if row is None:
        row = session.execute(query.order_by(InteractionRow.occurred_at).limit(1)).first()
    if row is None:
        return None
    thread_id, in_reply_to, references = row
    return ReplyParent(message_id, thread_id, in_reply_to, tuple(references or ()))
