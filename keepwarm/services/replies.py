"""The threading of a reply: the provider thread it joins and its References (RFC 5322 §3.6.4).

A reply's References are the parent's References (else its In-Reply-To) followed by the
parent's Message-ID, so every client can place it under the whole conversation, not only under
the message it answers. Gmail also needs the parent's thread id to put a draft in the thread.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from keepwarm.store.tables import Draft
from keepwarm.store.threads import ReplyParent, reply_parent

#: Long chains are trimmed to the first (the thread's root) and the most recent ids.
MAX_REFERENCES = 20


def references_of(parent: ReplyParent) -> tuple[str, ...]:
    chain = list(parent.references) or ([parent.in_reply_to] if parent.in_reply_to else [])
    chain = [ref for ref in chain if ref and ref != parent.message_id] + [parent.message_id]
    unique = list(dict.fromkeys(chain))
    if len(unique) > MAX_REFERENCES:
        unique = [unique[0], *unique[-(MAX_REFERENCES - 1) :]]
    return tuple(unique)


def reply_threading(session: Session, draft: Draft) -> tuple[str | None, tuple[str, ...]]:
    """(thread id, References) of a draft that replies; (None, (Message-ID,)) when the message
    it answers is not stored for the draft's account; (None, ()) for a draft that replies to
    nothing."""
    if not draft.in_reply_to:
        return None, ()
    parent = reply_parent(
        session,
        account_id=draft.account_id,
        message_id=draft.in_reply_to,
        near=draft.interaction_ids or (),
    )
    if parent is None:
        return None, (draft.in_reply_to,)
    return parent.thread_id, references_of(parent)
