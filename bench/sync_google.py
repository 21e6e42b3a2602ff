"""Benchmark: the real google connector against the loopback fake (`fakes/google.py`).

Syncs N messages and M events with an unlimited quota and prints HTTP requests, quota units,
wall time, the time the limiter would need at the configured units/min, and the requests of a
second run with nothing new; then repeats the first sync with injected faults and checks that the
final state equals the fault-free run. Every bound is computed from N, M and the page sizes
(DESIGN.md §10), never from what the run measured; the exit status is 1 when one is missed.

    .venv/bin/python bench/sync_google.py [--messages 10000] [--events 2000] [--faults 0.1]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.google.calendar import PAGE_SIZE as CALENDAR_PAGE
from connectors.google.gmail import BATCH_SIZE, LIST_PAGE
from connectors.google.quota import QuotaLimiter
from fakes.google import FakeGoogle
from fakes.google_sync import State, same, sync
from keepwarm.settings import GoogleAccount

#: Pacing must sustain at least this share of the budget (DESIGN.md §10).
PACING_TARGET = 0.90
#: A run with nothing new: history, the owner's addresses, one request per calendar.
IDLE_BOUND = 3


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


def request_bound(messages: int, events: int, calendars: int = 1) -> int:
    """DESIGN.md §10: 1 + ⌈N/500⌉ list calls + ⌈N/50⌉ batch calls, plus ⌈M/2500⌉ event pages
    (at least one) per calendar; all from the inputs and the connector's page sizes."""
    gmail = 1 + math.ceil(messages / LIST_PAGE) + math.ceil(messages / BATCH_SIZE)
    return gmail + calendars * max(1, math.ceil(events / CALENDAR_PAGE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--faults", type=float, default=0.10)
    default_quota = GoogleAccount.model_fields["quota_units_per_minute"].default
    parser.add_argument("--units-per-minute", type=float, default=default_quota)
    args = parser.parse_args(argv)
    n, m, budget = args.messages, args.events, args.units_per_minute

    fake = FakeGoogle.start(messages=n, events=m)
    clean = State()
    recording = Recording()
    try:
        first = sync(fake, clean, limiter=recording)
        idle = sync(fake, clean)
    finally:
        fake.stop()
    limit = request_bound(n, m)
    per_request = first["seconds"] / max(1, first["requests"])
    needed, worst = paced(recording.costs, units_per_minute=budget,
                          seconds_per_request=per_request)  # fmt: skip
    sustained = sum(recording.costs) / needed * 60 if needed else 0.0
    print(f"initial sync of {n} messages and {m} events (unlimited quota):")
    print(
        f"  HTTP requests   {first['requests']:>8.0f}   bound {limit} "
        f"({first['requests'] / limit:.2f}× the bound)"
    )
    print(f"  quota units     {first['units']:>8.0f}")
    print(f"  wall time       {first['seconds']:>8.2f} s")
    print(
        f"  at {budget:,.0f} units/min the limiter needs {needed:.0f} s "
        f"for {len(recording.costs)} Gmail requests: {sustained:,.0f} units/min sustained "
        f"({sustained / budget:.0%} of the budget, target ≥ {PACING_TARGET:.0%}), "
        f"at most {worst:,} units in any minute ({worst / budget:.0%} of the budget)"
    )
    print(
        f"idle run: {idle['requests']:.0f} requests ({idle['calendar']:.0f} calendar), "
        f"bound {IDLE_BOUND}"
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
    missed = [
        name
        for name, ok in (
            ("initial requests", first["requests"] <= limit),
            ("idle requests", idle["requests"] <= IDLE_BOUND),
            ("pacing never over budget", worst <= budget),
            ("pacing sustains the budget", sustained >= PACING_TARGET * budget),
            ("faulty run equals the clean run", equal),
        )
        if not ok
    ]
    if missed:
        print("MISSED: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
