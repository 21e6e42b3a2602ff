"""Watermarks: which ingest the last detection saw, without comparing clocks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keepwarm.store.tables import Meta

INGEST = "ingest_seq"
DETECTED = "detected_seq"


def read(session: Session, key: str) -> int:
    return session.scalar(select(Meta.value).where(Meta.key == key)) or 0


def write(session: Session, key: str, value: int) -> None:
    _set(session, key, value, value)


def bump(session: Session, key: str) -> None:
    """Increment atomically: concurrent writers each add one."""
    _set(session, key, Meta.value + 1, 1)


def _set(session: Session, key: str, expression: Any, initial: int) -> None:
    """UPDATE, or INSERT … ON CONFLICT DO NOTHING and UPDATE again when a concurrent writer
    created the row first (two account tasks bump the same counter)."""
    result = session.execute(update(Meta).where(Meta.key == key).values(value=expression))
    assert isinstance(result, CursorResult)
    if result.rowcount == 0:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        created = session.execute(
            insert(Meta).values(key=key, value=initial).on_conflict_do_nothing()
        )
        assert isinstance(created, CursorResult)
        if created.rowcount == 0:
            session.execute(update(Meta).where(Meta.key == key).values(value=expression))
