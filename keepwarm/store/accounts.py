"""Accounts, their sync cursors, quarantined inputs and sync outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keepwarm.models import Quarantined
from keepwarm.ports import Cursor
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


def load_cursors(session: Session, *, account_id: int) -> dict[str, Cursor]:
    rows = session.execute(
        select(SyncCursor.stream, SyncCursor.value).where(SyncCursor.account_id == account_id)
    )
    return {stream: dict(value) for stream, value in rows}


def save_cursor(
    session: Session,
    *,
    account_id: int,
    stream: str,
    value: Cursor,
    summary: dict[str, Any],
    now: datetime,
) -> None:
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
    """Record unreadable inputs once each; returns how many were new."""
    new = 0
    for item in items:
        exists = session.scalar(
            select(Quarantine.id).where(
                Quarantine.account_id == account_id,
                Quarantine.source == item.source,
                Quarantine.position == item.position,
            )
        )
        if exists is None:
            session.add(
                Quarantine(
                    account_id=account_id,
                    source=item.source,
                    position=item.position,
                    reason=item.reason,
                    first_seen_at=now,
                )
            )
            new += 1
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
        account.last_error = error
        account.last_error_at = now
        account.last_error_kind = error_kind


def remember_owner_addresses(session: Session, *, account: Account, addresses: set[str]) -> None:
    merged = sorted(set(account.owner_addresses or []) | {a.lower() for a in addresses})
    if merged != account.owner_addresses:
        account.owner_addresses = merged


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
