"""Gmail sync against hand-written cassettes: request counts, cursors and what comes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.google import GoogleConnector
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
