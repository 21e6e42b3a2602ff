"""Sign-in: MSAL silent refresh, revoked grants, the device-code flow, token_command."""

from __future__ import annotations

import base64
import json
import logging
import stat
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import msal
import pytest

from connectors.microsoft.auth import CommandTokens, MsalTokens, scopes
from keepwarm.errors import AuthError, ConfigError
from keepwarm.services.auth_microsoft import authorise
from keepwarm.services.connectors_microsoft import msal_cache_path
from keepwarm.settings import Settings

Cassette = Callable[[str], AbstractContextManager[Any]]
CLIENT = "11111111-2222-3333-4444-555555555555"
AUTHORITY = "https://login.microsoftonline.com/common"
REFRESHED = "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2UifQ.test-access-token-refreshed"


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def seed_cache(path: Path) -> None:
    """A cache as `keepwarm auth` leaves it: an account and a refresh token, no access token."""
    oid, tid = "00000000-0000-0000-66f3-3332eca7ea81", "9188040d-6c67-4c5b-b112-36a304b66dad"
    claims = {"aud": CLIENT, "oid": oid, "tid": tid, "preferred_username": "ada@analytical.example",
              "iss": f"https://login.microsoftonline.com/{tid}/v2.0", "exp": 4102444800, "iat": 1790000000}  # fmt: skip
    cache = msal.SerializableTokenCache()
    cache.add(
        {
            "client_id": CLIENT,
            "scope": list(scopes(send=False)),
            "token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
            "response": {
                "token_type": "Bearer",
                "refresh_token": "0.AS8A-old-refresh-token",
                "id_token": _b64({"alg": "none"}) + "." + _b64(claims) + ".",
                "client_info": _b64({"uid": oid, "utid": tid}),
            },
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cache.serialize())
    path.chmod(0o600)


def tokens(path: Path) -> MsalTokens:
    return MsalTokens(
        account="office",
        client_id=CLIENT,
        authority=AUTHORITY,
        scopes=scopes(send=False),
        cache_path=path,
    )


def test_silent_refresh_uses_the_cached_grant(
    tmp_path: Path, cassette: Cassette, caplog: pytest.LogCaptureFixture
) -> None:
    """openid-configuration + one refresh POST; the token is returned, cached, and never logged."""
    path = tmp_path / "tokens" / "office.msal.json"
    seed_cache(path)
    caplog.set_level(logging.DEBUG)
    source = tokens(path)
    with cassette("msal_refresh.yaml") as cass:
        assert source.token() == REFRESHED
        assert source.token() == REFRESHED
        assert cass.play_count == 2
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    assert "refresh_token" in logged  # MSAL did log the grant at DEBUG, but masked
    assert REFRESHED not in logged and "0.AS8A-rotated-refresh-token" not in logged
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "0.AS8A-rotated-refresh-token" in path.read_text()  # the rotated grant was persisted


def test_expired_grant_asks_for_re_authorisation(tmp_path: Path, cassette: Cassette) -> None:
    """invalid_grant / AADSTS700082 → AuthError naming the account and `keepwarm auth office`."""
    path = tmp_path / "office.msal.json"
    seed_cache(path)
    with cassette("msal_invalid_grant.yaml") as cass, pytest.raises(AuthError) as caught:
        tokens(path).token()
    assert cass.play_count == 3  # openid-configuration, the refresh POST, instance discovery
    text = str(caught.value)
    assert "needs re-authorisation" in text and "AADSTS700082" in text
    assert "`keepwarm auth office`" in text
    assert "Trace ID" not in text and caught.value.account == "office"


def test_no_cached_account_needs_sign_in(tmp_path: Path, cassette: Cassette) -> None:
    """An empty cache is an AuthError with the command to run, not a crash."""
    with (
        cassette("msal_no_account.yaml") as cass,
        pytest.raises(AuthError, match="keepwarm auth office"),
    ):
        tokens(tmp_path / "none.msal.json").token()
    assert cass.play_count == 2


def _settings(tmp_path: Path, **account: Any) -> Settings:
    return Settings(
        owner={"name": "Ada", "addresses": ["ada@analytical.example"]},  # type: ignore[arg-type]
        accounts=[{"name": "office", "kind": "microsoft", **account}],  # type: ignore[list-item]
        state_dir=tmp_path / "state",
    )


def test_device_code_flow_stores_a_private_cache(tmp_path: Path, cassette: Cassette) -> None:
    """authorise() shows URL and code, stores the grant 0600; the next run needs no token request."""
    settings = _settings(tmp_path, client_id=CLIENT)
    said: list[str] = []
    with cassette("msal_device_code.yaml") as cass:
        authorise(settings, settings.accounts[0], no_browser=True, echo=said.append)
        assert cass.play_count == 3
        path = msal_cache_path(settings, "office")
        assert tokens(path).token() == REFRESHED
        assert (
            cass.play_count == 4
        )  # openid-configuration only: the access token came from the cache
    assert "https://microsoft.com/devicelogin" in said[0] and "F7RJ4HT3K" in said[0]
    assert "signed in as ada@analytical.example" in said[-1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert REFRESHED not in "".join(said)


def test_authorise_without_client_id_says_what_to_set(tmp_path: Path) -> None:
    """No client_id and no token_command → ConfigError naming both keys."""
    settings = _settings(tmp_path)
    with pytest.raises(ConfigError, match=r"client_id .* token_command"):
        authorise(settings, settings.accounts[0], no_browser=True, echo=print)


def test_send_scope_only_in_send_mode() -> None:
    """Least privilege: Mail.Send is requested only for send-mode accounts."""
    assert scopes(send=False) == [
        "https://graph.microsoft.com/Mail.ReadWrite",
        "https://graph.microsoft.com/Calendars.Read",
        "https://graph.microsoft.com/User.Read",
    ]
    assert scopes(send=True)[-1] == "https://graph.microsoft.com/Mail.Send"
    assert scopes(send=False, graph_endpoint="https://graph.microsoft.us")[0].startswith(
        "https://graph.microsoft.us/"
    )


def test_token_command_prints_a_token() -> None:
    """token_command's stdout is the token; it runs once until invalidated."""
    source = CommandTokens(account="office", command=f"{sys.executable} -c \"print('tok-123')\"")
    assert source.token() == "tok-123"


def test_failing_token_command_is_an_auth_error() -> None:
    """A failing token_command → AuthError with its last stderr line, never a crash."""
    command = f"{sys.executable} -c \"import sys; sys.exit('az: please run az login')\""
    with pytest.raises(AuthError, match="please run az login"):
        CommandTokens(account="office", command=command).token()


def test_missing_client_id_fails_only_this_account(tmp_path: Path) -> None:
    """No client_id at sync time is an AuthError (a ConnectorError), so other accounts go on."""
    source = MsalTokens(account="office", client_id=None, authority=AUTHORITY,
                        scopes=scopes(send=False), cache_path=tmp_path / "c.json")  # fmt: skip
    with pytest.raises(AuthError, match="client_id"):
        source.token()
