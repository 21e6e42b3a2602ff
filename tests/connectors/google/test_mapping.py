"""Pure Gmail/Calendar JSON → Interaction translation: the edge cases classification relies on."""

from __future__ import annotations

import pytest

from connectors.google import mapping
from keepwarm.models import Role


def test_labels_decide_what_is_no_interaction() -> None:
    """Spam, trash, drafts and chats never count; bulk categories only when asked."""
    assert mapping.skip_message(["INBOX", "SPAM"], skip_bulk=False)
    assert mapping.skip_message(["DRAFT"], skip_bulk=False)
    assert mapping.skip_message(["CHAT"], skip_bulk=False)
    assert mapping.skip_message(["CATEGORY_PROMOTIONS"], skip_bulk=True)
    assert not mapping.skip_message(["CATEGORY_PROMOTIONS", "INBOX"], skip_bulk=False)
    assert not mapping.skip_message(["INBOX", "CATEGORY_PERSONAL"], skip_bulk=True)


def test_message_without_from_is_unusable() -> None:
    """A message with no From address is quarantined, not stored without a sender."""
    resource = {
        "id": "x1",
        "internalDate": "0",
        "payload": {"headers": [{"name": "To", "value": "a@b.example"}]},
    }
    with pytest.raises(mapping.Unusable, match="no From"):
        mapping.message(resource)


def test_first_header_wins_and_roles_are_kept() -> None:
    """Repeated headers keep the first value; To/Cc/Bcc roles survive; names are decoded."""
    resource = {
        "id": "x2",
        "threadId": "t2",
        "internalDate": "1767603600000",
        "payload": {
            "headers": [
                {"name": "from", "value": "=?UTF-8?B?UmVuw6ll?= <Renee@Lumiere.example>"},
                {"name": "From", "value": "spoof@evil.example"},
                {"name": "Bcc", "value": "hidden@corp.example"},
                {"name": "Auto-Submitted", "value": "auto-replied"},
            ]
        },
    }
    found = mapping.message(resource)
    assert [(p.address, p.role, p.name) for p in found.participants] == [
        ("renee@lumiere.example", Role.FROM, "Renée"),
        ("hidden@corp.example", Role.BCC, ""),
    ]
    assert found.headers == {"auto-submitted": "auto-replied"}


def test_event_times_respect_offsets_zones_and_all_day_dates() -> None:
    """dateTime with offset, floating dateTime with timeZone, all-day date at local midnight."""
    assert mapping.event_time({"dateTime": "2026-03-01T09:00:00-05:00"}, None).hour == 14
    floating = mapping.event_time(
        {"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/Paris"}, None
    )
    assert floating.isoformat() == "2026-07-01T07:00:00+00:00"
    day = mapping.event_time({"date": "2026-01-15"}, "America/New_York")
    assert day.isoformat() == "2026-01-15T05:00:00+00:00"
    with pytest.raises(mapping.Unusable):
        mapping.event_time({}, "UTC")


def test_snippet_is_kept_only_when_allowed_and_unescaped() -> None:
    """Gmail sends `snippet` (HTML-escaped) with every message; it is kept only when allowed."""
    resource = {
        "id": "x9",
        "threadId": "t9",
        "internalDate": "1767603600000",
        "snippet": "Tom &amp; Jerry&#39;s slides &lt;3 On Mon, 5 Jan 2026 Ada wrote: old",
        "payload": {"headers": [{"name": "From", "value": "Grace <grace@navy.example>"}]},
    }
    assert mapping.message(resource).snippet == ""
    assert mapping.message(resource, snippets=True).snippet == "Tom & Jerry's slides <3"
