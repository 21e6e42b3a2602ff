"""Hostile input: a workspace on SQLite and on PostgreSQL (the `database_url` fixture) per test."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from keepwarm.services.workspace import Workspace
from tests.queuedata import NOW, open_at


def hostile_config(
    folder: Path,
    database_url: str,
    *,
    mail: Sequence[Path] = (),
    calendars: Sequence[Path] = (),
    accounts: str = "",
) -> Path:
    """A keepwarm.toml with one `files` account (`demo`, drafts into `out/drafts`)."""
    paths = f"mail = {json.dumps([str(p) for p in mail])}\n"
    paths += f"calendars = {json.dumps([str(p) for p in calendars])}\n"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "keepwarm.toml"
    config.write_text(
        f'database_url = "{database_url}"\nas_of = "{NOW.isoformat()}"\n'
        '[owner]\nname = "Ada Lovelace"\naddresses = ["ada@analytical.example"]\n'
        'domains = ["analytical.example"]\ntimezone = "Europe/London"\n\n'
        '[[accounts]]\nname = "demo"\nkind = "files"\ndrafts = "out/drafts"\n' + paths + accounts,
        encoding="utf-8",
    )
    return config


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    ws = open_at(hostile_config(tmp_path / "ws", database_url))
    try:
        yield ws
    finally:
        ws.close()
