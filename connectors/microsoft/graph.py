"""A small Microsoft Graph client over httpx: auth header, pacing, retries, error translation.

Reads retry 429/503 after `Retry-After` (and 5xx, time-outs with jittered backoff). Writes are
sent once: a create or send whose answer is lost is reconciled by the caller, never re-sent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from connectors.microsoft import errors
from connectors.microsoft.limiter import Limiter
from keepwarm.errors import AuthError, ConnectorError, PermanentError, RateLimited, TransientError

RETRYABLE = frozenset({429, 500, 502, 503, 504})


class TokenSource(Protocol):
    def token(self) -> str: ...

    def invalidate(self) -> None: ...


@dataclass
class Stats:
    """What a sync cost; the benchmark and tests read it."""

    requests: int = 0
    throttled: int = 0
    retried: int = 0


class Graph:
    def __init__(
        self,
        *,
        account: str,
        endpoint: str,
        tokens: TokenSource,
        limiter: Limiter,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.account = account
        self.root = endpoint.rstrip("/")
        self.base = self.root + "/v1.0"
        self.tokens, self.limiter = tokens, limiter
        self.http = http or httpx.Client(timeout=timeout)
        self.max_attempts, self._sleep, self._jitter = max_attempts, sleep, jitter
        self.stats = Stats()

    def url(self, path_or_link: str) -> str:
        """A path under `/v1.0`, or a next/delta link, which must stay on our endpoint."""
        if path_or_link.startswith("/"):
            return self.base + path_or_link
        if not path_or_link.startswith(self.root + "/"):
            raise PermanentError(
                f"Graph returned a link outside {self.root}: {path_or_link[:80]}",
                account=self.account,
            )
        return path_or_link

    def get(
        self,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """GET with retries; returns the JSON body."""
        body = self._get(path, what=what, params=params, headers=headers, missing_ok=False)
        assert body is not None
        return body

    def lookup(
        self,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """A GET whose 404 means "not there (any more)": None instead of an error."""
        return self._get(path, what=what, params=params, headers=headers, missing_ok=True)

    def _get(
        self,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        missing_ok: bool,
    ) -> dict[str, Any] | None:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send("GET", self.url(path), what, params=params, headers=headers)
                if missing_ok and response.status_code == 404:
                    return None
                if response.status_code in RETRYABLE:
                    raise errors.from_response(response, account=self.account, what=what)
            except (RateLimited, TransientError) as exc:
                if attempt >= self.max_attempts:
                    raise
                self._back_off(exc, attempt)
                continue
            return self._json(response, what)

    def batch(
        self, requests: list[tuple[str, Mapping[str, str] | None, Mapping[str, str]]], *, what: str
    ) -> list[dict[str, Any] | ConnectorError]:
        """Several GETs (path or link, params, headers) in one `$batch` round trip.

        At most `limiter.concurrency` sub-requests, because Graph runs a batch's requests to one
        mailbox in parallel and throttles beyond 4. Each answer is the JSON body or the error it
        would have raised; callers repeat failed ones as plain GETs (which retry). A failed batch
        as a whole yields its error for every entry.
        """
        if len(requests) > self.limiter.concurrency:
            raise ValueError("a $batch holds at most max_concurrency requests")
        subs = []
        for n, (path, params, headers) in enumerate(requests):
            relative = self.url(path)[len(self.base) :]
            if params:
                relative += ("&" if "?" in relative else "?") + urlencode(params)
            subs.append({"id": str(n), "method": "GET", "url": relative, "headers": dict(headers)})
        try:
            response = self._send(
                "POST", self.base + "/$batch", what, json={"requests": subs}, cost=len(subs)
            )
            body = self._json(response, what)
        except ConnectorError as exc:
            return [exc] * len(requests)
        answers: dict[str, Any] = {str(r.get("id")): r for r in body.get("responses") or ()}
        results: list[dict[str, Any] | ConnectorError] = []
        for n in range(len(requests)):
            answer = answers.get(str(n))
            if answer is None:
                results.append(
                    TransientError(f"{what}: no answer in the batch", account=self.account)
                )
                continue
            sub = httpx.Response(
                int(answer.get("status", 500)),
                headers={k: str(v) for k, v in (answer.get("headers") or {}).items()},
                json=answer.get("body"),
            )
            if sub.status_code >= 300:
                error = errors.from_response(sub, account=self.account, what=what)
                if isinstance(error, RateLimited):
                    self.stats.throttled += 1
                    if error.retry_after:
                        self.limiter.pause(error.retry_after)
                results.append(error)
            else:
                results.append(self._json(sub, what))
        return results

    def send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A write, sent exactly once (no retry); raises on any non-2xx."""
        response = self._send(method, self.url(path), what, json=json, headers=headers)
        if response.status_code >= 300:
            raise errors.from_response(response, account=self.account, what=what)
        return response

    def post_json(
        self, path: str, *, what: str, json: Any, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self._json(self.send("POST", path, what=what, json=json, headers=headers), what)

    def _back_off(self, exc: ConnectorError, attempt: int) -> None:
        self.stats.retried += 1
        given = exc.retry_after if isinstance(exc, RateLimited) else None
        if isinstance(exc, RateLimited):
            self.stats.throttled += 1
        wait = (
            given
            if given is not None
            else min(60.0, 0.5 * 2 ** (attempt - 1) * (0.5 + self._jitter()))
        )
        if given is not None:
            self.limiter.pause(wait)  # the whole mailbox waits, then this request goes again
        else:
            self._sleep(wait)

    def _send(
        self, method: str, url: str, what: str, *, cost: int = 1, **kwargs: Any
    ) -> httpx.Response:
        extra = dict(kwargs.pop("headers", None) or {})
        for fresh_token in (False, True):
            with self.limiter.slot(cost):
                self.stats.requests += 1
                headers = {**extra, "Authorization": f"Bearer {self.tokens.token()}"}
                try:
                    response = self.http.request(method, url, headers=headers, **kwargs)
                except httpx.HTTPError as exc:
                    raise errors.from_transport(exc, account=self.account, what=what) from None
            if response.status_code != 401 or fresh_token:
                return response
            self.tokens.invalidate()  # an expired access token: one more try with a new one
        raise AuthError(f"{what}: unauthorised", account=self.account)  # pragma: no cover

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code >= 300:
            raise errors.from_response(response, account=self.account, what=what)
        try:
            body = response.json()
        except ValueError:
            raise TransientError(
                f"{what}: Graph answered with no JSON", account=self.account
            ) from None
        if not isinstance(body, dict):
            raise PermanentError(f"{what}: unexpected answer from Graph", account=self.account)
        return body
