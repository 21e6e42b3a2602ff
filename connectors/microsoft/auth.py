"""Access tokens for Graph: MSAL with a persistent token cache, or the user's `token_command`.

The MSAL application is built lazily (building it fetches the authority's OpenID
configuration), so constructing a connector does no I/O. Tokens are never logged or put into
error messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import msal_extensions
import requests

from connectors.microsoft.errors import from_msal, reauth_hint
from connectors.token_command import run_token_command
from keepwarm.errors import AuthError, ConfigError, TransientError

#: Least privilege: read mail and create drafts, read calendars, read the profile (`/me`).
READ_SCOPES = ("Mail.ReadWrite", "Calendars.Read", "User.Read")
SEND_SCOPE = "Mail.Send"
DEFAULT_GRAPH = "https://graph.microsoft.com"


def scopes(*, send: bool, graph_endpoint: str = DEFAULT_GRAPH) -> list[str]:
    """Delegated scopes as the token endpoint echoes them (resource-qualified, so cached access
    tokens match); `Mail.Send` only in send mode. National clouds use their own Graph host."""
    names = [*READ_SCOPES, SEND_SCOPE] if send else list(READ_SCOPES)
    host = urlsplit(graph_endpoint).hostname or ""
    resource = DEFAULT_GRAPH if host in {"127.0.0.1", "localhost"} else graph_endpoint.rstrip("/")
    return [f"{resource}/{name}" for name in names]


def token_cache(path: Path) -> msal.TokenCache:
    """A file-backed MSAL cache readable by the owner only (0600), shared across processes."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    path.chmod(0o600)
    return msal_extensions.PersistedTokenCache(msal_extensions.FilePersistence(str(path)))


def public_app(
    *, account: str, client_id: str | None, authority: str, cache: msal.TokenCache
) -> msal.PublicClientApplication:
    if not client_id:
        raise ConfigError(
            f"account {account!r}: set client_id (an Entra app registration that allows public "
            "client flows) or token_command in keepwarm.toml"
        )
    try:
        return msal.PublicClientApplication(client_id, authority=authority, token_cache=cache)
    except requests.RequestException as exc:
        raise TransientError(
            f"sign-in service unreachable ({authority}): {exc}", account=account
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"account {account!r}: authority {authority!r} is not usable: {exc}"
        ) from None


class MsalTokens:
    """`acquire_token_silent` from the persistent cache before every run (refreshing as needed)."""

    def __init__(
        self,
        *,
        account: str,
        client_id: str | None,
        authority: str,
        scopes: Sequence[str],
        cache_path: Path,
        app_factory: Callable[..., msal.PublicClientApplication] = public_app,
    ) -> None:
        self.account, self.client_id, self.authority = account, client_id, authority
        self.scopes, self.cache_path = list(scopes), cache_path
        self._factory = app_factory
        self._app: msal.PublicClientApplication | None = None
        self._token: str | None = None

    def app(self) -> msal.PublicClientApplication:
        if self._app is None:
            if not self.client_id:  # an account error, so the other accounts still sync
                raise AuthError(
                    f"account {self.account!r}: no client_id configured; set client_id (an Entra "
                    "app registration allowing public client flows) or token_command in "
                    f"keepwarm.toml, then {reauth_hint(self.account)}",
                    account=self.account,
                )
            self._app = self._factory(
                account=self.account,
                client_id=self.client_id,
                authority=self.authority,
                cache=token_cache(self.cache_path),
            )
        return self._app

    def token(self) -> str:
        if self._token is None:
            self._token = self._acquire(force_refresh=False)
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _acquire(self, *, force_refresh: bool) -> str:
        app = self.app()
        accounts = app.get_accounts()
        if not accounts:
            raise AuthError(
                f"account {self.account!r} is not signed in; {reauth_hint(self.account)}",
                account=self.account,
            )
        try:
            result: dict[str, Any] | None = app.acquire_token_silent_with_error(
                self.scopes, account=accounts[0], force_refresh=force_refresh
            )
        except requests.RequestException as exc:
            raise TransientError(
                f"sign-in service unreachable: {exc}", account=self.account
            ) from None
        if result is None:
            raise AuthError(
                f"account {self.account!r} has no usable token for {', '.join(self.scopes)}; "
                f"{reauth_hint(self.account)}",
                account=self.account,
            )
        if "access_token" not in result:
            raise from_msal(result, account=self.account)
        return str(result["access_token"])


class CommandTokens:
    """`token_command`: a command that prints an access token (e.g. `az account get-access-token`)."""

    def __init__(self, *, account: str, command: str, timeout: float = 60.0) -> None:
        self.account, self.command, self.timeout = account, command, timeout
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self._run()
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _run(self) -> str:
        return run_token_command(self.command, account=self.account, timeout=self.timeout)


def device_flow(
    app: msal.PublicClientApplication,
    scopes: Sequence[str],
    *,
    account: str,
    echo: Callable[[str], None],
) -> str:
    """Sign in with a code on another device (works over SSH); returns the signed-in username."""
    try:
        flow = app.initiate_device_flow(scopes=list(scopes))
        if "user_code" not in flow:
            raise from_msal(flow, account=account)
        echo(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
    except requests.RequestException as exc:
        raise TransientError(f"sign-in service unreachable: {exc}", account=account) from None
    if "access_token" not in result:
        raise from_msal(result, account=account)
    claims = result.get("id_token_claims") or {}
    return str(claims.get("preferred_username") or claims.get("email") or "")
