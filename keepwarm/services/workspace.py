"""A workspace: validated settings plus a migrated database, opened once per command or task.

Opening one also gives a new set-up its rules: when keepwarm.toml sets no `rules_dir` and there
is no `rules/` folder beside it yet, the shipped rules are copied there on first use, so the
follow-ups work at once and the files are the user's to edit.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from keepwarm.errors import ConfigError
from keepwarm.privatefiles import private_dir
from keepwarm.settings import Settings
from keepwarm.store.engine import make_engine, migrate, session_factory
from keepwarm.store.errors import translated

log = logging.getLogger(__name__)

#: The rule files shipped with keepwarm (the source checkout's `rules/`).
SHIPPED_RULES = Path(__file__).resolve().parents[2] / "rules"


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
    copied = ensure_rules(settings)
    if copied is not None:
        log.warning(
            "copied the shipped rules into %s: edit them there to change what gets drafted", copied
        )
    engine = make_engine(settings.db_url)
    migrate(engine)
    return Workspace(settings=settings, engine=engine, sessions=session_factory(engine))


def ensure_rules(settings: Settings, *, source: Path = SHIPPED_RULES) -> Path | None:
    """Copy the shipped rules to the default rules folder when it does not exist yet.

    Returns the folder when it was created by this call, None when
    there was nothing to do: `rules_dir` is set (a missing one stays an error when read) or the
    folder exists. The copy is made beside it and renamed into place, so two processes starting
    at once never leave a half-copied folder.
    """
    target = settings.rules_path
    if settings.rules_dir is not None or target.exists():
        return None
    if not source.is_dir():
        raise ConfigError(
            f"{target}: no rules folder, and the shipped rules are not at {source}; "
            "set rules_dir in keepwarm.toml to a folder of rule files"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rules-", dir=target.parent))
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        staging.chmod(0o755)  # mkdtemp made it private; it is an ordinary folder of the user's
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not a concurrent copy that won the race: a real failure
                raise
            return None
    except OSError as exc:
        raise ConfigError(
            f"{target}: cannot copy the shipped rules there ({exc.strerror or exc}); "
            "make the folder writable or set rules_dir in keepwarm.toml"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
