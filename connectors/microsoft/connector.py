"""`MicrosoftConnector`: Outlook mail and calendar through Microsoft Graph v1.0."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.microsoft import delivery, mapping
from connectors.microsoft.delta import Plan, calendar_plan, mail_plan, mail_stream, pages
from connectors.microsoft.graph import Graph
from keepwarm.errors import ConnectorError
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Cursor, Page, Receipt, Recorder

ME_FIELDS = "mail,userPrincipalName,proxyAddresses"


class MicrosoftConnector:
    """One Microsoft 365 / Outlook.com mailbox: the folders it syncs, its calendar view, drafts."""

    def __init__(
        self,
        account: str,
        *,
        graph: Graph,
        folders: Sequence[str],
        calendar_window: tuple[datetime, datetime],
        page_size: int = 999,
        message_headers: bool = True,
        send_mode: bool = False,
        calendar: bool = True,
        batch: bool = True,
        snippets: bool = False,
    ) -> None:
        self.account = account
        self.graph = graph
        self.folders = list(folders)
        self.calendar_window = calendar_window
        self.page_size, self.message_headers, self.send_mode = page_size, message_headers, send_mode
        self.calendar, self.batch = calendar, batch
        self.snippets = snippets
        self._me: dict[str, Any] | None = None

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        """Every folder's message delta, then the calendar view delta.

        The first request of every stream, and `/me`, go out together in one `$batch` (up to the
        mailbox's concurrency): an idle run is one round trip. Further pages follow one by one.
        """
        plans = [
            mail_plan(
                folder,
                cursors.get(mail_stream(folder)),
                page_size=self.page_size,
                headers=self.message_headers,
                snippets=self.snippets,
            )
            for folder in self.folders
        ]
        if self.calendar:
            plans.append(
                calendar_plan(
                    self.calendar_window, cursors.get("calendar"), page_size=self.page_size
                )
            )
        first = self._prefetch(plans)
        if self._me is not None and self.calendar:
            owner = mapping.owner_addresses(self._me)
            primary = str(self._me.get("mail") or "").lower()
            ordered = (
                (primary, *sorted(owner - {primary})) if primary in owner else tuple(sorted(owner))
            )
            if ordered:
                plans[-1].convert = functools.partial(mapping.event, owner=ordered)
        for plan, answer in zip(plans, first, strict=True):
            yield from pages(self.graph, plan, answer)

    def _prefetch(self, plans: list[Plan]) -> list[dict[str, Any] | ConnectorError | None]:
        room = self.graph.limiter.concurrency
        if not self.batch or len(plans) < 2 or room < 2:
            return [None] * len(plans)
        ahead = plans[: room - 1]  # and /me
        answers = self.graph.batch(
            [*(p.first_request() for p in ahead), ("/me", {"$select": ME_FIELDS}, {})],
            what="first pages of every stream",
        )
        me = answers[-1]
        if isinstance(me, dict):
            self._me = me
        return [*answers[:-1], *([None] * (len(plans) - len(ahead)))]

    def owner_addresses(self) -> set[str]:
        me = self._me or self.graph.get(
            "/me", params={"$select": ME_FIELDS}, what="read the signed-in user"
        )
        return mapping.owner_addresses(me)

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        """Create the draft once (found by key if it exists), then send it in send mode."""
        found = delivery.find(self.graph, message.key)
        if found is not None and not send:
            return Receipt(found.id, sent=not found.is_draft)
        if found is not None and not delivery.unsent(self.graph, found):
            return Receipt(found.id, sent=True)
        draft_id = found.id if found is not None else delivery.create(self.graph, message, record)
        if not send:
            return Receipt(draft_id)
        delivery.send(self.graph, draft_id)
        return Receipt(draft_id, sent=True)

    def find_delivered(self, key: str, *, recorded: str | None = None) -> Receipt | None:
        """The delivery for `key`: a draft (`sent=False` while it is still in Drafts) or sent.

        A keyed draft still in Drafts was created and not sent, so sending it now cannot send
        twice; one in the Outbox is on its way and counts as sent. A `recorded` reply draft that
        never got its key is tagged now (it is in Drafts, so it was never sent).
        """
        found = delivery.find(self.graph, key)
        if found is None and recorded:
            found = delivery.adopt(self.graph, recorded, key)
        if found is None:
            return None
        if not self.send_mode:
            return Receipt(found.id, sent=not found.is_draft)
        return Receipt(found.id, sent=not delivery.unsent(self.graph, found))
