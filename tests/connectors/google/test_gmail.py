"""Gmail sync against hand-written cassettes: request counts, cursors and what comes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.google import GoogleConnector
from keepwarm.errors import RateLimited
from keepwarm.models import Role
from tests.connectors.google.conftest import Sleeps


def test_full_sync_pages_lists_and_batches(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """A full sync costs profile batch + one list and one metadata batch per 500 messages."""
    connector = make_connector()
    with cassette("gmail_full_sync.yaml") as tape:
        pages = list(connector.pull({}))
        owner = connector.owner_addresses()
        assert tape.play_count == 5 and tape.all_played
    assert [p.stream for p in pages] == ["gmail", "gmail"]
    assert pages[0].cursor == {
        "phase": "full",
        "history_id": "104211",
        "page_token": "09218301298374829",
    }
    assert pages[-1].cursor == {"phase": "incremental", "history_id": "104211"}
    first, reply = pages[0].interactions
    assert first.provider_id == "gmail:19a2f3c4d5e6f701"
    assert first.thread_id == reply.thread_id == "19a2f3c4d5e6f701"
    assert first.sender is not None and first.sender.address == "grace.hopper@navylabs.example"
    assert [(p.address, p.role, p.name) for p in first.participants][2] == (
        "renee.dubois@lumiere-labs.example",
        Role.CC,
        "Renée Dubois",
    )
    assert first.headers["content-type"] == "multipart/alternative"
    assert reply.in_reply_to == "CAGh0pper-1@mail.navylabs.example"
    assert reply.occurred_at.isoformat() == "2026-01-05T10:30:00+00:00"
    assert pages[1].interactions[0].headers["precedence"] == "bulk"
    # sendAs came with the profile batch: no extra request; unverified aliases are left out.
    assert owner == {"ada@analytical.example", "countess@analytical.example"}


def test_failed_batch_parts_are_retried_skipped_or_quarantined(
    cassette: Callable[[str], Any],
    make_connector: Callable[..., GoogleConnector],
    sleeps: Sleeps,
) -> None:
    """429/503 parts are fetched again alone, a 404 is skipped, a 400 is quarantined."""
    connector = make_connector()
    with cassette("gmail_batch_failures.yaml") as tape:
        (page,) = list(connector.pull({}))
        assert tape.play_count == 4 and tape.all_played
    # a4 came back labelled SPAM on the retry, so only a1 and a3 are interactions.
    assert [i.provider_id for i in page.interactions] == ["gmail:a1", "gmail:a3"]
    assert [q.position for q in page.quarantined] == ["message a5"]
    assert "HTTP 400" in page.quarantined[0].reason
    assert sleeps == [0.75]  # one backoff before the second batch, none per part
    assert page.cursor == {"phase": "incremental", "history_id": "5000"}


def test_incremental_sync_reads_history_then_idles_on_one_request(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """history.list brings only added, non-spam messages once; an idle run is one request."""
    connector = make_connector()
    with cassette("gmail_history.yaml") as tape:
        (page,) = list(connector.pull({"gmail": {"phase": "incremental", "history_id": "104211"}}))
        assert connector.owner_addresses() == {"ada@analytical.example"}
        assert tape.play_count == 3
        (idle,) = list(connector.pull({"gmail": page.cursor or {}}))
        assert tape.play_count == 4 and tape.all_played
    assert [i.provider_id for i in page.interactions] == ["gmail:19a2f3c4d5e6f710"]
    assert page.interactions[0].in_reply_to == "ada-reply-1@analytical.example"
    assert page.cursor == {"phase": "incremental", "history_id": "104240"}
    assert idle.interactions == () and idle.cursor == page.cursor


def test_expired_history_id_falls_back_to_a_full_sync(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """A 404 from history.list becomes a full sync inside the connector, not an error."""
    connector = make_connector()
    with cassette("gmail_history_404.yaml") as tape:
        pages = list(connector.pull({"gmail": {"phase": "incremental", "history_id": "17"}}))
        assert tape.play_count == 4 and tape.all_played
    assert [i.provider_id for p in pages for i in p.interactions] == ["gmail:19a2f3c4d5e6f701"]
    assert pages[-1].cursor == {"phase": "incremental", "history_id": "200999"}


def test_rate_limit_honours_retry_after_then_succeeds(
    cassette: Callable[[str], Any],
    make_connector: Callable[..., GoogleConnector],
    sleeps: Sleeps,
) -> None:
    """A 429 with Retry-After waits exactly that long and repeats the read once."""
    connector = make_connector()
    with cassette("gmail_rate_limited.yaml") as tape:
        (page,) = list(connector.pull({"gmail": {"phase": "incremental", "history_id": "300"}}))
        assert tape.play_count == 2 and tape.all_played
    assert sleeps == [7.0]
    assert page.cursor == {"phase": "incremental", "history_id": "301"}


def test_refused_page_token_restarts_the_full_sync(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """An interrupted full sync whose page token is refused lists again from the start."""
    connector = make_connector()
    cursor = {"phase": "full", "history_id": "77", "page_token": "08172635445362718"}
    with cassette("gmail_stale_page_token.yaml") as tape:
        pages = list(connector.pull({"gmail": cursor}))
        assert tape.play_count == 3 and tape.all_played
    assert pages[-1].cursor == {"phase": "incremental", "history_id": "88"}
    assert pages[-1].interactions == ()


def test_a_429_without_retry_after_waits_for_the_time_in_its_message(
    cassette: Callable[[str], Any],
    make_connector: Callable[..., GoogleConnector],
    sleeps: Sleeps,
) -> None:
    """Gmail's 429 says "Retry after <RFC 3339 time>" in its body and sends no Retry-After: the
    connector waits exactly up to that time (not a guessed backoff), then reads again."""
    connector = make_connector()
    with cassette("gmail_retry_after_in_body.yaml") as tape:
        (page,) = list(connector.pull({"gmail": {"phase": "incremental", "history_id": "300"}}))
        assert tape.play_count == 2 and tape.all_played
    assert sleeps == [7.25]
    assert page.cursor == {"phase": "incremental", "history_id": "301"}


def test_a_retry_time_beyond_the_cap_fails_the_read_instead_of_retrying_early(
    cassette: Callable[[str], Any],
    make_connector: Callable[..., GoogleConnector],
    sleeps: Sleeps,
) -> None:
    """A "Retry after" 15 minutes ahead: no early retries that Gmail would refuse again; the sync
    stops as rate limited (the next run resumes from the cursor), saying when to come back."""
    connector = make_connector()
    with cassette("gmail_retry_after_far.yaml") as tape, pytest.raises(RateLimited) as caught:
        list(connector.pull({"gmail": {"phase": "incremental", "history_id": "300"}}))
    assert tape.play_count == 1 and sleeps == []
    assert caught.value.retry_after == 900.0
    assert "Retry after 2026-01-09T10:15:00.000Z" in str(caught.value)
