"""Idempotent storage of interactions and their participants.

This is the ingest hot path (DESIGN.md §10: ≥ 20k messages/s), so it talks to the DB-API
cursor directly with `executemany` and multi-row `VALUES … RETURNING`, while reusing
SQLAlchemy's own type processors so rows read back through the ORM exactly as written.
The SQL (`ON CONFLICT … DO NOTHING`, `RETURNING`) is the same on SQLite ≥ 3.35 and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from keepwarm.incremental import links
from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction
from keepwarm.store import lists
from keepwarm.store.fit import fit_interaction
from keepwarm.store.loading import load_interactions
from keepwarm.store.tables import InteractionRow

__all__ = [
    "UpsertResult",
    "file_links",
    "fingerprint",
    "forget_snippets",
    "load_interactions",
    "load_snippets",
    "upsert_interactions",
]

_INTERACTION_COLUMNS = (
    "account_id", "provider_id", "kind", "occurred_at", "ended_at", "subject", "thread_id",
    "message_id", "in_reply_to", "references", "headers", "cancelled", "source",
    "fingerprint", "ingested_at", "location", "snippet",
)  # fmt: skip
_PARTICIPANT_COLUMNS = ("interaction_id", "address", "name", "role", "response", "is_resource")
_CHUNK = 400  # rows per multi-row INSERT: 400 × 17 parameters stays under SQLite's limit
#: Enum values as plain strings, looked up once (an enum's `.value` is a slow property).
_KIND = {k: k.value for k in Kind}
_ROLE = {r: r.value for r in Role}
_RESPONSE: dict[Response | None, str | None] = {r: r.value for r in Response} | {None: None}


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int


def fingerprint(item: Interaction) -> str:
    """A digest of everything stored about an interaction; equal digests mean nothing changed."""
    parts = [
        _KIND[item.kind], item.occurred_at.isoformat(), str(item.ended_at), item.subject,
        str(item.thread_id), str(item.in_reply_to), "|".join(item.references),
        repr(sorted(item.headers.items())), str(item.cancelled),
    ]  # fmt: skip
    parts.extend(
        f"{p.address}\x1f{_ROLE[p.role]}\x1f{p.name}\x1f{p.response}\x1f{p.is_resource}"
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
    existing = _existing(writer, account_id, list(latest))

    fresh = [pid for pid in latest if pid not in existing]
    changed = {
        pid: existing[pid][0]
        for pid in latest
        if pid in existing and existing[pid][1] != prints[pid]
    }
    old_times = _times(session, list(changed.values()))

    time, js, flag = writer.time, writer.json, writer.flag
    ingested = time(now)
    at = {pid: time(item.occurred_at) for pid, item in latest.items()}  # rows and links
    no_refs, no_headers = js([]), js({})  # most rows: encode the empty values once

    def row(pid: str) -> tuple[Any, ...]:
        it = latest[pid]
        return (
            account_id, pid, _KIND[it.kind], at[pid],
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
        params = tuple(chain.from_iterable(map(row, chunk)))
        ids.update((pid, iid) for iid, pid in writer.returning(sql, params))

    if changed:
        assignments = ", ".join(f'"{c}" = {writer.mark}' for c in _INTERACTION_COLUMNS[2:])
        writer.executemany(
            f"UPDATE interactions SET {assignments} WHERE id = {writer.mark}",
            [(*row(pid)[2:], iid) for pid, iid in changed.items()],
        )
        marks = ", ".join([writer.mark] * len(changed))
        for table in ("participants", "interaction_links"):
            writer.connection.exec_driver_sql(
                f"DELETE FROM {table} WHERE interaction_id IN ({marks})", tuple(changed.values())
            )
        ids.update(changed)

    _insert_participants(writer, ((iid, latest[pid].participants) for pid, iid in ids.items()))
    _insert_links(writer, ((iid, latest[pid], at[pid]) for pid, iid in ids.items()))
    lists.record(
        session,
        lists.facts((iid, latest[pid]) for pid, iid in ids.items()),
        replaced=list(changed.values()),
    )
    # Detection refolds what changed, including where an updated interaction used to be.
    writer.executemany(
        f"INSERT INTO pending_changes (interaction_id, old_at) VALUES ({writer.mark}, {writer.mark})",
        [(iid, old_times.get(iid)) for iid in ids.values()],
    )
    inserted = len(ids) - len(changed)
    return UpsertResult(inserted, len(changed), len(latest) - inserted - len(changed))


def _existing(writer: _Writer, account_id: int, pids: list[str]) -> dict[str, tuple[int, str]]:
    """(id, fingerprint) of the stored ones among `pids` (raw: a cold import asks for many)."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(pids), 900):
        chunk = pids[start : start + 900]
        marks = ", ".join([writer.mark] * len(chunk))
        rows = writer.returning(
            "SELECT provider_id, id, fingerprint FROM interactions "
            f"WHERE account_id = {writer.mark} AND provider_id IN ({marks})",
            (account_id, *chunk),
        )
        found.update((pid, (iid, fp)) for pid, iid, fp in rows)
    return found


def _times(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When these stored interactions happened (before they are rewritten)."""
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(
            select(InteractionRow.id, InteractionRow.occurred_at).where(
                InteractionRow.id.in_(ids[start : start + 900])
            )
        )
        found.update((iid, at) for iid, at in rows)
    return found


def _insert_links(writer: _Writer, triples: Iterable[tuple[int, Interaction, Any]]) -> None:
    """File each interaction (id, item, bound time) under its link values
    (`keepwarm.incremental.links`)."""
    rows = [
        (value, kind, at, iid) for iid, item, at in triples for value, kind in links.stored(item)
    ]
    marks = ", ".join([writer.mark] * 4)
    writer.executemany(
        f"INSERT INTO interaction_links (link, kind, at, interaction_id) VALUES ({marks})", rows
    )


def file_links(session: Session, items: Iterable[StoredInteraction]) -> None:
    """File interactions stored before links existed under their links and the list addresses
    they name (a data migration's second half)."""
    writer = _Writer(session)
    batch = [(s.id, s.interaction) for s in items]
    for start in range(0, len(batch), 900):
        chunk = batch[start : start + 900]
        marks = ", ".join([writer.mark] * len(chunk))
        writer.connection.exec_driver_sql(
            f"DELETE FROM interaction_links WHERE interaction_id IN ({marks})",
            tuple(iid for iid, _ in chunk),
        )
    _insert_links(writer, [(iid, item, writer.time(item.occurred_at)) for iid, item in batch])
    lists.record(session, lists.facts(batch), replaced=[iid for iid, _ in batch])


def _insert_participants(
    writer: _Writer, pairs: Iterable[tuple[int, tuple[Participant, ...]]]
) -> None:
    rows = [
        (
            iid,
            p.address,
            p.name,
            _ROLE[p.role],
            _RESPONSE[p.response],
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
