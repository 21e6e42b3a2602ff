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


class Recording(QuotaLimiter):
    """An unlimited limiter that remembers what each request spent, to replay it paced."""

    def __init__(self) -> None:
        super().__init__(0)
        self.costs: list[int] = []

    def acquire(self, units: int) -> None:
        self.costs.append(units)
        super().acquire(units)


def paced(
    costs: list[int], *, units_per_minute: float, seconds_per_request: float
) -> tuple[float, int]:
    """Replay the spending through a real limiter on a virtual clock: how long the sync takes,
    and the most units spent in any 60 s window (Google's way of counting)."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = QuotaLimiter(units_per_minute, clock=lambda: now[0], sleep=sleep)
    spent: list[tuple[float, int]] = []
    for units in costs:
        limiter.acquire(units)
        spent.append((now[0], units))
        now[0] += seconds_per_request
    worst, low, total = 0, 0, 0
    for at, units in spent:  # two pointers over the sorted spending times
        total += units
        while spent[low][0] <= at - 60:
            total -= spent[low][1]
            low += 1
        worst = max(worst, total)
    return now[0], worst


def connector_for(fake: FakeGoogle, limiter: QuotaLimiter, *, base: float) -> GoogleConnector:
    return GoogleConnector(
        "bench",
        credentials=Credentials(token="bench-token"),
        api_endpoint=fake.url,
        window=WINDOW,
        limiter=limiter,
        retrier=Retrier(base=base, attempts=8),
    )


def sync(
    fake: FakeGoogle, state: State, *, base: float = 1.0, limiter: QuotaLimiter | None = None
) -> dict[str, float]:
    fake.reset_counts()
    started = time.perf_counter()
    state.run(connector_for(fake, limiter or QuotaLimiter(0), base=base))
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
    recording = Recording()
    try:
        first = sync(fake, clean, limiter=recording)
        idle = sync(fake, clean)
    finally:
        fake.stop()
    limit = 1 + math.ceil(n / 500) + math.ceil(n / 50) + first["calendar"]
    per_request = first["seconds"] / max(1, first["requests"])
    needed, worst = paced(recording.costs, units_per_minute=args.units_per_minute,
                          seconds_per_request=per_request)  # fmt: skip
    sustained = sum(recording.costs) / needed * 60 if needed else 0.0
    print(f"initial sync of {n} messages and {m} events (unlimited quota):")
    print(f"  HTTP requests   {first['requests']:>8.0f}   (target ≤ {limit})")
    print(f"  quota units     {first['units']:>8.0f}")
    print(f"  wall time       {first['seconds']:>8.2f} s")
    print(
        f"  at {args.units_per_minute:,.0f} units/min the limiter needs {needed:.0f} s "
        f"for {len(recording.costs)} Gmail requests: {sustained:,.0f} units/min sustained "
        f"({sustained / args.units_per_minute:.0%}), at most {worst:,} units in any minute"
    )
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
    ok = ok and worst <= args.units_per_minute
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
