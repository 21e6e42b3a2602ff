"""Engine creation and schema migration (Alembic, run programmatically at start-up)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from keepwarm.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
#: Alembic's script loading is not thread-safe, and the cycle opens one workspace per account
#: task: migrate each database once per process, one thread at a time.
_MIGRATE_LOCK = threading.Lock()
_migrated: set[str] = set()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"database URL {url!r} is not a SQLAlchemy URL; use e.g. "
            "'sqlite:///path/keepwarm.db' or 'postgresql+psycopg://user@host/keepwarm'"
        ) from None
    if parsed.drivername == "postgresql" or parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
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
        try:
            command.upgrade(alembic_config(engine), "head")
        except OperationalError as exc:
            raise ConfigError(
                f"cannot reach or migrate the database at {engine.url!r}: {exc.orig}"
            ) from None
        _migrated.add(key)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
