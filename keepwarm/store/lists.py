"""Every mailing-list address the stored mail names, kept up to date at ingest.

Detection reads each message knowing which addresses are mailing lists, and learns that from
every message's list headers (`keepwarm.peers.lists.named_lists`). A cycle refolds only a few
messages, so the store keeps what all of them name: one row per (address, message), and per
address the name the earliest message gave it — what a full pass would learn first. A list
address that is new, or renamed, is flagged so detection refolds what involves it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from keepwarm.models import Interaction, Kind
from keepwarm.peers.addresses import normalise
from keepwarm.peers.lists import named_lists
from keepwarm.store.changetables import KnownList, ListName

_CHUNK = 500
#: (address key, interaction id, when, position in the message, list name)
Fact = tuple[str, int, datetime, int, str]


def facts(pairs: Iterable[tuple[int, Interaction]]) -> list[Fact]:
    """The list addresses these interactions name, as stored facts."""
    found: list[Fact] = []
    for iid, item in pairs:
        sender = item.sender if item.kind is Kind.EMAIL else None
        if sender is None or not item.headers:
            continue
        _, named = named_lists(item, sender)
        found.extend(
            (normalise(address), iid, item.occurred_at, n, name)
            for n, (address, name) in enumerate(named)
        )
    return found


def record(session: Session, found: list[Fact], *, replaced: Collection[int] = ()) -> None:
    """Store new facts (after forgetting those of `replaced` interactions) and bring the
    earliest name of every address they concern up to date, flagging what changed."""
    keys = {f[0] for f in found}
    for chunk in _chunks(sorted(set(replaced))):
        keys.update(session.scalars(select(ListName.key).where(ListName.interaction_id.in_(chunk))))
        session.execute(delete(ListName).where(ListName.interaction_id.in_(chunk)))
    if found:
        session.execute(
            insert(ListName),
            [
                {"key": k, "interaction_id": i, "at": at, "position": n, "name": name}
                for k, i, at, n, name in dict.fromkeys(found)
            ],
        )
    for chunk in _chunks(sorted(keys)):
        _refresh(session, chunk)


def _refresh(session: Session, keys: list[str]) -> None:
    earliest: dict[str, str] = {}
    rows = session.execute(
        select(ListName.key, ListName.name)
        .where(ListName.key.in_(keys))
        .order_by(ListName.key, ListName.at, ListName.interaction_id, ListName.position)
    )
    for key, name in rows:
        earliest.setdefault(key, name)
    stored = dict(
        session.execute(select(KnownList.key, KnownList.name).where(KnownList.key.in_(keys))).all()
    )
    for key in keys:
        now, before = earliest.get(key), stored.get(key)
        if now == before:
            continue
        if before is None:
            session.add(KnownList(key=key, name=now, changed=True))
        elif now is None:
            session.execute(
                update(KnownList).where(KnownList.key == key).values(name="", changed=True)
            )
        else:
            session.execute(
                update(KnownList).where(KnownList.key == key).values(name=now, changed=True)
            )
    session.flush()


def known(session: Session) -> dict[str, str]:
    """Every list address with the name detection learns for it first."""
    return {k: n for k, n in session.execute(select(KnownList.key, KnownList.name)) if n}


def changed(session: Session) -> set[str]:
    """List addresses that appeared, were renamed or stopped being named since last asked."""
    return set(session.scalars(select(KnownList.key).where(KnownList.changed.is_(True))))


def settle(session: Session, keys: Collection[str]) -> None:
    for chunk in _chunks(sorted(keys)):
        session.execute(update(KnownList).where(KnownList.key.in_(chunk)).values(changed=False))


def clear(session: Session) -> None:
    session.execute(delete(ListName))
    session.execute(delete(KnownList))


def _chunks(items: list[str] | list[int]) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
