"""Mail and calendar delta against cassettes in Graph's documented formats."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest

from keepwarm.errors import RateLimited
from keepwarm.models import Kind, Response, Role
from tests.connectors.microsoft.support import FakeClock, connector, graph

Cassette = Callable[[str], AbstractContextManager[Any]]
DELTA = "https://graph.microsoft.com/v1.0/me/mailfolders('inbox')/messages/delta?$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY"


def recording() -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    return httpx.Client(event_hooks={"request": [seen.append]}), seen


def test_initial_mail_delta_pages_to_the_delta_link(cassette: Cassette) -> None:
    """Two Graph pages → two requests, two pages; the final cursor is the deltaLink."""
    http, seen = recording()
    c = connector(graph(http=http), folders=("inbox",), calendar=False)
    with cassette("mail_delta_initial.yaml") as cass:
        pages = [p for p in c.pull({}) if p.stream == "mail:inbox"]
        assert cass.play_count == 2
    assert len(seen) == 2
    assert all(r.headers["authorization"] == "Bearer test-access-token" for r in seen)
    prefer = seen[0].headers["prefer"]
    assert "odata.maxpagesize=999" in prefer and 'IdType="ImmutableId"' in prefer
    assert pages[0].cursor is not None and "next_link" in pages[0].cursor
    assert pages[-1].cursor == {
        "delta_link": "https://graph.microsoft.com/v1.0/me/mailfolders('inbox')/messages/delta?$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY",
        "folder": "inbox",
    }
    first, digest = pages[0].interactions
    assert first.provider_id == "msg:CAB1x9=qW@mail.navylabs.example"
    assert first.thread_id == "AAQkADAwATM0MDAAMS1="
    assert first.in_reply_to == "ada-1@analytical.example"
    assert [(p.address, p.role) for p in first.participants] == [
        ("grace.hopper@navylabs.example", Role.FROM),
        ("ada@analytical.example", Role.TO),
        ("alan@bletchley.example", Role.CC),
    ]
    assert digest.headers == {
        "list-unsubscribe": "<mailto:unsubscribe@news.example>",
        "precedence": "bulk",
    }
    # The draft is skipped; the X.500 sender cannot be used and is quarantined, not fatal.
    assert pages[1].interactions == ()
    assert [q.position for q in pages[1].quarantined] == [
        "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAQ4="
    ]


def test_incremental_delta_skips_removed_and_replays_idempotently(cassette: Cassette) -> None:
    """A deltaLink costs one request; @removed is not an interaction; a replayed item keeps its id."""
    c = connector(graph(), folders=("inbox",), calendar=False)
    with cassette("mail_delta_incremental.yaml") as cass:
        (page,) = [
            p for p in c.pull({"mail:inbox": {"delta_link": DELTA}}) if p.stream == "mail:inbox"
        ]
        assert cass.play_count == 1
    assert [i.provider_id for i in page.interactions] == [
        "msg:CAB1x9=qW@mail.navylabs.example",
        "msg:CAB1x9=qX@mail.navylabs.example",
    ]
    assert page.summary["removed"] == 1
    assert page.cursor is not None and page.cursor["delta_link"].endswith("nyUNMXZ")


def test_expired_delta_link_restarts_the_folder(cassette: Cassette) -> None:
    """410 syncStateNotFound → one full delta of that folder, same provider ids, new deltaLink."""
    c = connector(graph(), folders=("inbox",), calendar=False)
    with cassette("mail_delta_expired.yaml") as cass:
        (page,) = [
            p for p in c.pull({"mail:inbox": {"delta_link": DELTA}}) if p.stream == "mail:inbox"
        ]
        assert cass.play_count == 2
    assert [i.provider_id for i in page.interactions] == ["msg:CAB1x9=qW@mail.navylabs.example"]
    assert page.summary["full"] is True
    assert page.cursor is not None and page.cursor["delta_link"].endswith("NEWTOKEN0001")


def test_429_waits_retry_after_then_succeeds(cassette: Cassette) -> None:
    """429 with Retry-After 2.5 → the mailbox pauses 2.5 s (fake clock), then one retry."""
    clock = FakeClock()
    g = graph(clock=clock)
    c = connector(g, folders=("inbox",), calendar=False)
    with cassette("throttled_then_ok.yaml") as cass:
        pages = [
            p for p in c.pull({"mail:inbox": {"delta_link": DELTA}}) if p.stream == "mail:inbox"
        ]
        assert cass.play_count == 2
    assert clock.sleeps == [2.5]
    assert (g.stats.requests, g.stats.throttled) == (2, 1)
    assert pages[0].cursor is not None and pages[0].cursor["delta_link"].endswith("nyUNMXZ")


def test_persistent_429_gives_up_as_rate_limited(cassette: Cassette) -> None:
    """After max attempts the read raises RateLimited carrying Graph's Retry-After."""
    g = graph()
    g.max_attempts = 1
    c = connector(g, folders=("inbox",), calendar=False)
    with cassette("throttled_then_ok.yaml"), pytest.raises(RateLimited) as caught:
        list(c.pull({"mail:inbox": {"delta_link": DELTA}}))
    assert caught.value.retry_after == 2.5


def test_calendar_view_delta_maps_attendees_and_removals(cassette: Cassette) -> None:
    """calendarView/delta: window in the query, attendee types and responses, cancelled, Teams."""
    http, seen = recording()
    c = connector(graph(http=http), folders=())
    with cassette("calendar_delta.yaml") as cass:
        pages = list(c.pull({}))
        assert cass.play_count == 2
        again = list(c.pull({"calendar": pages[-1].cursor or {}}))
        assert cass.play_count == 3
    assert 'outlook.timezone="UTC"' in seen[0].headers["prefer"]
    review, coffee, intro = (i for p in pages for i in p.interactions)
    assert review.kind is Kind.MEETING and review.thread_id == "AAMkAGI2TGuLAAA="
    assert review.occurred_at.isoformat() == "2026-11-10T14:00:00+00:00"
    by = {p.address: p for p in review.participants}
    assert by["ada@analytical.example"].role is Role.ORGANIZER
    assert by["alan@bletchley.example"].response is Response.DECLINED
    assert by["room401@analytical.example"].is_resource
    assert not by["katherine.johnson@orbital.example"].is_resource
    assert coffee.cancelled
    assert intro.headers["x-online-meeting"] == "teamsForBusiness"
    assert {p.address: p.response for p in intro.participants}[
        "ada@analytical.example"
    ] is Response.TENTATIVE
    assert pages[-1].cursor is not None
    assert pages[-1].cursor["window"] == ["2025-11-20T00:00:00Z", "2026-12-20T00:00:00Z"]
    assert again[0].interactions == () and again[0].summary["removed"] == 1
