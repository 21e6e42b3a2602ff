"""The Google API clients of one account, built from one base URL, and the guarded call.

The client library mishandles an overridden endpoint in two ways: it drops Calendar's
`calendar/v3/` service path, and Gmail's batch URL is not derived from it. So every service
root is derived here from the single `api_endpoint` (DESIGN.md §9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from connectors.google.errors import translate
from connectors.google.quota import QuotaLimiter, Retrier

T = TypeVar("T")

#: What a failed request can raise inside the client library.
LIBRARY_ERRORS = (HttpError, GoogleAuthError, httplib2.HttpLib2Error, OSError)


@dataclass(frozen=True)
class Endpoints:
    """Service roots derived from one base URL."""

    base: str

    @property
    def gmail(self) -> str:
        return self.base.rstrip("/") + "/"

    @property
    def calendar(self) -> str:
        return self.base.rstrip("/") + "/calendar/v3/"

    @property
    def batch(self) -> str:
        return self.base.rstrip("/") + "/batch/gmail/v1"


@dataclass
class GoogleClient:
    """Gmail and Calendar services over one authorised HTTP connection, with pacing and retries."""

    account: str
    credentials: Credentials
    endpoints: Endpoints
    limiter: QuotaLimiter
    retrier: Retrier = field(default_factory=Retrier)
    timeout: float = 60.0
    gmail: Any = field(init=False)
    calendar: Any = field(init=False)
    http: Any = field(init=False)

    def __post_init__(self) -> None:
        self.http = google_auth_httplib2.AuthorizedHttp(
            self.credentials, http=httplib2.Http(timeout=self.timeout)
        )
        common: dict[str, Any] = {
            "http": self.http,
            "static_discovery": True,
            "cache_discovery": False,
        }
        self.gmail = build(
            "gmail", "v1", client_options={"api_endpoint": self.endpoints.gmail}, **common
        )
        self.calendar = build(
            "calendar", "v3", client_options={"api_endpoint": self.endpoints.calendar}, **common
        )

    def call(self, request: Callable[[], T], *, doing: str, cost: int = 0, retry: bool = True) -> T:
        """Run one request: spend its quota units, translate errors once, retry reads."""

        def once() -> T:
            if cost:
                self.limiter.acquire(cost)
            try:
                return request()
            except LIBRARY_ERRORS as exc:
                raise translate(
                    exc, account=self.account, doing=doing, now=self.retrier.now()
                ) from None

        return self.retrier.run(once, retry=retry)

    def find(self, request: Callable[[], T], *, doing: str, cost: int = 0) -> T | None:
        """A read whose 404 means "not there (any more)": None instead of an error."""

        def once() -> T | None:
            if cost:
                self.limiter.acquire(cost)
            try:
                return request()
            except HttpError as exc:
                if getattr(exc.resp, "status", 0) == 404:
                    return None
                raise translate(
                    exc, account=self.account, doing=doing, now=self.retrier.now()
                ) from None
            except LIBRARY_ERRORS as exc:
                raise translate(
                    exc, account=self.account, doing=doing, now=self.retrier.now()
                ) from None

        return self.retrier.run(once)

    def new_batch(self, callback: Callable[[str, Any, HttpError | None], None]) -> Any:
        """A batch against the derived batch URL (the library would otherwise use Google's)."""
        from googleapiclient.http import BatchHttpRequest

        return BatchHttpRequest(callback=callback, batch_uri=self.endpoints.batch)
