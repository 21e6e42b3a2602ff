"""`keepwarm auth ACCOUNT`: dispatch by account kind, clear errors, a private token file."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from typer.testing import CliRunner

import connectors.google.auth as google_auth
from keepwarm.cli.main import app

runner = CliRunner()
CONFIG = """
[owner]
name = "Ada"
addresses = ["ada@analytical.example"]

[[accounts]]
name = "work"
kind = "google"
{extra}

[[accounts]]
name = "demo"
kind = "files"
"""


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "keepwarm.toml"
    path.write_text(CONFIG.format(extra=extra))
    return path


def _run(config: Path, *args: str) -> Any:
    return runner.invoke(app, ["--config", str(config), "auth", *args])


def test_sign_in_stores_a_private_token_and_prints_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A completed flow writes tokens/work.json with 0600 and echoes only its path."""
    (tmp_path / "client.json").write_text("{}")
    seen: dict[str, Any] = {}

    def flow(client_secrets: Path, *, scope_list: list[str], no_browser: bool, echo: Any) -> Any:
        seen.update(path=client_secrets, scopes=scope_list, no_browser=no_browser)
        return Credentials(
            token="fake-token.secret-access", refresh_token="1//secret-refresh",
            token_uri="https://oauth2.googleapis.com/token", client_id="cid",
            client_secret="csecret", scopes=scope_list,
        )  # fmt: skip

    monkeypatch.setattr(google_auth, "run_installed_app_flow", flow)
    config = _config(tmp_path, 'client_secrets = "client.json"\nsearch_filters = false')
    result = _run(config, "work", "--no-browser")
    assert result.exit_code == 0, result.output
    token = tmp_path / ".keepwarm" / "tokens" / "work.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert json.loads(token.read_text())["refresh_token"] == "1//secret-refresh"
    assert "secret" not in result.output
    assert seen["no_browser"] is True and seen["path"] == tmp_path / "client.json"
    assert seen["scopes"] == [google_auth.GMAIL_METADATA, google_auth.GMAIL_COMPOSE,
                              google_auth.CALENDAR_READONLY]  # fmt: skip


def test_missing_client_secrets_is_an_actionable_error(tmp_path: Path) -> None:
    """Without client_secrets or token_command, the error says what to set."""
    result = _run(_config(tmp_path), "work")
    assert result.exit_code == 1
    assert "client_secrets" in result.output and "token_command" in result.output


def test_token_command_accounts_need_no_sign_in(tmp_path: Path) -> None:
    """An account with token_command is left alone, with an explanation."""
    result = _run(_config(tmp_path, 'token_command = "gcloud auth print-access-token"'), "work")
    assert result.exit_code == 0 and "token_command" in result.output
    assert not (tmp_path / ".keepwarm" / "tokens").exists()


def test_files_accounts_and_unknown_names_are_refused(tmp_path: Path) -> None:
    """A files account has nothing to sign in; an unknown name lists the accounts."""
    config = _config(tmp_path)
    files = _run(config, "demo")
    assert files.exit_code == 1 and "needs no sign-in" in files.output
    unknown = _run(config, "nope")
    assert unknown.exit_code == 1 and "work, demo" in unknown.output


def test_installed_app_flow_uses_loopback_and_honours_no_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow listens on 127.0.0.1 and does not open a browser with --no-browser."""
    from google_auth_oauthlib import flow as oauth_flow

    calls: dict[str, Any] = {}

    class Flow:
        def run_local_server(self, **kwargs: Any) -> str:
            calls.update(kwargs)
            return "credentials"

    monkeypatch.setattr(
        oauth_flow.InstalledAppFlow,
        "from_client_secrets_file",
        classmethod(lambda c, p, scopes: Flow()),
    )
    secrets = tmp_path / "client.json"
    secrets.write_text("{}")
    got = google_auth.run_installed_app_flow(
        secrets, scope_list=["s"], no_browser=True, echo=lambda line: None
    )
    assert got == "credentials"
    assert calls["host"] == "127.0.0.1" and calls["open_browser"] is False
    assert "{url}" in calls["authorization_prompt_message"]
