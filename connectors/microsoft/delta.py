"""Delta sync of mail folders and the calendar view, one `Page` per Graph page.

The cursor is the next link while a stream is paging (a crash replays at most one page) and
the delta link once it is complete. A rejected link (410, `syncStateNotFound`) restarts the
stream from scratch: interactions are keyed by stable ids, so the replay duplicates nothing.
Items Graph sends twice are the same upsert twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors.microsoft import mapping
from connectors.microsoft.graph import Graph
from keepwarm.errors import CursorExpired, PermanentError
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

_WEEK = timedelta(days=7)


def prefer(page_size: int) -> dict[str, str]:
    return {
        "Prefer": f'odata.maxpagesize={page_size}, IdType="ImmutableId", outlook.timezone="UTC"'
    }


def mail_stream(folder: str) -> str:
    return f"mail:{folder.lower()}"


def mail_pages(
    graph: Graph, folder: str, cursor: Cursor | None, *, page_size: int, headers: bool
) -> Iterator[Page]:
    start = (
        f"/me/mailFolders/{folder}/messages/delta",
        {"$select": mapping.select(headers=headers)},
    )
    return _pages(
        graph,
        mail_stream(folder),
        start,
        cursor,
        page_size=page_size,
        convert=mapping.message,
        what=f"mail delta of folder {folder}",
        extra={"folder": folder},
    )


def calendar_pages(
    graph: Graph, window: tuple[datetime, datetime], cursor: Cursor | None, *, page_size: int
) -> Iterator[Page]:
    """`calendarView/delta` over the window; a window that moved on by a week restarts it."""
    since, until = (moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in window)
    if cursor is not None:
        stored = cursor.get("window") or ["", ""]
        if stored[1] < (window[1].replace(microsecond=0) - _WEEK).strftime("%Y-%m-%dT%H:%M:%SZ"):
            cursor = None  # the stored view ends too early: take a fresh window
    start = ("/me/calendarView/delta", {"startDateTime": since, "endDateTime": until})
    return _pages(
        graph,
        "calendar",
        start,
        cursor,
        page_size=page_size,
        convert=mapping.event,
        what="calendar delta",
        extra={"window": [since, until]} if cursor is None else {"window": cursor.get("window")},
    )


def _pages(
    graph: Graph,
    stream: str,
    start: tuple[str, dict[str, str]],
    cursor: Cursor | None,
    *,
    page_size: int,
    convert: Callable[..., Interaction | None],
    what: str,
    extra: dict[str, Any],
) -> Iterator[Page]:
    link = (cursor or {}).get("next_link") or (cursor or {}).get("delta_link")
    restarted = link is None
    seen = removed = 0
    while True:
        try:
            if link is None:
                body = graph.get(start[0], params=start[1], headers=prefer(page_size), what=what)
            else:
                body = graph.get(link, headers=prefer(page_size), what=what)
        except CursorExpired:
            if restarted:
                raise
            restarted, link = True, None  # full sync of this stream; upserts absorb repeats
            continue
        interactions: list[Interaction] = []
        quarantined: list[Quarantined] = []
        for item in body.get("value") or ():
            if mapping.is_removed(item):
                removed += 1  # deleted or moved away: what happened still happened
                continue
            try:
                found = convert(item, source=f"graph:{stream}")
            except mapping.Unusable as exc:
                quarantined.append(
                    Quarantined(f"graph:{stream}", str(item.get("id", "?")), str(exc))
                )
                continue
            if found is not None:
                interactions.append(found)
        seen += len(interactions)
        next_link, delta_link = body.get("@odata.nextLink"), body.get("@odata.deltaLink")
        if not next_link and not delta_link:
            raise PermanentError(
                f"{what}: Graph sent neither a next nor a delta link", account=graph.account
            )
        new_cursor: Cursor = {"next_link": next_link} if next_link else {"delta_link": delta_link}
        yield Page(
            stream,
            tuple(interactions),
            tuple(quarantined),
            {**new_cursor, **extra},
            {"items": seen, "removed": removed, "complete": not next_link, "full": restarted},
        )
        if not next_link:
            return
        link = next_link
