"""Reading stored interactions back, fast: by id, or by the time they happened.

Detection and the rules read many interactions on a full pass, so this reads through the DB-API
cursor in batches and shares equal values (participants, header maps, names) between rows: at
100k messages that halves both the time and the memory of going through the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction
from keepwarm.store.tables import InteractionRow

_ROLES = {r.value: r for r in Role}
_RESPONSES: dict[str | None, Response | None] = {r.value: r for r in Response} | {None: None}
_KINDS = {k.value: k for k in Kind}
_CHUNK = 900

#: A selection of interactions: (SQL condition on `interactions` with a `{m}` mark slot, params).
_Where = tuple[str, tuple[Any, ...]]


def load_interactions(
    session: Session, *, ids: Collection[int] | None = None
) -> list[StoredInteraction]:
    """Stored interactions (all, or those in `ids`) with participants, oldest first."""
    if ids is None:
        return _load(session, [("", ())])
    wanted = sorted(set(ids))
    mark = _mark(session)
    wheres = [
        (f"id IN ({', '.join([mark] * len(chunk))})", tuple(chunk))
        for chunk in (wanted[i : i + _CHUNK] for i in range(0, len(wanted), _CHUNK))
    ]
    return _load(session, wheres) if wheres else []


def load_between(session: Session, start: datetime, end: datetime) -> list[StoredInteraction]:
    """Interactions that happened in [start, end), oldest first."""
    time = _time_processor(session)
    mark = _mark(session)
    where = f"occurred_at >= {mark} AND occurred_at < {mark}"
    return _load(session, [(where, (time(start), time(end)))])


def time_range(session: Session) -> tuple[datetime, datetime] | None:
    """When the first and the last stored interaction happened."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT MIN(occurred_at), MAX(occurred_at) FROM interactions")
        first, last = cursor.fetchall()[0]
    finally:
        cursor.close()
    return (_utc(first), _utc(last)) if first is not None else None


def subjects_between(
    session: Session, start: datetime, end: datetime
) -> list[tuple[int, datetime, str]]:
    """(id, occurred_at, subject) of the interactions in [start, end]: a light scan."""
    time = _time_processor(session)
    mark = _mark(session)
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(
            "SELECT id, occurred_at, subject FROM interactions "
            f"WHERE occurred_at >= {mark} AND occurred_at <= {mark}",
            (time(start), time(end)),
        )
        return [(iid, _utc(at), subject or "") for iid, at, subject in cursor.fetchall()]
    finally:
        cursor.close()


def times_of(session: Session, ids: Collection[int]) -> dict[int, datetime]:
    """When these interactions happened."""
    mark = _mark(session)
    wanted = sorted(set(ids))
    found: dict[int, datetime] = {}
    cursor = session.connection().connection.cursor()
    try:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            cursor.execute(
                f"SELECT id, occurred_at FROM interactions WHERE id IN ({', '.join([mark] * len(chunk))})",
                tuple(chunk),
            )
            found.update((iid, _utc(at)) for iid, at in cursor.fetchall())
    finally:
        cursor.close()
    return found


def count(session: Session) -> int:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT COUNT(*) FROM interactions")
        return int(cursor.fetchall()[0][0])
    finally:
        cursor.close()


def first_pending_ingest(session: Session) -> datetime | None:
    """When the earliest interaction still waiting for detection was stored."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(
            "SELECT MIN(i.ingested_at) FROM pending_changes p "
            "JOIN interactions i ON i.id = p.interaction_id"
        )
        (found,) = cursor.fetchall()[0]
    finally:
        cursor.close()
    return _utc(found) if found is not None else None


def first_ingest(session: Session, ids: Collection[int] | None = None) -> datetime | None:
    """When the earliest of these interactions (all when None) was stored."""
    cursor = session.connection().connection.cursor()
    mark = _mark(session)
    found: list[datetime] = []
    try:
        if ids is None:
            cursor.execute("SELECT MIN(ingested_at) FROM interactions")
            found.extend(_utc(v) for (v,) in cursor.fetchall() if v is not None)
        else:
            wanted = sorted(set(ids))
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                cursor.execute(
                    "SELECT MIN(ingested_at) FROM interactions "
                    f"WHERE id IN ({', '.join([mark] * len(chunk))})",
                    tuple(chunk),
                )
                found.extend(_utc(v) for (v,) in cursor.fetchall() if v is not None)
    finally:
        cursor.close()
    return min(found, default=None)


def _mark(session: Session) -> str:
    return "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"


def _time_processor(session: Session) -> Any:
    dialect = session.get_bind().dialect
    table = InteractionRow.__table__
    assert isinstance(table, Table)
    found = table.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    return found if found is not None else (lambda v: v)


def _load(session: Session, wheres: list[_Where]) -> list[StoredInteraction]:
    cursor = session.connection().connection.cursor()
    try:
        people = _participants(cursor, wheres)
        stored = list(_interactions(cursor, wheres, people))
    finally:
        cursor.close()
    if len(wheres) > 1:  # several chunks: restore the global order
        stored.sort(key=lambda s: (s.interaction.occurred_at, s.id))
    return stored


def _batches(cursor: Any, sql: str, wheres: list[_Where]) -> Iterator[list[tuple[Any, ...]]]:
    for where, params in wheres:
        cursor.execute(sql.format(where=f"WHERE {where}" if where else ""), params)
        while batch := cursor.fetchmany(20_000):
            yield batch


def _participants(cursor: Any, wheres: list[_Where]) -> dict[int, list[Participant]]:
    shared: dict[tuple[Any, ...], Participant] = {}
    people: dict[int, list[Participant]] = {}
    sql = (
        "SELECT interaction_id, address, name, role, response, is_resource FROM participants "
        "{where} ORDER BY id"
    )
    scoped = [
        (f"interaction_id IN (SELECT id FROM interactions WHERE {w})" if w else "", p)
        for w, p in wheres
    ]
    for batch in _batches(cursor, sql, scoped):
        for iid, address, name, role, response, is_resource in batch:
            key = (address, name, role, response, is_resource)
            p = shared.get(key)
            if p is None:
                p = shared[key] = Participant(
                    address, _ROLES[role], name, _RESPONSES[response], bool(is_resource)
                )
            found = people.get(iid)
            if found is None:
                people[iid] = [p]
            else:
                found.append(p)
    return people


def _interactions(
    cursor: Any, wheres: list[_Where], people: dict[int, list[Participant]]
) -> Iterator[StoredInteraction]:
    accounts: dict[int, str] = {}
    cursor.execute("SELECT id, name FROM accounts")
    accounts.update(cursor.fetchall())
    decoded: dict[str, Any] = {}

    def json_value(raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw  # PostgreSQL's driver has decoded it already
        value = decoded.get(raw)
        if value is None:
            value = decoded[raw] = json.loads(raw)
        return value

    sql = (
        "SELECT id, account_id, provider_id, kind, occurred_at, ended_at, subject, thread_id, "
        'message_id, in_reply_to, "references", headers, cancelled, source, location '
        "FROM interactions {where} ORDER BY occurred_at, id"
    )
    for batch in _batches(cursor, sql, wheres):
        for r in batch:
            yield StoredInteraction(
                id=r[0],
                account=accounts[r[1]],
                interaction=Interaction(
                    provider_id=r[2],
                    kind=_KINDS[r[3]],
                    occurred_at=_utc(r[4]),
                    ended_at=_utc(r[5]) if r[5] is not None else None,
                    subject=r[6],
                    thread_id=r[7],
                    message_id=r[8],
                    in_reply_to=r[9],
                    references=tuple(json_value(r[10]) or ()),
                    headers=json_value(r[11]) or {},
                    cancelled=bool(r[12]),
                    source=r[13],
                    location=r[14],
                    participants=tuple(people.get(r[0], ())),
                ),
            )


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC)
