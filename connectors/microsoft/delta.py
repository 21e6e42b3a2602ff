"""Delta sync of mail folders and the calendar view, one `Page` per Graph page.

The cursor is the next link while a stream is paging (a crash replays at most one page) and
the delta link once it is complete. A rejected link (410, `syncStateNotFound`) restarts the
stream from scratch: interactions are keyed by stable ids, so the replay duplicates nothing.
Items Graph sends twice are the same upsert twice. The first request of every stream can be
answered ahead of time (by one `$batch`); later pages follow the links one by one.

What a delta round can carry besides new items: a partial item (`id` and the changed
properties, e.g. `isRead`, `parentFolderId`) is an update of something keepwarm does not store
and is counted, never quarantined; `@removed` mail stays as it happened (a message moved away or
deleted was still sent and received), while a removed calendar occurrence is reported in
`Page.cancelled` so a meeting deleted before it took place is cancelled in the store. Sent Items
are read without `internetMessageHeaders`, which Graph does not have for them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.microsoft import mapping
from connectors.microsoft.graph import Graph
from keepwarm.errors import ConnectorError, CursorExpired, PermanentError
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

_WEEK = timedelta(days=7)
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def prefer(page_size: int) -> dict[str, str]:
    return {
        "Prefer": f'odata.maxpagesize={page_size}, IdType="ImmutableId", outlook.timezone="UTC"'
    }


def mail_stream(folder: str) -> str:
    return f"mail:{folder.lower()}"


@dataclass
class Plan:
    """Where one stream starts: its stored link, or the query of a full sync."""

    stream: str
    path: str
    params: dict[str, str]
    link: str | None
    convert: Callable[..., Interaction | None]
    what: str
    page_size: int
    extra: dict[str, Any] = field(default_factory=dict)
    #: What `extra` becomes when the stream starts over (the calendar takes a fresh window).
    restart_extra: dict[str, Any] | None = None
    #: Fields whose absence makes an item a partial update (see `mapping.is_partial`).
    identity: tuple[str, ...] = mapping.MESSAGE_IDENTITY
    #: Provider id of a removed item whose removal cancels a meeting (None: removals are kept).
    cancels: Callable[[str], str] | None = None

    def first_request(self) -> tuple[str, dict[str, str] | None, dict[str, str]]:
        if self.link is not None:
            return self.link, None, prefer(self.page_size)
        return self.path, self.params, prefer(self.page_size)


#: The well-known name of Sent Items, whose messages have no internetMessageHeaders in Graph.
SENT_ITEMS = "sentitems"


def mail_plan(
    folder: str, cursor: Cursor | None, *, page_size: int, headers: bool, snippets: bool = False
) -> Plan:
    headers = headers and folder.lower() != SENT_ITEMS
    return Plan(
        stream=mail_stream(folder),
        path=f"/me/mailFolders/{folder}/messages/delta",
        params={"$select": mapping.select(headers=headers, snippets=snippets)},
        link=_link(cursor),
        convert=functools.partial(mapping.message, snippets=True) if snippets else mapping.message,
        what=f"mail delta of folder {folder}",
        page_size=page_size,
        extra={"folder": folder},
    )


def calendar_plan(
    window: tuple[datetime, datetime], cursor: Cursor | None, *, page_size: int
) -> Plan:
    """`calendarView/delta` over the window; a stored view that ends a week early restarts."""
    since, until = (moment.strftime(_STAMP) for moment in window)
    stored = (cursor or {}).get("window") or ["", ""]
    if cursor is not None and stored[1] < (window[1] - _WEEK).strftime(_STAMP):
        cursor = None  # the stored view ends too early: take a fresh window
    return Plan(
        stream="calendar",
        path="/me/calendarView/delta",
        params={"startDateTime": since, "endDateTime": until},
        link=_link(cursor),
        convert=mapping.event,
        what="calendar delta",
        page_size=page_size,
        extra={"window": stored if cursor is not None else [since, until]},
        restart_extra={"window": [since, until]},
        identity=mapping.EVENT_IDENTITY,
        cancels=mapping.event_provider_id,
    )


def _link(cursor: Cursor | None) -> str | None:
    if not cursor:
        return None
    link = cursor.get("next_link") or cursor.get("delta_link")
    return str(link) if link else None


def pages(
    graph: Graph, plan: Plan, first: dict[str, Any] | ConnectorError | None = None
) -> Iterator[Page]:
    """Follow the plan's links to a delta link; `first` is the first answer if already fetched."""
    link, restarted = plan.link, plan.link is None
    seen = removed = updated = 0
    while True:
        try:
            if isinstance(first, CursorExpired):
                raise first
            if isinstance(first, dict):
                body = first
            elif link is None:
                body = graph.get(
                    plan.path, params=plan.params, headers=prefer(plan.page_size), what=plan.what
                )
            else:
                body = graph.get(link, headers=prefer(plan.page_size), what=plan.what)
        except CursorExpired:
            if restarted:
                raise
            restarted, link = True, None  # full sync of this stream; upserts absorb repeats
            if plan.restart_extra is not None:
                plan.extra = plan.restart_extra
            continue
        finally:
            first = None  # a prefetched answer serves once; other prefetch errors just re-ask
        interactions: list[Interaction] = []
        quarantined: list[Quarantined] = []
        cancelled: list[str] = []
        for item in body.get("value") or ():
            if mapping.is_removed(item):
                removed += 1  # mail deleted or moved away: what happened still happened
                if plan.cancels is not None and item.get("id"):
                    cancelled.append(plan.cancels(str(item["id"])))
                continue
            if mapping.is_partial(item, plan.identity):
                updated += 1  # read state, folder…: nothing keepwarm keeps changed
                continue
            try:
                found = plan.convert(item, source=f"graph:{plan.stream}")
            except mapping.Unusable as exc:
                quarantined.append(
                    Quarantined(f"graph:{plan.stream}", str(item.get("id", "?")), str(exc))
                )
                continue
            if found is not None:
                interactions.append(found)
        seen += len(interactions)
        next_link, delta_link = body.get("@odata.nextLink"), body.get("@odata.deltaLink")
        if not next_link and not delta_link:
            raise PermanentError(
                f"{plan.what}: Graph sent neither a next nor a delta link", account=graph.account
            )
        cursor: Cursor = {"next_link": next_link} if next_link else {"delta_link": delta_link}
        yield Page(
            plan.stream,
            tuple(interactions),
            tuple(quarantined),
            {**cursor, **plan.extra},
            {"items": seen, "removed": removed, "updated": updated, "complete": not next_link,
             "full": restarted},
            cancelled=tuple(cancelled),
        )  # fmt: skip
        if not next_link:
            return
        link = next_link
