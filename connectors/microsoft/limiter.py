"""Per-mailbox pacing: at most N requests in flight and a request budget per sliding window.

Graph throttles a mailbox above 4 concurrent requests (`MailboxConcurrency`) and 10,000
requests per 10 minutes. Staying under both here means a 429 is Graph's news, never our own
doing. A `Retry-After` pauses every thread of the mailbox, not only the one that got it.
The clock and sleep are injected so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Limiter:
    def __init__(
        self,
        *,
        concurrency: int = 4,
        budget: int = 10_000,
        window: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.concurrency, self.budget, self.window = concurrency, budget, window
        self._clock, self._sleep = clock, sleep
        self._slots = threading.BoundedSemaphore(concurrency)
        self._grab = threading.Lock()  # taking several slots at once is serialised: no deadlock
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._resume_at = 0.0
        self.waited = 0.0

    @contextmanager
    def slot(self, cost: int = 1) -> Iterator[None]:
        """Hold `cost` concurrent slots for one HTTP request (a `$batch` of `cost` sub-requests
        runs them in parallel at Graph), after the budget allows `cost` more requests."""
        cost = max(1, min(cost, self.concurrency, self.budget))
        with self._grab:
            for _ in range(cost):
                self._slots.acquire()
        try:
            self._spend(cost)
            yield
        finally:
            for _ in range(cost):
                self._slots.release()

    def pause(self, seconds: float) -> None:
        """Graph said `Retry-After`: nobody on this mailbox sends before then."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)

    def _spend(self, cost: int) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                wait = self._resume_at - now
                if wait <= 0 and len(self._sent) + cost > self.budget:
                    wait = self._sent[min(len(self._sent), cost) - 1] + self.window - now
                if wait <= 0:
                    self._sent.extend([now] * cost)
                    return
            self.waited += wait
            self._sleep(wait)


_shared: dict[tuple[str, str], Limiter] = {}
_shared_lock = threading.Lock()


def for_mailbox(key: tuple[str, str], factory: Callable[[], Limiter]) -> Limiter:
    """One limiter per mailbox per process, shared by every connector built for it."""
    with _shared_lock:
        if key not in _shared:
            _shared[key] = factory()
        return _shared[key]
