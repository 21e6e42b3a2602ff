"""A database the user must fix is a one-line error with the fix, never a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.errors import NotFound
from keepwarm.services import queue as service
from keepwarm.services.workspace import Workspace
from keepwarm.store import engine as store_engine
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at, seed

runner = CliRunner()
HUGE = 10**30


@pytest.fixture(autouse=True)
def _migrate_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each open checks the schema again (the cache would hide a database changed under us)."""
    monkeypatch.setattr(store_engine, "_migrated", set())


def kw(config: Path, *args: str) -> tuple[int, str]:
    store_engine._migrated.clear()
    result = runner.invoke(app, ["--config", str(config), *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_a_database_from_a_newer_keepwarm(tmp_path: Path, database_url: str) -> None:
    config = hostile_config(tmp_path / "ws", database_url)
    open_at(config).close()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    code, output = kw(config, "queue")
    assert code == 1
    assert "newer version of keepwarm" in one_line_error(output) and "9999" in output


def sqlite_config(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "state" / "keepwarm.db"
    config = hostile_config(tmp_path / "ws", f"sqlite:///{db}")
    open_at(config).close()
    return config, db


def test_a_locked_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, db = sqlite_config(tmp_path)
    [draft_id] = seed(ws := open_at(config), 1)
    ws.close()
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT", 0.01)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, output = kw(config, "approve", str(draft_id))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "is locked by another process" in one_line_error(output)


def test_a_read_only_database(tmp_path: Path) -> None:
    config, db = sqlite_config(tmp_path)
    [draft_id] = seed(ws := open_at(config), 1)
    ws.close()
    read_only = hostile_config(
        tmp_path / "ro", f"sqlite:///file:{db}?mode=ro&uri=true"
    )  # root ignores file modes; the URI flag does not
    code, output = kw(read_only, "approve", str(draft_id))
    assert code == 1 and "is read-only" in one_line_error(output)


def test_a_damaged_database(tmp_path: Path) -> None:
    config, db = sqlite_config(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    code, output = kw(config, "queue")
    assert code == 1 and "damaged or not a keepwarm database" in one_line_error(output)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ada:s3cret-pw@localhost:notaport/keepwarm",
        "nosuchdb://ada:s3cret-pw@localhost/keepwarm",
        "postgresql+psycopg://ada:s3cret-pw@127.0.0.1:1/keepwarm",
        "not a url at all s3cret-pw",
    ],
)
def test_a_bad_database_url_never_shows_its_password(tmp_path: Path, url: str) -> None:
    code, output = kw(hostile_config(tmp_path / "ws", url), "queue")
    assert code == 1 and "s3cret-pw" not in output
    assert "database" in one_line_error(output)


@pytest.fixture
def queued(workspace: Workspace) -> Iterator[Workspace]:
    seed(workspace, 2)
    yield workspace


def test_a_huge_draft_id_is_no_draft(queued: Workspace) -> None:
    for action in (
        lambda: service.show(queued, HUGE),
        lambda: service.approve(queued, [1, HUGE]),
        lambda: service.reject(queued, [HUGE]),
        lambda: service.edit(queued, HUGE, subject="x"),
        lambda: service.show(queued, -HUGE),
    ):
        with pytest.raises(NotFound, match="no draft"):
            action()
    assert [d["state"] for d in service.summaries(queued)] == ["pending", "pending"]


def test_a_huge_draft_id_on_the_command_line(tmp_path: Path, database_url: str) -> None:
    config = hostile_config(tmp_path / "ws", database_url)
    code, output = kw(config, "show", str(HUGE))
    assert code == 1 and "no draft" in one_line_error(output)
