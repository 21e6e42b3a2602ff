"""Every mailing-list address the stored mail names, for detection to know them all.

Detection reads each message knowing which addresses are mailing lists, and learns that from
every message's list headers (`keepwarm.peers.lists.named_lists`). A cycle refolds only a few
messages, so the store keeps what all of them name: one fact per (address, message), filed at
ingest with a note that the address needs looking at; detection (one pass at a time) then keeps
per address the name its earliest message gave it — what a full pass would learn first — and
refolds what involves an address whose name appeared, changed or went.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from keepwarm.models import Interaction, Kind
from keepwarm.peers.addresses import normalise
from keepwarm.peers.lists import named_lists
from keepwarm.store import fit
from keepwarm.store.bulk import insert_rows
from keepwarm.store.changetables import KnownList, ListChange, ListName

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
        for n, (address, name) in enumerate(named):
            key = normalise(address)
            if fit.fits(key, fit.ADDRESS):  # longer, it is no participant's address either
                found.append((key, iid, item.occurred_at, n, fit.cut(name, fit.NAME)))
    return found


def record(session: Session, found: list[Fact], *, replaced: Collection[int] = ()) -> None:
    """Store new facts, after forgetting those of `replaced` interactions; note every address
    they concern for detection."""
    keys = {f[0] for f in found}
    for chunk in _chunks(sorted(set(replaced))):
        keys.update(session.scalars(select(ListName.key).where(ListName.interaction_id.in_(chunk))))
        session.execute(delete(ListName).where(ListName.interaction_id.in_(chunk)))
    columns = ("key", "interaction_id", "at", "position", "name")
    insert_rows(session, ListName, list(dict.fromkeys(found)), columns)
    insert_rows(session, ListChange, [(k,) for k in sorted(keys)], ("key",))


def noted(session: Session) -> tuple[list[int], set[str]]:
    """The notes ingest left (row ids, to forget once handled) and the addresses they name."""
    rows = session.execute(select(ListChange.id, ListChange.key)).all()
    return [row_id for row_id, _ in rows], {key for _, key in rows}


def handled(session: Session, rows: Collection[int]) -> None:
    for chunk in _chunks(sorted(rows)):
        session.execute(delete(ListChange).where(ListChange.id.in_(chunk)))


def refresh(session: Session, keys: Collection[str] | None = None) -> set[str]:
    """Bring the earliest names of these addresses (None: all) up to date from the facts;
    returns the addresses whose name appeared, changed or went."""
    earliest: dict[str, str] = {}
    query = select(ListName.key, ListName.name).order_by(
        ListName.key, ListName.at, ListName.interaction_id, ListName.position
    )
    stored: dict[str, str] = {}
    if keys is None:  # streamed: a big import names a list in a fifth of its messages
        for key, name in session.execute(query.execution_options(yield_per=20_000)):
            earliest.setdefault(key, name)
        stored = dict(session.execute(select(KnownList.key, KnownList.name)).all())
        wanted: Collection[str] = set(earliest) | set(stored)
    else:
        wanted = set(keys)
        for chunk in _chunks(sorted(wanted)):
            for key, name in session.execute(query.where(ListName.key.in_(chunk))):
                earliest.setdefault(key, name)
            stored.update(
                session.execute(
                    select(KnownList.key, KnownList.name).where(KnownList.key.in_(chunk))
                ).all()
            )
    changed = {k for k in wanted if earliest.get(k) != stored.get(k)}
    for chunk in _chunks(sorted(changed)):
        session.execute(delete(KnownList).where(KnownList.key.in_(chunk)))
    fresh = [{"key": k, "name": earliest[k]} for k in sorted(changed) if k in earliest]
    if fresh:
        session.execute(insert(KnownList), fresh)
    return changed


def known(session: Session) -> dict[str, str]:
    """Every list address with the name detection learns for it first."""
    return dict(session.execute(select(KnownList.key, KnownList.name)).all())


def clear(session: Session) -> None:
    session.execute(delete(ListName))
    session.execute(delete(KnownList))


def _chunks(items: list[str] | list[int]) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
