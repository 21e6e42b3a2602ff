"""A workspace: validated settings plus a migrated database, opened once per command or task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from keepwarm.privatefiles import private_dir
from keepwarm.settings import Settings
from keepwarm.store.engine import make_engine, migrate, session_factory
from keepwarm.store.errors import translated


@dataclass
class Workspace:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error.

        A database the user must fix (locked, read-only, damaged) is a one-line `StoreError`."""
        with translated(self.engine.url), self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(settings: Settings) -> Workspace:
    private_dir(settings.state_path, tighten=True)  # tokens, drafts, edits: the owner's only
    engine = make_engine(settings.db_url)
    migrate(engine)
    return Workspace(settings=settings, engine=engine, sessions=session_factory(engine))
