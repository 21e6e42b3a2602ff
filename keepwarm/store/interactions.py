"""Idempotent storage of interactions and their participants.

This is the ingest hot path (DESIGN.md §10: ≥ 20k messages/s), so it talks to the DB-API
cursor directly with `executemany` and multi-row `VALUES … RETURNING`, while reusing
SQLAlchemy's own type processors so rows read back through the ORM exactly as written.
The SQL (`ON CONFLICT … DO NOTHING`, `RETURNING`) is the same on SQLite ≥ 3.35 and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction
from keepwarm.store import meta
from keepwarm.store.fit import fit_interaction
from keepwarm.store.tables import InteractionRow

_INTERACTION_COLUMNS = (
    "account_id", "provider_id", "kind", "occurred_at", "ended_at", "subject", "thread_id",
    "message_id", "in_reply_to", "references", "headers", "cancelled", "source",
    "fingerprint", "ingested_at", "location", "snippet",
)  # fmt: skip
_PARTICIPANT_COLUMNS = ("interaction_id", "address", "name", "role", "response", "is_resource")
_CHUNK = 400  # rows per multi-row INSERT: 400 × 17 parameters stays under SQLite's limit


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int


def fingerprint(item: Interaction) -> str:
    """A digest of everything stored about an interaction; equal digests mean nothing changed."""
    parts = [
        item.kind.value, item.occurred_at.isoformat(), str(item.ended_at), item.subject,
        str(item.thread_id), str(item.in_reply_to), "|".join(item.references),
        repr(sorted(item.headers.items())), str(item.cancelled),
    ]  # fmt: skip
    parts.extend(
        f"{p.address}\x1f{p.role.value}\x1f{p.name}\x1f{p.response}\x1f{p.is_resource}"
        for p in item.participants
    )
    if item.location:  # only when set: digests of interactions without one stay the same
        parts.append(f"location\x1f{item.location}")
    if item.snippet:  # only when kept, so digests of snippet-less rows stay what they were
        parts.append("snippet\x1f" + item.snippet)
    return hashlib.sha1("\x1e".join(parts).encode(), usedforsecurity=False).hexdigest()


class _Writer:
    """Runs raw statements on the session's connection, binding values the way SQLAlchemy would.

    Only three kinds of column need converting (aware datetimes, JSON, booleans); their bind
    processors are looked up once per call instead of once per value.
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"
        table = InteractionRow.__table__
        assert isinstance(table, Table)
        self.time = self._processor(table.c.occurred_at.type)
        self.json = self._processor(table.c.headers.type)
        self.flag = self._processor(table.c.cancelled.type)

    def _processor(self, type_: Any) -> Callable[[Any], Any]:
        found = type_.dialect_impl(self.dialect).bind_processor(self.dialect)
        return found if found is not None else _same

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.connection.exec_driver_sql(sql, rows)

    def returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.connection.exec_driver_sql(sql, params)]


def _same(value: Any) -> Any:
    return value


def upsert_interactions(
    session: Session, *, account_id: int, items: Iterable[Interaction], now: datetime
) -> UpsertResult:
    """Insert new interactions, rewrite changed ones, skip identical ones.

    Running it twice on the same data changes nothing; concurrent writers cannot duplicate a
    row because (account_id, provider_id) is unique and inserts use `ON CONFLICT DO NOTHING`.
    """
    latest: dict[str, Interaction] = {}
    for item in items:  # the last copy of a provider id within one batch wins
        item = fit_interaction(item)  # PostgreSQL refuses what does not fit its columns
        latest[item.provider_id] = item
    if not latest:
        return UpsertResult(0, 0, 0)
    writer = _Writer(session)
    prints = {pid: fingerprint(item) for pid, item in latest.items()}
    existing = _existing(session, account_id, list(latest))

    fresh = [pid for pid in latest if pid not in existing]
    changed = {
        pid: existing[pid][0]
        for pid in latest
        if pid in existing and existing[pid][1] != prints[pid]
    }

    time, js, flag = writer.time, writer.json, writer.flag
    ingested = time(now)
    no_refs, no_headers = js([]), js({})  # most rows: encode the empty values once

    def row(pid: str) -> tuple[Any, ...]:
        it = latest[pid]
        return (
            account_id, pid, it.kind.value, time(it.occurred_at),
            time(it.ended_at) if it.ended_at is not None else None, it.subject, it.thread_id,
            it.message_id, it.in_reply_to, js(list(it.references)) if it.references else no_refs,
            js(dict(it.headers)) if it.headers else no_headers,
            flag(it.cancelled), it.source, prints[pid], ingested, it.location, it.snippet,
        )  # fmt: skip

    ids: dict[str, int] = {}
    columns = ", ".join(f'"{c}"' for c in _INTERACTION_COLUMNS)
    one = "(" + ", ".join([writer.mark] * len(_INTERACTION_COLUMNS)) + ")"
    for start in range(0, len(fresh), _CHUNK):
        chunk = fresh[start : start + _CHUNK]
        sql = (
            f"INSERT INTO interactions ({columns}) VALUES {', '.join([one] * len(chunk))} "
            "ON CONFLICT (account_id, provider_id) DO NOTHING RETURNING id, provider_id"
        )
        params = tuple(v for pid in chunk for v in row(pid))
        ids.update((pid, iid) for iid, pid in writer.returning(sql, params))

    if changed:
        assignments = ", ".join(f'"{c}" = {writer.mark}' for c in _INTERACTION_COLUMNS[2:])
        writer.executemany(
            f"UPDATE interactions SET {assignments} WHERE id = {writer.mark}",
            [(*row(pid)[2:], iid) for pid, iid in changed.items()],
        )
        marks = ", ".join([writer.mark] * len(changed))
        writer.connection.exec_driver_sql(
            f"DELETE FROM participants WHERE interaction_id IN ({marks})", tuple(changed.values())
        )
        ids.update(changed)

    _insert_participants(writer, ((iid, latest[pid].participants) for pid, iid in ids.items()))
    if ids:
        meta.bump(session, meta.INGEST)
    inserted = len(ids) - len(changed)
    return UpsertResult(inserted, len(changed), len(latest) - inserted - len(changed))


def _existing(session: Session, account_id: int, pids: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(pids), 900):
        chunk = pids[start : start + 900]
        rows = session.execute(
            select(InteractionRow.provider_id, InteractionRow.id, InteractionRow.fingerprint).where(
                InteractionRow.account_id == account_id, InteractionRow.provider_id.in_(chunk)
            )
        )
        found.update((pid, (iid, fp)) for pid, iid, fp in rows)
    return found


def _insert_participants(
    writer: _Writer, pairs: Iterable[tuple[int, tuple[Participant, ...]]]
) -> None:
    rows = [
        (
            iid,
            p.address,
            p.name,
            p.role.value,
            p.response.value if p.response else None,
            p.is_resource,
        )
        for iid, participants in pairs
        for p in participants
    ]
    columns = ", ".join(_PARTICIPANT_COLUMNS)
    marks = ", ".join([writer.mark] * len(_PARTICIPANT_COLUMNS))
    writer.executemany(f"INSERT INTO participants ({columns}) VALUES ({marks})", rows)


def load_snippets(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The stored snippets of these interactions (those that have one).

    Read apart from `load_interactions` on purpose: detection never needs them, and a draft
    needs only a handful, so they never cost memory on the hot path.
    """
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        rows = session.execute(
            select(InteractionRow.id, InteractionRow.snippet).where(
                InteractionRow.id.in_(chunk), InteractionRow.snippet != ""
            )
        )
        found.update((iid, snippet) for iid, snippet in rows)
    return found


def forget_snippets(session: Session, *, account_id: int) -> int:
    """Erase an account's stored snippets (after `[privacy] snippets` was turned off)."""
    result = session.execute(
        update(InteractionRow)
        .where(InteractionRow.account_id == account_id, InteractionRow.snippet != "")
        .values(snippet="")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def load_interactions(
    session: Session, *, ids: Collection[int] | None = None
) -> list[StoredInteraction]:
    """Stored interactions (all, or those in `ids`) with participants, oldest first.

    Detection reads every interaction on each pass, so this reads through the DB-API cursor in
    batches and shares equal values (participants, header maps, names) between rows: at 100k
    messages that halves both the time and the memory of going through the ORM.
    """
    cursor = session.connection().connection.cursor()
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    wanted = sorted(ids) if ids is not None else None
    try:
        people = _participants(cursor, mark, wanted)
        return list(_interactions(cursor, mark, wanted, people))
    finally:
        cursor.close()


_ROLES = {r.value: r for r in Role}
_RESPONSES: dict[str | None, Response | None] = {r.value: r for r in Response} | {None: None}
_KINDS = {k.value: k for k in Kind}


def _batches(
    cursor: Any, sql: str, column: str, mark: str, ids: list[int] | None
) -> Iterator[list[tuple[Any, ...]]]:
    """Run `sql` (with a `{where}` slot) over all rows or over `ids` in chunks; yield batches."""
    chunks: list[list[int] | None] = (
        [None] if ids is None else [ids[i : i + 900] for i in range(0, len(ids), 900)]
    )
    for chunk in chunks:
        if chunk is None:
            cursor.execute(sql.format(where=""))
        else:
            where = f"WHERE {column} IN ({', '.join([mark] * len(chunk))})"
            cursor.execute(sql.format(where=where), tuple(chunk))
        while batch := cursor.fetchmany(20_000):
            yield batch


def _participants(cursor: Any, mark: str, ids: list[int] | None) -> dict[int, list[Participant]]:
    shared: dict[tuple[Any, ...], Participant] = {}
    people: dict[int, list[Participant]] = {}
    sql = (
        "SELECT interaction_id, address, name, role, response, is_resource FROM participants "
        "{where} ORDER BY id"
    )
    for batch in _batches(cursor, sql, "interaction_id", mark, ids):
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
    cursor: Any, mark: str, ids: list[int] | None, people: dict[int, list[Participant]]
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
    rows: list[tuple[Any, ...]] = []
    for batch in _batches(cursor, sql, "id", mark, ids):
        rows.extend(batch)
    if ids is not None:  # several chunks: restore the global order
        rows.sort(key=lambda r: (_utc(r[4]), r[0]))
    for r in rows:
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
