"""Translation of Google library errors into keepwarm's tree, once, with actionable text."""

from __future__ import annotations

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from connectors.google.client import Endpoints
from connectors.google.errors import translate
from keepwarm.errors import (
    AuthError,
    CursorExpired,
    PermanentError,
    RateLimited,
    TransientError,
)


def _http(status: int, reason: str, headers: dict[str, str] | None = None) -> HttpError:
    resp = httplib2.Response({"status": status, **(headers or {})})
    body = (
        f'{{"error": {{"code": {status}, "message": "m", "errors": [{{"reason": "{reason}"}}]}}}}'
    )
    return HttpError(resp, body.encode(), uri="http://127.0.0.1:9/x")


@pytest.mark.parametrize(
    ("status", "reason", "doing", "expected"),
    [
        (429, "rateLimitExceeded", "listing", RateLimited),
        (403, "userRateLimitExceeded", "listing", RateLimited),
        (403, "insufficientPermissions", "listing", AuthError),
        (401, "authError", "listing", AuthError),
        (404, "notFound", "reading mailbox history", CursorExpired),
        (404, "notFound", "reading message", PermanentError),
        (410, "fullSyncRequired", "listing events", CursorExpired),
        (503, "backendError", "listing", TransientError),
        (400, "invalidArgument", "listing", PermanentError),
    ],
)
def test_http_errors_map_to_keepwarm_errors(
    status: int, reason: str, doing: str, expected: type[Exception]
) -> None:
    """Each Google status/reason becomes the error the services know how to handle."""
    error = translate(_http(status, reason), account="work", doing=doing)
    assert type(error) is expected
    assert error.account == "work" and "account 'work'" in str(error)


def test_retry_after_is_carried() -> None:
    """A Retry-After header in seconds reaches RateLimited.retry_after."""
    error = translate(
        _http(429, "rateLimitExceeded", {"retry-after": "12"}), account="a", doing="x"
    )
    assert isinstance(error, RateLimited) and error.retry_after == 12


def test_invalid_grant_names_the_command_and_no_token() -> None:
    """RefreshError(invalid_grant) → AuthError with `keepwarm auth NAME`, nothing else leaked."""
    exc = RefreshError(
        "invalid_grant: Token has been expired or revoked.", {"error": "invalid_grant"}
    )
    error = translate(exc, account="work", doing="refreshing")
    assert isinstance(error, AuthError)
    assert "keepwarm auth work" in str(error) and "needs re-authorisation" in str(error)


def test_endpoints_derive_every_service_root_from_one_base() -> None:
    """Calendar keeps calendar/v3/ and the batch URL follows the overridden base."""
    ends = Endpoints("http://127.0.0.1:8080/")
    assert ends.gmail == "http://127.0.0.1:8080/"
    assert ends.calendar == "http://127.0.0.1:8080/calendar/v3/"
    assert ends.batch == "http://127.0.0.1:8080/batch/gmail/v1"
