"""Credentials are never printed or stored, and what keepwarm writes only its owner can read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.errors import AuthError, PermanentError
from keepwarm.services import deliver as outbox
from keepwarm.services import queue as service
from keepwarm.services.workspace import Workspace
from keepwarm.store.accounts import ensure_account, record_sync
from keepwarm.store.tables import Account, Draft
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at, seed

runner = CliRunner()
# Made up, in the providers' shapes (a Google access token starts `ya29.`, a refresh token `1//`).
TOKEN = "ya29." + "FAKE-access-token-" + "0" * 16
REFRESH = "1//" + "FAKE-refresh-token-" + "0" * 16
PROVIDER_BODY = (
    f'401 Unauthorized: {{"error": "invalid_grant", "refresh_token": "{REFRESH}", '
    f'"request": {{"headers": {{"Authorization": "Bearer {TOKEN}"}}}}}}'
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_short_access_token_is_not_printed(tmp_path: Path) -> None:
    config = hostile_config(tmp_path / "ws", f"sqlite:///{tmp_path / 'db'}")
    config.write_text(config.read_text() + '\n[web]\naccess_token = "hunter2-short"\n')
    result = runner.invoke(app, ["--config", str(config), "queue"])
    assert result.exit_code == 1 and "access_token" in result.output
    assert "hunter2-short" not in result.output


def test_provider_error_bodies_are_stored_without_tokens(workspace: Workspace) -> None:
    now = workspace.settings.now()
    with workspace.session() as session:
        account = ensure_account(session, name="demo", kind="files", now=now)
        record_sync(session, account=account, now=now, error=PROVIDER_BODY, error_kind="AuthError")
    with workspace.session() as session:
        stored = session.scalar(select(Account.last_error))
    assert stored is not None and "invalid_grant" in stored
    assert TOKEN not in stored and REFRESH not in stored


class Refusing:
    """A provider that answers every delivery with an error body quoting the credentials."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def find_delivered(self, key: str, *, recorded: str | None = None) -> None:
        return None

    def deliver(self, message: object, *, send: bool, record: object = None) -> None:
        raise self.exc


@pytest.mark.parametrize("exc", [PermanentError(PROVIDER_BODY), AuthError(PROVIDER_BODY)])
def test_a_failed_delivery_stores_no_token(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    ids = seed(workspace, 1)
    service.approve(workspace, ids)
    monkeypatch.setattr(outbox, "build_connector", lambda *a, **k: Refusing(exc))
    outbox.deliver(workspace)
    with workspace.session() as session:
        error = session.scalar(select(Draft.error))
    assert error is not None and "invalid_grant" in error
    assert TOKEN not in error and REFRESH not in error


def test_state_database_drafts_and_edits_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    config = hostile_config(folder, f"sqlite:///{folder / '.keepwarm' / 'keepwarm.db'}")
    ws = open_at(config)
    try:
        ids = seed(ws, 1)
        service.approve(ws, ids)
        assert outbox.deliver(ws).delivered == 1
        state = ws.settings.state_path
    finally:
        ws.close()
    drafts = list((folder / "out" / "drafts" / "cur").iterdir())
    assert mode(state) == 0o700
    assert mode(state / "keepwarm.db") == 0o600
    assert drafts and all(mode(p) == 0o600 for p in drafts)
    assert mode(folder / "out" / "drafts" / "cur") == 0o700


def test_an_existing_open_state_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    (folder / ".keepwarm").mkdir(parents=True, mode=0o755)
    (folder / ".keepwarm").chmod(0o755)
    db = folder / ".keepwarm" / "keepwarm.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    open_at(hostile_config(folder, f"sqlite:///{db}")).close()
    assert mode(folder / ".keepwarm") == 0o700 and mode(db) == 0o600


def test_a_kept_edit_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ws"
    config = hostile_config(folder, f"sqlite:///{folder / '.keepwarm' / 'keepwarm.db'}")
    ws = open_at(config)
    [draft_id] = seed(ws, 1)
    ws.close()
    monkeypatch.setattr("click.edit", lambda *a, **k: "To: not an address\nSubject: x\n\nbody\n")
    result = runner.invoke(app, ["--config", str(config), "edit", str(draft_id)])
    assert result.exit_code == 1
    kept = folder / ".keepwarm" / "edits" / f"draft-{draft_id}.txt"
    assert mode(kept) == 0o600 and mode(kept.parent) == 0o700
