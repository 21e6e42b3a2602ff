"""Google credentials: the installed-app OAuth flow, a 0600 token file, or `token_command`.

Least privilege: `gmail.readonly` (or `gmail.metadata` when the account opts out of search
filters), `gmail.compose` for drafts, `calendar.readonly`. Tokens are refreshed silently and
written back; they never appear in logs or error messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials as BaseCredentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2.credentials import Credentials

from connectors.google.errors import reauth_hint, translate
from connectors.token_command import run_token_command
from keepwarm.errors import AuthError, ConfigError

GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_METADATA = "https://www.googleapis.com/auth/gmail.metadata"
GMAIL_COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly"


def scopes(*, search_filters: bool) -> list[str]:
    """The scopes keepwarm asks for; `gmail.metadata` forbids the `q` search parameter."""
    return [GMAIL_READONLY if search_filters else GMAIL_METADATA, GMAIL_COMPOSE, CALENDAR_READONLY]


def token_file(state_path: Path, account: str) -> Path:
    return state_path / "tokens" / f"{account}.json"


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by the owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.chmod(0o600)
    tmp.replace(path)


class CommandCredentials(BaseCredentials):
    """An access token printed by a command (`gcloud auth print-access-token`), re-run on expiry."""

    def __init__(self, command: str, *, account: str, timeout: float = 60.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.command = command
        self.account = account
        self.timeout = timeout

    def refresh(self, request: Any) -> None:
        self.token = run_token_command(self.command, account=self.account, timeout=self.timeout)


class TokenStore:
    """The OAuth token of one account in the state folder."""

    def __init__(self, path: Path, *, account: str, scopes: list[str]) -> None:
        self.path = path
        self.account = account
        self.scopes = scopes

    def load(self) -> Credentials:
        if not self.path.is_file():
            raise AuthError(
                f"account {self.account!r} is not signed in to Google: {reauth_hint(self.account)}",
                account=self.account,
            )
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
            creds: Credentials = Credentials.from_authorized_user_info(info, self.scopes)  # type: ignore[no-untyped-call]
        except (OSError, ValueError, KeyError) as exc:
            raise AuthError(
                f"account {self.account!r}: the stored token {self.path} is unreadable "
                f"({type(exc).__name__}): {reauth_hint(self.account)}",
                account=self.account,
            ) from None
        return creds

    def save(self, creds: Credentials) -> None:
        write_private(self.path, creds.to_json())  # type: ignore[no-untyped-call]


def fresh(
    creds: BaseCredentials,
    *,
    account: str,
    http: httplib2.Http,
    store: TokenStore | None,
) -> BaseCredentials:
    """Refresh `creds` now when expired (so the new token is saved), translating failures."""
    if creds.valid:
        return creds
    try:
        creds.refresh(google_auth_httplib2.Request(http))  # type: ignore[no-untyped-call]
    except GoogleAuthError as exc:
        raise translate(exc, account=account, doing="refreshing the Google sign-in") from None
    if store is not None and isinstance(creds, Credentials):
        store.save(creds)
    return creds


def run_installed_app_flow(
    client_secrets: Path,
    *,
    scope_list: list[str],
    no_browser: bool,
    echo: Callable[[str], None],
) -> Credentials:
    """The loopback installed-app flow; with `no_browser` the URL is printed, not opened."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not client_secrets.is_file():
        raise ConfigError(
            f"{client_secrets}: OAuth client file not found; download a 'Desktop app' client "
            "from the Google Cloud console and set client_secrets in keepwarm.toml"
        )
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=scope_list)
    except ValueError as exc:
        raise ConfigError(f"{client_secrets}: not an OAuth client file ({exc})") from None
    echo("Waiting for Google sign-in on a loopback address (127.0.0.1)…")
    creds: Credentials = flow.run_local_server(
        host="127.0.0.1",
        port=0,
        open_browser=not no_browser,
        authorization_prompt_message="Open this URL in a browser on this machine:\n{url}",
        success_message="keepwarm is signed in; you can close this tab.",
    )
    return creds
