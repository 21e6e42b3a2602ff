"""Serialising writers that read before they write, across processes and machines.

Two cycles on two workers may run the same read-then-insert (the people pass, the draft
queue, an account's cursors). Unique constraints already stop duplicates, but the loser would
fail on an IntegrityError; a transaction-scoped lock makes it wait and then see the winner's
rows instead. PostgreSQL: `pg_advisory_xact_lock`, released at commit or rollback. SQLite
has one lock for the whole database: a no-op write takes it now (the driver opens the
transaction before the first write, not before reads), so the reads that follow are current.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (advisory locks are keyed by integers)."""
    return zlib.crc32(name.encode()) - 2**31 + (0x4B57 << 32)


def serialize(session: Session, name: str) -> None:
    """Hold the lock `name` (on SQLite: the database's write lock) until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    elif dialect == "sqlite":
        session.execute(text("DELETE FROM runs WHERE 0 = 1"))
