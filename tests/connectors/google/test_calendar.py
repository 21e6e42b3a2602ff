"""Calendar sync against hand-written cassettes: paging to nextSyncToken, 410, event shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.google import GoogleConnector
from keepwarm.models import Response, Role


def test_calendar_pages_to_a_sync_token_then_idles(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """Two window pages end in nextSyncToken; the next run is one request with that token."""
    connector = make_connector(calendars=["primary"])
    with cassette("calendar_sync.yaml") as tape:
        first, second = list(connector.calendar.pull("primary", None))
        assert tape.play_count == 2
        (idle,) = list(connector.calendar.pull("primary", second.cursor))
        assert tape.play_count == 3 and tape.all_played
    assert first.stream == "calendar:primary"
    assert first.cursor == {"page_token": "CigKGjRqb3V0aGdvZ2xlYnNlZzVkbGdlbWF"}
    assert second.cursor == {"sync_token": "CPDAlvWDx70CEPDAlvWDx70CGAU="}
    assert idle.cursor == {"sync_token": "CPDAlvWDx70CEPDAlvWDx70CGAY="} and not idle.interactions

    meeting, cancelled = first.interactions
    assert meeting.subject == "Compilers and notebooks"
    assert meeting.occurred_at.isoformat() == "2026-01-12T09:00:00+00:00"
    people = {(p.address, p.role): p for p in meeting.participants}
    assert people["grace.hopper@navylabs.example", Role.ORGANIZER].name == "Grace Hopper"
    assert people["alan@bletchley.example", Role.ATTENDEE].response is Response.TENTATIVE
    assert people["ada@analytical.example", Role.ATTENDEE].response is Response.ACCEPTED
    room = people["c_1888abcdef@resource.calendar.google.com", Role.ATTENDEE]
    assert room.is_resource
    assert cancelled.cancelled and cancelled.thread_id == "gcal:1k2j3h4g5f6d7s8a9q"

    allday, townhall = second.interactions  # the bare deletion is skipped, not an error
    assert allday.occurred_at.isoformat() == "2026-05-31T23:00:00+00:00"  # London midnight, BST
    assert townhall.headers == {"x-attendees-omitted": "true"}
    assert [q.position for q in second.quarantined] == ["event brokenstart"]


def test_calendar_410_resyncs_only_that_calendar(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """A refused syncToken reads the window again and stores the fresh token."""
    calendar = "team@group.calendar.google.com"
    connector = make_connector(calendars=[calendar])
    with cassette("calendar_410.yaml") as tape:
        pages = list(connector.calendar.pull(calendar, {"sync_token": "stale-token"}))
        assert tape.play_count == 2 and tape.all_played
    assert [p.stream for p in pages] == [f"calendar:{calendar}"]
    assert pages[0].cursor == {"sync_token": "fresh-token"}
    assert [i.provider_id for i in pages[0].interactions] == ["gcal:evt410"]


def test_unreadable_calendar_is_quarantined_and_others_sync(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """A 404 calendar becomes a quarantine entry with the fix, without a pointless full re-read;
    the next calendar still advances."""
    typo = "typo@group.calendar.google.com"
    connector = make_connector(calendars=[typo, "primary"])
    cursors = {
        "gmail": {"phase": "incremental", "history_id": "900"},
        f"calendar:{typo}": {"sync_token": "tok-a"},
        "calendar:primary": {"sync_token": "tok-b"},
    }
    with cassette("calendar_not_found.yaml") as tape:
        pages = list(connector.pull(cursors))
        assert tape.play_count == 3 and tape.all_played
    by_stream = {p.stream: p for p in pages}
    broken = by_stream[f"calendar:{typo}"]
    assert broken.cursor is None and "HTTP 404" in broken.quarantined[0].reason
    assert "check `calendars` of account 'work'" in broken.quarantined[0].reason
    assert by_stream["calendar:primary"].cursor == {"sync_token": "tok-c"}


def test_a_refused_calendar_is_an_error_with_its_fix_not_a_silent_full_re_read(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """403 on a stored sync token: reported with the fix, the stored token kept, no re-read of
    the window (which would cost a full read on every run, or hide the problem); an expired page
    token (400) is the one refusal that does start the calendar again from the window."""
    team = "team@group.calendar.google.com"
    connector = make_connector(calendars=[team, "primary"])
    cursors = {
        "gmail": {"phase": "incremental", "history_id": "900"},
        f"calendar:{team}": {"sync_token": "tok-team"},
        "calendar:primary": {"page_token": "stale-page"},
    }
    with cassette("calendar_forbidden.yaml") as tape:
        pages = [p for p in connector.pull(cursors) if p.stream.startswith("calendar:")]
        assert tape.play_count == 4 and tape.all_played
    by_stream = {p.stream: p for p in pages}
    refused = by_stream[f"calendar:{team}"]
    assert refused.cursor is None and refused.interactions == ()
    (problem,) = refused.quarantined
    assert "HTTP 403 requiredAccessLevel" in problem.reason
    assert f"share calendar {team!r} with the account" in problem.reason
    primary = by_stream["calendar:primary"]
    assert primary.cursor == {"sync_token": "tok-fresh"}
    assert [i.provider_id for i in primary.interactions] == ["gcal:evtpage"]
