"""Engine creation and schema migration (Alembic, run programmatically at start-up)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from keepwarm.errors import ConfigError, StoreError
from keepwarm.privatefiles import private_dir, private_file
from keepwarm.store.errors import redact_url, translated

MIGRATIONS = Path(__file__).parent / "migrations"
#: Alembic's script loading is not thread-safe, and the cycle opens one workspace per account
#: task: migrate each database once per process, one thread at a time.
_MIGRATE_LOCK = threading.Lock()
_migrated: set[str] = set()
#: Seconds a SQLite connection waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT = 30.0


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"database_url is not a SQLAlchemy URL ({exc}); use e.g. "
            "'sqlite:///path/keepwarm.db' or 'postgresql+psycopg://user@host/keepwarm'"
        ) from None
    if parsed.drivername == "postgresql" or parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            is_uri = parsed.query.get("uri") == "true"  # `file:…?mode=ro`: SQLite resolves it
            if parsed.database and parsed.database != ":memory:" and not is_uri:
                private_dir(Path(parsed.database).parent)
                private_file(Path(parsed.database))  # SQLite gives its WAL the same mode
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except ArgumentError as exc:  # NoSuchModuleError: an unknown database kind or driver
        raise ConfigError(
            f"database URL {redact_url(parsed)!r}: {exc}; use 'sqlite:///path/keepwarm.db' or "
            "'postgresql+psycopg://user@host/keepwarm'"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the database folder: {exc.strerror or exc}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Fold the WAL back into the database every ~40 MB instead of every 4 MB: each checkpoint
    # syncs the file, and a cold import committing page after page spent ~2 s of 100k
    # messages in them (half that with this).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; once per process and database)."""
    key = engine.url.render_as_string(hide_password=False)
    with _MIGRATE_LOCK:
        if key in _migrated:
            return
        with translated(engine.url):
            command.upgrade(alembic_config(engine), "head")
        _migrated.add(key)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
