"""Pacing and resilience: the limiter, Graph's limits in the fake server, injected faults."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from connectors.microsoft.limiter import Limiter
from fakes.graph import FakeGraph
from keepwarm.errors import PermanentError
from keepwarm.ports import Page
from tests.connectors.microsoft.support import (
    ROOT,
    FakeClock,
    FixedTokens,
    connector,
    event,
    graph,
    in_process,
    message,
)


def test_budget_waits_for_the_window_to_slide() -> None:
    """With a budget of 3 per 10 s the 4th request waits exactly until the first expires."""
    clock = FakeClock()
    limiter = Limiter(budget=3, window=10.0, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        with limiter.slot():
            clock.now += 1.0
    assert clock.sleeps == [7.0]


def test_retry_after_pauses_the_whole_mailbox() -> None:
    """After pause(2.5) the next request, from any caller, starts 2.5 s later."""
    clock = FakeClock()
    limiter = Limiter(clock=clock, sleep=clock.sleep)
    limiter.pause(2.5)
    with limiter.slot():
        pass
    assert clock.sleeps == [2.5]


def _held(fake: FakeGraph, gate: Any) -> None:
    """Admitted requests wait at `gate` inside the fake (instead of sleeping a latency), so
    overlap is certain however slow or loaded the machine is."""
    route = fake._route

    def waiting(*args: Any) -> Any:
        gate.wait()
        return route(*args)

    fake._route = waiting  # type: ignore[method-assign]


def test_never_more_than_four_requests_in_flight() -> None:
    """12 threads on one mailbox: the server sees 4 at once at most and throttles none.

    Each request is held until 4 are in flight together (a barrier, not a clock): a limiter
    that let a 5th through would be seen, and one that let fewer overlap would deadlock the
    barrier (which the timeout turns into a failure)."""
    fake = FakeGraph(root=ROOT)
    fake.me = {"mail": "ada@analytical.example"}
    _held(fake, threading.Barrier(4, timeout=120))
    g = graph(http=in_process(fake))
    g.limiter = Limiter()  # real clock: the threads really overlap
    threads = [
        threading.Thread(target=g.get, args=("/me",), kwargs={"what": "me"}) for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.max_in_flight == 4 and fake.throttled == 0 and g.stats.requests == 12


def test_server_limits_throttle_an_unpaced_client() -> None:
    """The fake enforces MailboxConcurrency: an unpaced 5th concurrent request gets 429.

    The 4 admitted requests are held inside the fake until the other 4 have been answered, so
    exactly 4 are refused whatever the machine's speed (no latency, no clock)."""
    fake = FakeGraph(root=ROOT)
    fake.me = {}
    release = threading.Event()
    _held(fake, release)
    http = in_process(fake)
    statuses: list[int] = []
    answered = threading.Condition()

    def call() -> None:
        r = http.get(f"{ROOT}/v1.0/me", headers={"Authorization": "Bearer x"})
        with answered:
            statuses.append(r.status_code)
            answered.notify_all()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    with answered:  # the timeout only guards against a hang; it is never reached when correct
        assert answered.wait_for(lambda: len(statuses) == 4, timeout=120)
    assert statuses == [429] * 4
    release.set()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 4 + [429] * 4 and fake.throttled == 4


def _mailbox(**kw: Any) -> FakeGraph:
    fake = FakeGraph(root=ROOT, **kw)
    for n in range(60):
        fake.add_message("inbox" if n % 3 else "sentitems", message(n))
    for n in range(20):
        fake.add_event(event(n))
    return fake


def _sync(
    fake: FakeGraph, cursors: dict[str, Any] | None = None
) -> tuple[set[str], list[Page], Any]:
    g = graph(http=in_process(fake))
    pages = list(connector(g, page_size=7).pull(cursors or {}))
    return {i.provider_id for p in pages for i in p.interactions}, pages, g.stats


def test_injected_faults_end_in_the_fault_free_state() -> None:
    """30% injected 429/503/drops: same interactions and cursors as a clean run, via retries."""
    clean, clean_pages, clean_stats = _sync(_mailbox())
    faulty, faulty_pages, stats = _sync(_mailbox(fault_rate=0.3, seed=7))
    assert faulty == clean and len(clean) == 80
    assert [p.cursor for p in faulty_pages] == [p.cursor for p in clean_pages]
    assert stats.retried > 0 and stats.requests > clean_stats.requests


def test_request_counts_initial_and_idle() -> None:
    """Initial: one request per page (first pages batched); idle: one $batch for every stream."""
    fake = _mailbox()
    _, pages, stats = _sync(fake)
    assert len(pages) == 6 + 3 + 3  # 40 inbox, 20 sent, 20 events at 7 a page
    assert stats.requests == 1 + 5 + 2 + 2  # the first page of each stream (and /me) in one $batch
    assert fake.count("POST", "$batch") == 1
    cursors = {p.stream: p.cursor for p in pages if p.cursor}
    found, _idle, stats = _sync(fake, cursors)
    assert stats.requests == 1 and found == set()


def test_without_batch_each_stream_costs_its_own_request() -> None:
    """batch=False: the idle run is exactly one request per folder and calendar."""
    fake = _mailbox()
    g = graph(http=in_process(fake))
    c = connector(g, page_size=7, batch=False)
    cursors = {p.stream: p.cursor for p in c.pull({}) if p.cursor}
    before = g.stats.requests
    assert [i for p in c.pull(cursors) for i in p.interactions] == []
    assert g.stats.requests - before == 3


def test_expired_token_restarts_only_that_stream_without_duplicates() -> None:
    """An expired deltaLink on one folder re-reads that folder; the others stay incremental."""
    fake = _mailbox()
    _, pages, _ = _sync(fake)
    cursors = {p.stream: p.cursor for p in pages if p.cursor}
    cursors["mail:inbox"] = {
        "delta_link": f"{ROOT}/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=expired"
    }
    _found, again, stats = _sync(fake, cursors)
    inbox = [i.provider_id for p in again if p.stream == "mail:inbox" for i in p.interactions]
    assert len(inbox) == len(set(inbox)) == 40
    assert stats.requests == 1 + 6  # the $batch (inbox: 410), then 6 inbox pages from scratch


def test_links_leaving_the_endpoint_are_refused() -> None:
    """A next link to another host is never followed with our token."""
    g = graph(tokens=FixedTokens())
    with pytest.raises(PermanentError, match="outside"):
        g.get("https://evil.example/v1.0/me", what="me")


def test_expired_access_token_is_renewed_once() -> None:
    """401 → the token source is invalidated and the request repeated once."""
    answers = iter([401, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={"mail": "ada@analytical.example"})

    tokens = FixedTokens()
    g = graph(http=httpx.Client(transport=httpx.MockTransport(handler)), tokens=tokens)
    assert g.get("/me", what="me") == {"mail": "ada@analytical.example"}
    assert tokens.invalidated == 1 and g.stats.requests == 2
