"""Database failures a user can cause or fix, as one-line `StoreError`s that say what to do.

The store is the only layer that talks to the database, so it is the one that translates
SQLAlchemy, DB-API and Alembic errors. URLs are always shown without their password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util.exc import CommandError
from sqlalchemy import URL
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError

from keepwarm.errors import StoreError

_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact_url(url: str | URL) -> str:
    """A database URL fit to print: the password (if any) replaced by `***`."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD.sub(r"\1***@", url)


def where(url: URL) -> str:
    """The database file for SQLite, else the redacted URL."""
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return redact_url(url)


def translate(exc: BaseException, url: URL) -> StoreError | None:
    """The `StoreError` for a database failure, or None when it is not one a user can fix."""
    at = where(url)
    if isinstance(exc, CommandError) and "Can't locate revision" in str(exc):
        found = re.search(r"identified by '([^']+)'", str(exc))
        revision = f" (schema revision {found.group(1)})" if found else ""
        return StoreError(
            f"the database {at} was written by a newer version of keepwarm{revision}; "
            "upgrade keepwarm, or set database_url to another database"
        )
    if not isinstance(exc, DBAPIError | DatabaseError):
        return None
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    lowered = text.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return StoreError(
            f"the database {at} is locked by another process (another keepwarm command, or a "
            "tool holding it open); wait for it to finish or close that tool, then retry"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(
            f"the database {at} is read-only; make the file and its folder writable by the "
            "user running keepwarm"
        )
    if "not a database" in lowered or "malformed" in lowered or "disk image" in lowered:
        return StoreError(
            f"the database {at} is damaged or not a keepwarm database; restore it from a backup, "
            "or move it away to start afresh"
        )
    if "unable to open database file" in lowered:
        return StoreError(
            f"cannot open the database {at}; check that its folder exists and is writable"
        )
    if isinstance(exc, OperationalError):
        return StoreError(
            f"cannot use the database at {redact_url(url)}: {first}; check database_url and "
            "that the database server is running"
        )
    return None


@contextmanager
def translated(url: URL) -> Iterator[None]:
    """Re-raise database failures a user can fix as `StoreError`s; anything else unchanged."""
    try:
        yield
    except (DBAPIError, DatabaseError, CommandError) as exc:
        error = translate(exc, url)
        if error is None:
            raise
        raise error from None
