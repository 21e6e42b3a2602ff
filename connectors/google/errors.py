"""Translate Google client errors into keepwarm's exception tree, once, at the connector's edge.

Messages name the account and what was being done, never a token: `HttpError` reprs carry the
request URI (no credentials: those travel in headers), and `RefreshError` texts are reduced to
Google's error code.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime
from typing import Any

from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from keepwarm.errors import (
    AuthError,
    ConnectorError,
    CursorExpired,
    PermanentError,
    RateLimited,
    TransientError,
)

#: `reason` values Google uses for "slow down" on a 403 (a 429 is always a rate limit).
RATE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)


#: Said by a call that resumes from a stored page token: a 400 then means the token expired.
FROM_PAGE_TOKEN = "from a saved page token"


def reauth_hint(account: str) -> str:
    return f"run `keepwarm auth {account}` to sign in again"


def http_details(exc: HttpError) -> tuple[int, str, str]:
    """Status, first `reason` and message of an `HttpError` (Google's JSON error body)."""
    status = int(getattr(exc.resp, "status", 0) or 0)
    reason, message = "", ""
    try:
        body: Any = json.loads(exc.content.decode("utf-8", "replace"))
        error = body.get("error", body) if isinstance(body, dict) else {}
        if isinstance(error, dict):
            message = str(error.get("message", ""))
            errors = error.get("errors") or []
            if errors and isinstance(errors[0], dict):
                reason = str(errors[0].get("reason", ""))
                message = message or str(errors[0].get("message", ""))
        elif isinstance(error, str):  # OAuth-style {"error": "invalid_grant"}
            reason = error
    except (ValueError, AttributeError):
        pass
    return status, reason, message


#: Gmail's per-user 429 names the moment to retry at in its message instead of a Retry-After
#: header: "User-rate limit exceeded.  Retry after 2026-01-09T10:00:07.000Z".
_RETRY_AT = re.compile(r"Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))")


def retry_after(exc: HttpError, *, now: datetime | None = None) -> float | None:
    """Seconds to wait: the Retry-After header, else the RFC 3339 time in Gmail's message
    (relative to `now`), else None (back off with jitter)."""
    value = exc.resp.get("retry-after") if exc.resp is not None else None
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass  # an HTTP date: look at the message
    found = _RETRY_AT.search(http_details(exc)[2])
    if found is None:
        return None
    try:
        at = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (at - (now or datetime.now(UTC))).total_seconds())


def translate(
    exc: BaseException, *, account: str, doing: str, now: datetime | None = None
) -> ConnectorError:
    """The keepwarm error for a library exception raised while `doing` something (`now` turns
    a "Retry after <time>" into seconds)."""
    if isinstance(exc, ConnectorError):
        return exc
    where = f"account {account!r}: {doing}"
    if isinstance(exc, RefreshError):
        code = _refresh_code(exc)
        if code in {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"}:
            return AuthError(
                f"{where}: Google rejected the stored sign-in ({code}); needs re-authorisation: "
                f"{reauth_hint(account)}",
                account=account,
            )
        return TransientError(
            f"{where}: token refresh failed ({code or 'no detail'})", account=account
        )
    if isinstance(exc, HttpError):
        status, reason, message = http_details(exc)
        detail = f"HTTP {status}{' ' + reason if reason else ''}: {message or 'no detail'}"
        if status == 401:
            return AuthError(
                f"{where}: {detail}; needs re-authorisation: {reauth_hint(account)}",
                account=account,
            )
        if status == 429 or (status == 403 and reason in RATE_REASONS):
            return RateLimited(
                f"{where}: {detail}", account=account, retry_after=retry_after(exc, now=now)
            )
        if status == 403 and reason in {
            "insufficientPermissions",
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        }:
            return AuthError(
                f"{where}: {detail}; the grant lacks a scope: {reauth_hint(account)}",
                account=account,
            )
        if (
            status == 410
            or (status == 404 and "history" in doing)
            or (status == 400 and FROM_PAGE_TOKEN in doing)
        ):
            return CursorExpired(f"{where}: {detail}", account=account)
        if status >= 500 or status == 408:
            return TransientError(f"{where}: {detail}", account=account)
        return PermanentError(f"{where}: {detail}", account=account)
    if isinstance(exc, TransportError | socket.timeout | TimeoutError | ConnectionError | OSError):
        return TransientError(f"{where}: network problem: {type(exc).__name__}", account=account)
    return PermanentError(f"{where}: unexpected {type(exc).__name__}", account=account)


def _refresh_code(exc: RefreshError) -> str:
    """Google's OAuth error code (`invalid_grant`, ...) from a `RefreshError`, without any token."""
    for arg in exc.args:
        if isinstance(arg, dict) and "error" in arg:
            return str(arg["error"])
        text = str(arg)
        for code in ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"):
            if code in text:
                return code
    return ""
