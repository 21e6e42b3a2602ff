"""The quota limiter and retry policy, on a fake clock: pacing, Retry-After, no retried writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.google.connector import connect
from connectors.google.quota import QuotaLimiter, Retrier
from keepwarm.errors import PermanentError, RateLimited, TransientError
from keepwarm.settings import GoogleAccount


class Clock:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiter_paces_a_large_sync_to_the_budget() -> None:
    """50,000 units at 6,000/min: ≥ 90% of the budget sustained, never > 6,000 in any minute."""
    clock = Clock()
    limiter = QuotaLimiter(6000, clock=clock, sleep=clock.sleep)
    spent: list[tuple[float, int]] = []
    for _ in range(200):
        limiter.acquire(250)  # a metadata batch of 50 messages
        spent.append((clock.now, 250))
    assert limiter.spent == 50_000
    assert limiter.spent / clock.now * 60 >= 6000 * 0.9
    for start, _ in spent:  # Google counts units in moving one-minute windows
        window = sum(units for at, units in spent if start <= at < start + 60)
        assert window <= 6000


def test_limiter_does_not_wait_within_the_burst() -> None:
    """Small syncs are not slowed down: the bucket starts full."""
    clock = Clock()
    limiter = QuotaLimiter(6000, clock=clock, sleep=clock.sleep)
    limiter.acquire(250)
    limiter.acquire(250)
    assert clock.now == 0 and limiter.waited == 0


def test_unlimited_limiter_only_counts() -> None:
    """A budget of 0 means unlimited (benchmarks), still counting units."""
    limiter = QuotaLimiter(0, sleep=lambda s: pytest.fail("must not sleep"))
    limiter.acquire(10_000)
    assert limiter.spent == 10_000


def test_retrier_honours_retry_after_then_backs_off_with_jitter() -> None:
    """Retry-After wins; otherwise exponential backoff scaled by jitter."""
    waits: list[float] = []
    outcomes: list[Exception | str] = [
        RateLimited("slow down", retry_after=3),
        TransientError("503"),
        TransientError("503"),
        "ok",
    ]

    def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    retrier = Retrier(sleep=waits.append, jitter=lambda: 1.0)
    assert retrier.run(call) == "ok"
    assert waits == [3.0, 2.0, 4.0]


def test_writes_and_permanent_errors_are_not_retried() -> None:
    """retry=False (sends, draft creation) and PermanentError fail on the first attempt."""
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        raise TransientError("timeout")

    def refused() -> None:
        calls.append(1)
        raise PermanentError("400")

    retrier = Retrier(sleep=lambda s: pytest.fail("must not sleep"))
    with pytest.raises(TransientError):
        retrier.run(flaky, retry=False)
    with pytest.raises(PermanentError):
        retrier.run(refused)
    assert len(calls) == 2


def test_retrier_gives_up_after_its_attempts() -> None:
    """A read that keeps failing raises after `attempts` tries, not forever."""
    waits: list[float] = []

    def down() -> None:
        raise TransientError("502")

    with pytest.raises(TransientError):
        Retrier(attempts=3, sleep=waits.append, jitter=lambda: 0.0).run(down)
    assert len(waits) == 2


def test_limiter_never_exceeds_the_budget_in_any_minute_with_mixed_costs() -> None:
    """Uneven costs and request time between calls: no moving minute spends over budget."""
    clock = Clock()
    limiter = QuotaLimiter(6000, clock=clock, sleep=clock.sleep)
    costs = [250, 5, 2, 1, 250, 250, 5, 100, 10, 2] * 60
    spent: list[tuple[float, int]] = []
    for units in costs:
        limiter.acquire(units)
        spent.append((clock.now, units))
        clock.now += 0.037  # the request itself
    for start, _ in spent:
        assert sum(u for at, u in spent if start <= at < start + 60) <= 6000
    assert sum(costs) / clock.now * 60 >= 6000 * 0.9


def test_default_budget_is_the_usage_limits_page_15000_and_6000_stays_a_setting(
    tmp_path: Path,
) -> None:
    """Google's usage-limits page: 15,000 quota units per user per minute. A configured account
    paces at that unless `quota_units_per_minute = 6000` (projects created since May 2026)."""
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    account = GoogleAccount(name="work", kind="google", token_command="echo token")
    assert connect(account, state_path=tmp_path, window=window).limiter.units_per_minute == 15_000
    newer = account.model_copy(update={"quota_units_per_minute": 6000})
    assert connect(newer, state_path=tmp_path, window=window).limiter.units_per_minute == 6000
