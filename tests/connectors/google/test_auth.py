"""Credentials: the stored token is refreshed silently and saved 0600; a revoked grant is an
AuthError naming the command to run, with no token in it."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.google import connect
from connectors.google.auth import scopes, token_file, write_private
from keepwarm.errors import AuthError
from keepwarm.settings import GoogleAccount
from tests.connectors.google.conftest import ENDPOINT, WINDOW

SECRET_REFRESH = "1//refresh-token-that-must-never-be-printed"


def _account(**extra: Any) -> GoogleAccount:
    return GoogleAccount(name="work", kind="google", api_endpoint=ENDPOINT, calendars=[], **extra)


def _stored_token(state: Path) -> Path:
    path = token_file(state, "work")
    info = {
        "token": "fake-token.expired-access-token",
        "refresh_token": SECRET_REFRESH,
        "token_uri": "https://oauth2.googleapis.com/token",  # google-auth always uses this
        "client_id": "1234-test.apps.googleusercontent.com",
        "client_secret": "test-client-secret",
        "scopes": scopes(search_filters=True),
        "expiry": "2020-01-01T00:00:00.000000Z",
    }
    write_private(path, json.dumps(info))
    return path


def test_expired_token_is_refreshed_and_saved_privately(
    tmp_path: Path, cassette: Callable[[str], Any], caplog: pytest.LogCaptureFixture
) -> None:
    """One refresh request, then the API call; the new token lands in a 0600 file."""
    path = _stored_token(tmp_path)
    caplog.set_level(logging.DEBUG)
    with cassette("token_refresh.yaml") as tape:
        connector = connect(_account(), state_path=tmp_path, window=WINDOW)
        assert connector.owner_addresses() == {"ada@analytical.example"}
        assert tape.play_count == 2 and tape.all_played
    assert connector.client.credentials.token == "fake-token.refreshed-access-token"
    saved = json.loads(path.read_text())
    assert saved["token"] == "fake-token.refreshed-access-token"
    assert saved["refresh_token"] == SECRET_REFRESH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ours = " ".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    assert "refreshed-access-token" not in ours and SECRET_REFRESH not in ours


def test_invalid_grant_asks_for_reauthorisation_without_leaking_tokens(
    tmp_path: Path, cassette: Callable[[str], Any]
) -> None:
    """A revoked grant is an AuthError with `keepwarm auth work`, and no token in its text."""
    _stored_token(tmp_path)
    connector = connect(_account(), state_path=tmp_path, window=WINDOW)  # no request yet
    with cassette("token_invalid_grant.yaml") as tape, pytest.raises(AuthError) as caught:
        list(connector.pull({}))
    assert tape.play_count == 1
    message = str(caught.value)
    assert "invalid_grant" in message and "keepwarm auth work" in message
    assert SECRET_REFRESH not in message and "expired-access-token" not in message
    assert caught.value.account == "work"


def test_missing_token_says_how_to_sign_in(tmp_path: Path) -> None:
    """No stored token and no token_command: the error names `keepwarm auth work`."""
    with pytest.raises(AuthError, match="keepwarm auth work"):
        connect(_account(), state_path=tmp_path, window=WINDOW).owner_addresses()


def test_token_command_supplies_the_access_token(
    tmp_path: Path, cassette: Callable[[str], Any]
) -> None:
    """`token_command` output becomes the bearer token; no token file is needed."""
    account = _account(token_command="echo fake-token.from-command")
    with cassette("gmail_send_as.yaml") as tape:
        connector = connect(account, state_path=tmp_path, window=WINDOW)
        assert connector.owner_addresses() == {"ada@analytical.example"}
        assert tape.play_count == 1
    assert connector.client.credentials.token == "fake-token.from-command"
    assert not token_file(tmp_path, "work").exists()


def test_failing_token_command_is_an_auth_error(tmp_path: Path) -> None:
    """A token_command that fails names the command and how to investigate."""
    account = _account(token_command="false")
    with pytest.raises(AuthError, match=r"token_command 'false' failed \(exit 1\)"):
        connect(account, state_path=tmp_path, window=WINDOW).find_delivered("k")
