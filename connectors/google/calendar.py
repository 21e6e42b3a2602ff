"""Calendar sync: `events.list singleEvents=true` over a window, then `syncToken` per calendar.

Each calendar is its own stream (`calendar:<id>`), so a 410 (`fullSyncRequired`) clears only
that calendar's position and resyncs it; upserts by event id keep the resync duplicate-free.
A refused page token (400) does the same. Any other refusal (403: no access, 404: no such
calendar) is an error with its fix, never a silent re-read of the whole window.
Deleted events that Google reports without a start are reported in `Page.cancelled` by id: a
stored meeting that has not happened yet is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from connectors.google import mapping
from connectors.google.client import GoogleClient
from connectors.google.errors import FROM_PAGE_TOKEN
from keepwarm.errors import CursorExpired
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

PAGE_SIZE = 2500


def stream_of(calendar_id: str) -> str:
    return f"calendar:{calendar_id}"


def unreadable(calendar_id: str, account: str, exc: Exception) -> str:
    """The reason a calendar was skipped, with what to do about it."""
    text = str(exc)
    if "HTTP 404" in text:
        fix = f"no such calendar: check `calendars` of account {account!r} in keepwarm.toml"
    elif "HTTP 403" in text:
        fix = (
            f"this sign-in may not read it: share calendar {calendar_id!r} with the account "
            f"or remove it from `calendars` of account {account!r}"
        )
    else:
        fix = "the calendar is skipped until this is fixed; the others still sync"
    return f"{text}; {fix}"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CalendarSync:
    """Pulls one calendar of an account over `window` (baseline back, some days forward)."""

    def __init__(self, client: GoogleClient, *, window: tuple[datetime, datetime]) -> None:
        self.client = client
        self.window = window

    def pull(self, calendar_id: str, cursor: Cursor | None) -> Iterator[Page]:
        if cursor and (cursor.get("sync_token") or cursor.get("page_token")):
            try:
                yield from self._list(calendar_id, cursor)
                return
            except CursorExpired:
                # 410: the sync token is gone, or 400: a stale page token. Either way this
                # calendar is read again from the window (upserts keep it duplicate-free).
                pass
        yield from self._list(calendar_id, None)

    def _list(self, calendar_id: str, cursor: Cursor | None) -> Iterator[Page]:
        sync_token = (cursor or {}).get("sync_token")
        page_token = (cursor or {}).get("page_token")
        stream = stream_of(calendar_id)
        while True:
            params: dict[str, Any] = {
                "calendarId": calendar_id,
                "singleEvents": True,
                "maxResults": PAGE_SIZE,
                "showDeleted": True,
            }
            if sync_token:
                params["syncToken"] = sync_token
            else:
                params["timeMin"] = _rfc3339(self.window[0])
                params["timeMax"] = _rfc3339(self.window[1])
            if page_token:
                params["pageToken"] = page_token
            doing = f"listing events of calendar {calendar_id!r}"
            found = self.client.call(
                self.client.calendar.events().list(**params).execute,
                doing=f"{doing} {FROM_PAGE_TOKEN}" if page_token else doing,
            )
            interactions, quarantined, deleted = self.convert(found, calendar_id)
            page_token = found.get("nextPageToken")
            next_cursor: Cursor
            if page_token:
                next_cursor = {"page_token": page_token}
                if sync_token:
                    next_cursor["sync_token"] = sync_token
            else:
                next_cursor = {"sync_token": found.get("nextSyncToken")}
            yield Page(
                stream,
                interactions,
                quarantined,
                next_cursor,
                {"mode": "incremental" if sync_token else "full", "events": len(interactions)},
                cancelled=deleted,
            )
            if not page_token:
                return

    @staticmethod
    def convert(
        found: dict[str, Any], calendar_id: str
    ) -> tuple[tuple[Interaction, ...], tuple[Quarantined, ...], tuple[str, ...]]:
        """Interactions, quarantined items, and the provider ids of bare deletions."""
        zone = found.get("timeZone")
        out: list[Interaction] = []
        bad: list[Quarantined] = []
        deleted: list[str] = []
        for item in found.get("items") or []:
            cancelled = item.get("status") == "cancelled"
            if cancelled and not (item.get("start") or item.get("originalStartTime")):
                if item.get("id"):  # deleted: nothing left to show but the id
                    deleted.append(mapping.event_provider_id(item))
                continue
            try:
                out.append(mapping.event(item, calendar=calendar_id, zone=zone))
            except mapping.Unusable as exc:
                bad.append(
                    Quarantined(f"calendar:{calendar_id}", f"event {item.get('id')}", str(exc))
                )
        return tuple(out), tuple(bad), tuple(deleted)
