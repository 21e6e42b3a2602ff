"""Drive the real Google connector against `fakes.google` and count what it cost.

`State` stands for the store (interactions by provider id, cursors by stream); `sync` runs one
pull plus the owner-address lookup, as the sync service does, and returns the fake's counters.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from google.oauth2.credentials import Credentials

from connectors.google import GoogleConnector
from connectors.google.quota import QuotaLimiter, Retrier
from fakes.google import BASE_TIME, FakeGoogle
from keepwarm.ports import Cursor

WINDOW = (BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(days=400))


class State:
    """What the store would hold: interactions by provider id, and cursors by stream."""

    def __init__(self) -> None:
        self.interactions: dict[str, Any] = {}
        self.cursors: dict[str, Cursor] = {}
        self.owner: set[str] = set()

    def run(self, connector: GoogleConnector) -> None:
        for page in connector.pull(dict(self.cursors)):
            for item in page.interactions:
                self.interactions[item.provider_id] = item
            if page.cursor is not None:
                self.cursors[page.stream] = page.cursor
        self.owner = connector.owner_addresses()


def connector_for(
    fake: FakeGoogle, limiter: QuotaLimiter, *, base: float = 1.0, search_filters: bool = True
) -> GoogleConnector:
    return GoogleConnector(
        "bench",
        credentials=Credentials(token="bench-token"),  # type: ignore[no-untyped-call]
        api_endpoint=fake.url,
        window=WINDOW,
        limiter=limiter,
        retrier=Retrier(base=base, attempts=8),
        search_filters=search_filters,
    )


def sync(
    fake: FakeGoogle,
    state: State,
    *,
    base: float = 1.0,
    limiter: QuotaLimiter | None = None,
    search_filters: bool = True,
) -> dict[str, float]:
    """One sync of `state` from `fake`: requests, quota units, faults, seconds, calendar calls."""
    fake.reset_counts()
    started = time.perf_counter()
    connector = connector_for(
        fake, limiter or QuotaLimiter(0), base=base, search_filters=search_filters
    )
    state.run(connector)
    return {
        "requests": fake.requests,
        "units": fake.units,
        "faults": fake.faults,
        "seconds": time.perf_counter() - started,
        "calendar": fake.calls["events.list"],
    }


def same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)
