"""Serialising writers that read before they write, across processes and machines.

Two cycles on two workers may run the same read-then-insert (the people pass, the draft
queue, an account's cursors). Unique constraints already stop duplicates, but the loser would
fail on an IntegrityError; a transaction-scoped lock makes it wait and then see the winner's
rows instead. PostgreSQL: `pg_advisory_xact_lock`, released at commit or rollback. SQLite
has one lock for the whole database: a no-op write takes it now (the driver opens the
transaction before the first write, not before reads), so the reads that follow are current.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
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


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Whether this process may do the job `name` now, held across many transactions.

    PostgreSQL: a session-level `pg_try_advisory_lock` on a connection kept for the duration;
    another worker gets False and skips instead of waiting. SQLite: an exclusive `flock` on a
    file beside the database (processes on one machine: `keepwarm deliver` during a cycle).
    """
    if engine.dialect.name != "postgresql":
        database = engine.url.database
        if not database or database == ":memory:":
            yield True
            return
        with Path(f"{database}.{name}.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    key = {"key": lock_key(name)}
    with engine.connect() as connection:
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar())
        connection.commit()
        try:
            yield got
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                connection.commit()
