"""Watermarks: which ingest the last detection saw, without comparing clocks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, select, update
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
    result = session.execute(update(Meta).where(Meta.key == key).values(value=expression))
    assert isinstance(result, CursorResult)
    if result.rowcount == 0:
        session.add(Meta(key=key, value=initial))
        session.flush()
