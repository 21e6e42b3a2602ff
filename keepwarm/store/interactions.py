"""Idempotent storage of interactions and their participants.

This is the ingest hot path (DESIGN.md §10: ≥ 20k messages/s), so it talks to the DB-API
cursor directly with `executemany` and multi-row `VALUES … RETURNING`, while reusing
SQLAlchemy's own type processors so rows read back through the ORM exactly as written.
The SQL (`ON CONFLICT … DO NOTHING`, `RETURNING`) is the same on SQLite ≥ 3.35 and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction
from keepwarm.store.tables import Account, InteractionRow, ParticipantRow

_INTERACTION_COLUMNS = (
    "account_id", "provider_id", "kind", "occurred_at", "ended_at", "subject", "thread_id",
    "message_id", "in_reply_to", "references", "headers", "cancelled", "source",
    "fingerprint", "ingested_at",
)  # fmt: skip
_PARTICIPANT_COLUMNS = ("interaction_id", "address", "name", "role", "response", "is_resource")
_CHUNK = 400  # rows per multi-row INSERT: 400 × 15 parameters stays under SQLite's limit


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
    return hashlib.sha1("\x1e".join(parts).encode(), usedforsecurity=False).hexdigest()


class _Writer:
    """Binds rows with SQLAlchemy's processors and runs raw statements on one connection."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"

    def processors(self, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
        # dialect_impl: PostgreSQL's JSON binds through psycopg's Json wrapper, SQLite's through json.dumps
        return [
            table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            for name in columns
        ]

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.connection.exec_driver_sql(sql, rows)

    def returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.connection.exec_driver_sql(sql, params)]


def _bind(values: Sequence[Any], procs: Sequence[Callable[[Any], Any] | None]) -> tuple[Any, ...]:
    return tuple(p(v) if p is not None else v for v, p in zip(values, procs, strict=True))


def upsert_interactions(
    session: Session, *, account_id: int, items: Iterable[Interaction], now: datetime
) -> UpsertResult:
    """Insert new interactions, rewrite changed ones, skip identical ones.

    Running it twice on the same data changes nothing; concurrent writers cannot duplicate a
    row because (account_id, provider_id) is unique and inserts use `ON CONFLICT DO NOTHING`.
    """
    latest: dict[str, Interaction] = {}
    for item in items:  # the last copy of a provider id within one batch wins
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

    table = InteractionRow.__table__
    assert isinstance(table, Table)
    procs = writer.processors(table, _INTERACTION_COLUMNS)

    def row(pid: str) -> tuple[Any, ...]:
        it = latest[pid]
        values = (
            account_id, pid, it.kind.value, it.occurred_at, it.ended_at, it.subject,
            it.thread_id, it.message_id, it.in_reply_to, list(it.references), dict(it.headers),
            it.cancelled, it.source, prints[pid], now,
        )  # fmt: skip
        return _bind(values, procs)

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


def load_interactions(
    session: Session, *, ids: Collection[int] | None = None
) -> list[StoredInteraction]:
    """Stored interactions (all, or those in `ids`) with participants, oldest first."""
    people: dict[int, list[Participant]] = {}
    participants = select(
        ParticipantRow.interaction_id, ParticipantRow.address, ParticipantRow.name,
        ParticipantRow.role, ParticipantRow.response, ParticipantRow.is_resource,
    ).order_by(ParticipantRow.id)  # fmt: skip
    if ids is not None:
        participants = participants.where(ParticipantRow.interaction_id.in_(list(ids)))
    for iid, address, name, role, response, is_resource in session.execute(participants):
        people.setdefault(iid, []).append(
            Participant(
                address, Role(role), name, Response(response) if response else None, is_resource
            )
        )
    query = (
        select(
            InteractionRow.id, Account.name, InteractionRow.provider_id, InteractionRow.kind,
            InteractionRow.occurred_at, InteractionRow.ended_at, InteractionRow.subject,
            InteractionRow.thread_id, InteractionRow.message_id, InteractionRow.in_reply_to,
            InteractionRow.references, InteractionRow.headers, InteractionRow.cancelled,
            InteractionRow.source,
        )
        .join(Account, Account.id == InteractionRow.account_id)
        .order_by(InteractionRow.occurred_at, InteractionRow.id)
    )  # fmt: skip
    if ids is not None:
        query = query.where(InteractionRow.id.in_(list(ids)))
    rows = session.execute(query)
    return [
        StoredInteraction(
            id=r[0],
            account=r[1],
            interaction=Interaction(
                provider_id=r[2],
                kind=Kind(r[3]),
                occurred_at=r[4],
                ended_at=r[5],
                subject=r[6],
                thread_id=r[7],
                message_id=r[8],
                in_reply_to=r[9],
                references=tuple(r[10] or ()),
                headers=r[11] or {},
                cancelled=r[12],
                source=r[13],
                participants=tuple(people.get(r[0], ())),
            ),
        )
        for r in rows
    ]
