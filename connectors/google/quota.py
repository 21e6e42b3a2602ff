"""Pacing and retries for one mailbox: a token bucket in Gmail quota units, and jittered backoff.

Gmail charges each method a number of quota units against a per-user per-minute budget: 15,000
units per user per minute on Google's usage-limits page
(https://developers.google.com/workspace/gmail/api/reference/quota), 6,000 for Cloud projects
created since May 2026 (`quota_units_per_minute` says which). Spending from a bucket that refills
at that rate lets a large first sync pace itself instead of collecting 429s. Clocks, sleep and
randomness are injected so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from keepwarm.errors import RateLimited, TransientError

T = TypeVar("T")

#: Google's per-user budget (usage-limits page); 6,000 stays a setting.
DEFAULT_UNITS_PER_MINUTE = 15_000

#: Quota units per Gmail method, as Google's usage-limits page lists them.
GMAIL_COSTS: dict[str, int] = {
    "getProfile": 1,
    "settings.sendAs.list": 1,
    "history.list": 2,
    "threads.get": 10,
    "messages.list": 5,
    "messages.get": 5,
    "drafts.list": 5,
    "drafts.get": 5,
    "drafts.create": 10,
    "drafts.send": 100,
}

#: Bucket depth in seconds of budget: enough to absorb a batch; sustained pace is 55/60 of it.
BURST_SECONDS = 5.0


@dataclass
class QuotaLimiter:
    """Spends quota units at most at `units_per_minute`, sleeping when the bucket is empty."""

    units_per_minute: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    spent: int = 0
    waited: float = 0.0
    _tokens: float | None = field(default=None, repr=False)
    _last: float = field(default=0.0, repr=False)

    @property
    def capacity(self) -> float:
        """The burst: `BURST_SECONDS` of budget, available at once."""
        return self.units_per_minute * BURST_SECONDS / 60.0

    @property
    def rate(self) -> float:
        """Refill per second, lowered by the burst so that no 60 s window (the way Google
        counts) ever spends more than `units_per_minute`: capacity + 60 * rate = budget."""
        return (self.units_per_minute - self.capacity) / 60.0

    def acquire(self, units: int) -> None:
        """Wait until `units` may be spent, then spend them (a unit count above the bucket's
        depth is spent in one go after the bucket refills completely)."""
        if self.units_per_minute <= 0:
            self.spent += units
            return
        now = self.clock()
        tokens = self.capacity if self._tokens is None else self._tokens
        tokens = min(self.capacity, tokens + (now - self._last) * self.rate)
        self._last = now
        need = min(float(units), self.capacity)
        if tokens < need:
            delay = (need - tokens) / self.rate
            self.sleep(delay)
            self.waited += delay
            tokens += delay * self.rate
            self._last = now + delay
        self._tokens = tokens - units
        self.spent += units


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Retrier:
    """Retries reads on `RateLimited`/`TransientError`: the wait the provider asked for (a
    `Retry-After` header or Gmail's "Retry after <time>"), else exponential backoff with full
    jitter. A wait longer than `cap` is not slept through: the error goes up and the next sync
    resumes from the saved cursor. Writes pass `retry=False` and are tried once."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    #: "Now" for turning Gmail's "Retry after <time>" into a wait.
    now: Callable[[], datetime] = _utcnow
    retries: int = 0

    def delay(self, attempt: int, exc: Exception) -> float:
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.cap)
        backoff: float = min(self.cap, self.base * 2**attempt)
        return backoff * (0.5 + self.jitter() / 2)

    def gives_up(self, attempt: int, exc: Exception) -> bool:
        """Whether `exc` on the `attempt`-th try (0-based) ends the retries."""
        too_far = isinstance(exc, RateLimited) and (exc.retry_after or 0.0) > self.cap
        return too_far or attempt >= self.attempts - 1

    def run(self, call: Callable[[], T], *, retry: bool = True) -> T:
        for attempt in range(self.attempts):
            try:
                return call()
            except (RateLimited, TransientError) as exc:
                if not retry or self.gives_up(attempt, exc):
                    raise
                self.retries += 1
                self.sleep(self.delay(attempt, exc))
        raise AssertionError("unreachable")  # pragma: no cover
