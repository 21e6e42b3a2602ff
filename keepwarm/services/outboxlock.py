"""One deliverer at a time per workspace, so a live attempt is never mistaken for a crashed one.

The outbox reconciles an `attempting` delivery through the connector before retrying; that is
only safe if no other process is in the middle of that very attempt. A second `keepwarm deliver`
(or a cycle running beside it) therefore waits its turn: SQLite workspaces take an exclusive
`flock` on a file beside the database (released by the kernel even on `kill -9`); PostgreSQL
takes a session advisory lock, which also spans machines and dies with the connection.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from keepwarm.services.workspace import Workspace

#: Arbitrary constant naming keepwarm's outbox lock among PostgreSQL advisory locks.
ADVISORY_KEY = 0x6B77_6F62  # "kwob"


@contextmanager
def outbox_lock(ws: Workspace) -> Iterator[bool]:
    """Yield True when this process holds the lock, False when another deliverer does."""
    if ws.engine.dialect.name == "postgresql":
        with ws.engine.connect() as conn:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}))
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
        return
    path = ws.settings.state_path / "outbox.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
