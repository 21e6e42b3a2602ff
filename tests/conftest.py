"""Shared fixtures: a private copy of the bundled examples, and a clean KEEPWARM_* environment."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
#: The demo's drafts: who gets one, and from which rule. Grace and Alan met Ada for the first
#: time (a thank-you); Katherine and Renée wrote last and have waited three working days (a
#: reply in their thread, never a thank-you).
EXPECTED_RULES = {
    "grace.hopper@navylabs.example": "new-peer-thank-you",
    "alan@bletchley.example": "new-peer-thank-you",
    "katherine.johnson@orbital.example": "reply-owed",
    "renee.dubois@lumiere-labs.example": "reply-owed",
}
EXPECTED_DRAFTS = set(EXPECTED_RULES)

#: Read once at import, before `_clean_environment` clears KEEPWARM_* for each test.
#: `.ci/run` exports it (a throwaway cluster on 127.0.0.1); unset locally, PostgreSQL variants skip.
POSTGRES_URL = os.environ.get("KEEPWARM_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("KEEPWARM_"):
            monkeypatch.delenv(key)


@pytest.fixture
def demo_config(tmp_path: Path) -> Iterator[Path]:
    """examples/ copied to a temporary folder, with the shipped rules beside it."""
    target = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", target, ignore=shutil.ignore_patterns(".keepwarm"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    yield target / "keepwarm.toml"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'keepwarm.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL variant: set KEEPWARM_TEST_POSTGRES_URL (`.ci/run` does)")
    yield from fresh_postgres_database(POSTGRES_URL)


def create_database(admin_url: str) -> tuple[str, str]:
    """CREATE a uniquely named database on the test server; returns (its URL, its name)."""
    import psycopg

    url = make_url(admin_url)
    name = f"kwtest_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_database(admin_url: str, name: str) -> None:
    """DROP it, forcefully (a workspace left open must not keep it)."""
    import psycopg

    with psycopg.connect(_conninfo(admin_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _conninfo(admin_url: str) -> str:
    return make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A database for one test, dropped afterwards."""
    url, name = create_database(admin_url)
    try:
        yield url
    finally:
        drop_database(admin_url, name)


def use_database(config: Path, database_url: str) -> Path:
    """Point a keepwarm.toml at `database_url` (a top-level key, so it goes first)."""
    config.write_text(f"database_url = {database_url!r}\n" + config.read_text())
    return config
