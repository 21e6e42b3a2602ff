"""Translate httpx responses and failures, and MSAL error payloads, into keepwarm errors once.

Everything above this module sees only `keepwarm.errors`; provider codes stay in the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from keepwarm.errors import (
    AuthError,
    ConnectorError,
    CursorExpired,
    PermanentError,
    RateLimited,
    TransientError,
)

#: AAD error codes meaning the refresh token is gone and a person must sign in again.
REAUTH_CODES = frozenset({700082, 700084, 50173, 50076, 50078, 65001, 70008, 70043, 54005})


def reauth_hint(account: str) -> str:
    return f"run `keepwarm auth {account}` to sign in again"


def retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds; Graph may send a decimal. HTTP dates are not used by Graph."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def _graph_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return "", response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", str(body)[:200]
    return str(error.get("code", "")), str(error.get("message", ""))


def from_response(response: httpx.Response, *, account: str, what: str) -> ConnectorError:
    """The keepwarm error for a non-2xx Graph response to `what` (e.g. 'GET mail delta')."""
    status = response.status_code
    code, message = _graph_error(response)
    detail = f"{what}: Graph answered {status}" + (f" {code}" if code else "")
    if message:
        detail += f" ({message})"
    if status == 410 or code in {"syncStateNotFound", "resyncRequired", "SyncStateNotFound"}:
        return CursorExpired(detail, account=account)
    if status == 401:
        return AuthError(f"{detail}; {reauth_hint(account)}", account=account)
    if status == 403:
        return AuthError(
            f"{detail}; the app lacks a permission: {reauth_hint(account)} and consent to it",
            account=account,
        )
    if status in (429, 503) and response.headers.get("retry-after") is not None:
        return RateLimited(detail, account=account, retry_after=retry_after(response.headers))
    if status == 429:
        return RateLimited(detail, account=account)
    if status >= 500:
        return TransientError(detail, account=account)
    return PermanentError(detail, account=account)


def from_transport(exc: httpx.HTTPError, *, account: str, what: str) -> ConnectorError:
    """Time-outs, refused connections and resets: retrying a read may work."""
    return TransientError(f"{what}: {type(exc).__name__}: {exc}", account=account)


def from_msal(result: Mapping[str, Any], *, account: str) -> ConnectorError:
    """An MSAL error dict (`error`, `error_description`, `error_codes`); never includes tokens."""
    error = str(result.get("error", "unknown_error"))
    description = str(result.get("error_description", "")).split("\r\n")[0].split("\n")[0]
    codes = {int(c) for c in result.get("error_codes", []) if isinstance(c, int)}
    if (
        error in {"invalid_grant", "interaction_required", "consent_required"}
        or codes & REAUTH_CODES
    ):
        return AuthError(
            f"account {account!r} needs re-authorisation ({error}: {description}); "
            f"{reauth_hint(account)}",
            account=account,
        )
    if error in {"temporarily_unavailable", "server_error"}:
        return TransientError(f"sign-in service: {error}: {description}", account=account)
    return AuthError(
        f"sign-in failed ({error}: {description}); {reauth_hint(account)}", account=account
    )
