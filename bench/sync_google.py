"""Benchmark: the real google connector against the loopback fake (`bench/fake_google.py`).

Syncs N messages and M events with an unlimited quota and prints HTTP requests, quota units,
wall time, the time the limiter would need at 6,000 units/min, and the requests of a second
run with nothing new; then repeats the first sync with injected faults and checks that the
final state equals the fault-free run.

    .venv/bin/python bench/sync_google.py [--messages 10000] [--events 2000] [--faults 0.1]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from google.oauth2.credentials import Credentials

from bench.fake_google import BASE_TIME, FakeGoogle
from connectors.google import GoogleConnector
from connectors.google.quota import QuotaLimiter, Retrier
from keepwarm.ports import Cursor

WINDOW = (BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(days=400))


class State:
    """What the store would hold: interactions by provider id, and cursors by stream."""

    def __init__(self) -> None:
        self.interactions: dict[str, Any] = {}
        self.cursors: dict[str, Cursor] = {}

    def run(self, connector: GoogleConnector) -> None:
        for page in connector.pull(dict(self.cursors)):
            for item in page.interactions:
                self.interactions[item.provider_id] = item
            if page.cursor is not None:
                self.cursors[page.stream] = page.cursor
        connector.owner_addresses()


def connector_for(
    fake: FakeGoogle, *, units_per_minute: float = 0, base: float = 1.0
) -> GoogleConnector:
    return GoogleConnector(
        "bench",
        credentials=Credentials(token="bench-token"),
        api_endpoint=fake.url,
        window=WINDOW,
        limiter=QuotaLimiter(units_per_minute),
        retrier=Retrier(base=base, attempts=8),
    )


def sync(fake: FakeGoogle, state: State, **kwargs: Any) -> dict[str, float]:
    fake.reset_counts()
    started = time.perf_counter()
    state.run(connector_for(fake, **kwargs))
    return {
        "requests": fake.requests,
        "units": fake.units,
        "faults": fake.faults,
        "seconds": time.perf_counter() - started,
        "calendar": fake.calls["events.list"],
    }


def same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--faults", type=float, default=0.10)
    parser.add_argument("--units-per-minute", type=float, default=6_000)
    args = parser.parse_args(argv)
    n, m = args.messages, args.events

    fake = FakeGoogle.start(messages=n, events=m)
    clean = State()
    try:
        first = sync(fake, clean)
        idle = sync(fake, clean)
    finally:
        fake.stop()
    limit = 1 + math.ceil(n / 500) + math.ceil(n / 50) + first["calendar"]
    paced = first["units"] / args.units_per_minute * 60
    print(f"initial sync of {n} messages and {m} events (unlimited quota):")
    print(f"  HTTP requests   {first['requests']:>8.0f}   (target ≤ {limit})")
    print(f"  quota units     {first['units']:>8.0f}")
    print(f"  wall time       {first['seconds']:>8.2f} s")
    print(f"  at {args.units_per_minute:,.0f} units/min the limiter needs ≈ {paced:.0f} s")
    print(
        f"idle run: {idle['requests']:.0f} requests ({idle['calendar']:.0f} calendar), target ≤ 3"
    )

    faulty = FakeGoogle.start(messages=n, events=m, fault_rate=args.faults, seed=11)
    noisy = State()
    try:
        rough = sync(faulty, noisy, base=0.01)
    finally:
        faulty.stop()
    equal = same(clean.interactions, noisy.interactions) and clean.cursors == noisy.cursors
    print(
        f"with {args.faults:.0%} injected faults: {rough['faults']:.0f} faults, "
        f"{rough['requests']:.0f} requests, {rough['seconds']:.2f} s; "
        f"final state equals the fault-free run: {equal}"
    )
    ok = first["requests"] <= limit and idle["requests"] <= 3 and equal
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
