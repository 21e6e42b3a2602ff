"""The real connector against the loopback fake: request budgets, incremental runs, faults."""

from __future__ import annotations

import math

from fakes.google import FakeGoogle
from fakes.google_sync import State, sync

N, EVENTS = 1_100, 60


def test_request_budget_idle_run_and_incremental() -> None:
    """Initial ≤ 1 + ⌈N/500⌉ + ⌈N/50⌉ + ⌈M/2500⌉ (bounds from the inputs, never from the
    run); idle 2 Gmail + 1 calendar request."""
    fake = FakeGoogle.start(messages=N, events=EVENTS)
    state = State()
    try:
        first = sync(fake, state)
        idle = sync(fake, state)
        fake.add_messages(5)
        fresh = sync(fake, state)
    finally:
        fake.stop()
    calendar_pages = max(1, math.ceil(EVENTS / 2500))
    assert first["requests"] <= 1 + math.ceil(N / 500) + math.ceil(N / 50) + calendar_pages
    assert first["calendar"] == calendar_pages
    assert len(state.interactions) == N + EVENTS + 5
    assert idle["requests"] == 3 and idle["calendar"] == 1
    assert fresh["requests"] == 4  # history, one metadata batch, sendAs, calendar
    assert state.cursors["gmail"]["phase"] == "incremental"


def test_expired_history_resyncs_without_duplicates() -> None:
    """history.list 404 → full sync inside the connector; the same ids, nothing doubled."""
    fake = FakeGoogle.start(messages=120, events=3)
    state = State()
    try:
        sync(fake, state)
        fake.add_messages(2)
        fake.expire_history()
        again = sync(fake, state)
    finally:
        fake.stop()
    assert again["requests"] == 1 + 1 + 1 + 3 + 1  # 404, profile, list, 3 batches, calendar
    assert len(state.interactions) == 122 + 3


def test_injected_faults_end_in_the_same_state() -> None:
    """With 10% 429/5xx/dropped connections the final state equals the fault-free run."""
    clean, noisy = State(), State()
    fake = FakeGoogle.start(messages=600, events=30)
    faulty = FakeGoogle.start(messages=600, events=30, fault_rate=0.1, seed=3)
    try:
        sync(fake, clean)
        rough = sync(faulty, noisy, base=0.001)
    finally:
        fake.stop()
        faulty.stop()
    assert rough["faults"] > 0
    assert clean.interactions == noisy.interactions
    assert clean.cursors == noisy.cursors
