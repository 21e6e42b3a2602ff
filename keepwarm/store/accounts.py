"""Accounts, their sync cursors, quarantined inputs and sync outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keepwarm.models import Quarantined
from keepwarm.ports import Cursor
from keepwarm.redact import redact
from keepwarm.store import fit
from keepwarm.store.locks import serialize
from keepwarm.store.tables import Account, InteractionRow, Quarantine, SyncCursor


def ensure_account(session: Session, *, name: str, kind: str, now: datetime) -> Account:
    """The account row for `name`, created on first use (once, even by concurrent workers)."""
    serialize(session, f"account:{name}")
    account = session.scalar(select(Account).where(Account.name == name))
    if account is None:
        account = Account(name=name, kind=kind, created_at=now, owner_addresses=[])
        session.add(account)
        session.flush()
    return account


#: Where a cursor keeps its stream's full name when the name was too long for the column.
_FULL_STREAM = "_stream"


def load_cursors(session: Session, *, account_id: int) -> dict[str, Cursor]:
    rows = session.execute(
        select(SyncCursor.stream, SyncCursor.value).where(SyncCursor.account_id == account_id)
    )
    found: dict[str, Cursor] = {}
    for stream, value in rows:
        cursor = dict(value)
        full = cursor.pop(_FULL_STREAM, None)
        found[full if isinstance(full, str) else stream] = cursor
    return found


def save_cursor(
    session: Session,
    *,
    account_id: int,
    stream: str,
    value: Cursor,
    summary: dict[str, Any],
    now: datetime,
) -> None:
    """Store a stream's position; a stream name too long for its column (a deep path) is
    fitted, and the full name rides inside the cursor so the connector finds it again."""
    if len(stream) > fit.STREAM or "\x00" in stream:
        value = {**value, _FULL_STREAM: stream}
        stream = fit.fit(stream, fit.STREAM)
    row = session.scalar(
        select(SyncCursor).where(SyncCursor.account_id == account_id, SyncCursor.stream == stream)
    )
    if row is None:
        session.add(
            SyncCursor(
                account_id=account_id, stream=stream, value=value, summary=summary, updated_at=now
            )
        )
    else:
        row.value, row.summary, row.updated_at = value, summary, now


def clear_cursors(session: Session, *, account_id: int, prefix: str = "") -> None:
    """Forget sync positions (after the provider rejected one) so the next sync is a full one."""
    for row in session.scalars(select(SyncCursor).where(SyncCursor.account_id == account_id)):
        if row.stream.startswith(prefix):
            session.delete(row)


def quarantine(
    session: Session, *, account_id: int, items: tuple[Quarantined, ...], now: datetime
) -> int:
    """Record unreadable inputs once each; returns how many were new.

    One multi-row `INSERT … ON CONFLICT DO NOTHING` per chunk (a page of an mbox full of
    broken messages is thousands of entries); sources and positions are fitted to their columns.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        source, position = fit.fit(item.source, fit.SOURCE), fit.fit(item.position, fit.POSITION)
        rows.setdefault(
            (source, position),
            {
                "account_id": account_id, "source": source, "position": position,
                "reason": fit.clean(item.reason), "first_seen_at": now,
            },
        )  # fmt: skip
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = list(rows.values())
    new = 0
    for start in range(0, len(values), 500):  # 500 × 5 parameters: under SQLite's limit
        statement = insert(Quarantine).values(values[start : start + 500])
        new += len(session.execute(statement.on_conflict_do_nothing().returning(Quarantine.id)).all())
    return new


def release_quarantined(session: Session, *, account_id: int, sources: Iterable[str]) -> int:
    """Forget whole-input problems (a missing or unreadable file, position "") of `sources`:
    the input now reads, or is reported another way. Per-message entries stay."""
    wanted = [s for s in sources if s]
    if not wanted:
        return 0
    rows = list(
        session.scalars(
            select(Quarantine).where(
                Quarantine.account_id == account_id,
                Quarantine.source.in_(wanted),
                Quarantine.position == "",
            )
        )
    )
    for row in rows:
        session.delete(row)
    return len(rows)


def record_sync(
    session: Session,
    *,
    account: Account,
    now: datetime,
    error: str | None,
    error_kind: str | None = None,
) -> None:
    account.last_sync_at = now
    if error is None:
        account.last_success_at = now
        account.last_error = None
        account.last_error_at = None
        account.last_error_kind = None
    else:
        account.last_error = redact(error)  # provider error bodies quote tokens
        account.last_error_at = now
        account.last_error_kind = error_kind


def remember_owner_addresses(session: Session, *, account: Account, addresses: set[str]) -> None:
    merged = sorted(set(account.owner_addresses or []) | {a.lower() for a in addresses})
    if merged != account.owner_addresses:
        account.owner_addresses = merged


def discovered_owner_addresses(session: Session) -> set[str]:
    """The owner's addresses that connectors reported (Gmail sendAs, Graph proxyAddresses)."""
    return {a.lower() for row in session.scalars(select(Account.owner_addresses)) for a in row or []}


def any_synced(session: Session) -> bool:
    """Whether any account was ever synced (successfully or not)."""
    return (
        session.scalar(select(Account.id).where(Account.last_sync_at.is_not(None)).limit(1))
        is not None
    )


@dataclass(frozen=True, slots=True)
class AccountStatus:
    name: str
    kind: str
    last_sync_at: datetime | None
    last_success_at: datetime | None
    cursor_updated_at: datetime | None
    interactions: int
    last_error: str | None
    last_error_kind: str | None
    created_at: datetime
    streams: list[dict[str, Any]]
    quarantined: list[dict[str, str]]


def account_statuses(session: Session) -> list[AccountStatus]:
    result = []
    for account in session.scalars(select(Account).order_by(Account.name)):
        count = session.scalar(
            select(func.count())
            .select_from(InteractionRow)
            .where(InteractionRow.account_id == account.id)
        )
        cursors = list(
            session.scalars(
                select(SyncCursor)
                .where(SyncCursor.account_id == account.id)
                .order_by(SyncCursor.stream)
            )
        )
        quarantined = session.scalars(
            select(Quarantine).where(Quarantine.account_id == account.id).order_by(Quarantine.id)
        )
        result.append(
            AccountStatus(
                name=account.name,
                kind=account.kind,
                last_sync_at=account.last_sync_at,
                last_success_at=account.last_success_at,
                cursor_updated_at=max((c.updated_at for c in cursors), default=None),
                interactions=count or 0,
                last_error=account.last_error,
                last_error_kind=account.last_error_kind,
                created_at=account.created_at,
                streams=[{"stream": c.stream, **c.summary} for c in cursors],
                quarantined=[
                    {"source": q.source, "position": q.position, "reason": q.reason}
                    for q in quarantined
                ],
            )
        )
    return result
