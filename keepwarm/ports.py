"""Protocols between the services and the edges (connectors, store).

A connector pulls interactions in pages that each carry their resume cursor, reports the owner
addresses it can see, and delivers an approved draft. The store commits a page's interactions and
its cursor in one transaction, so a crash replays at most one page and never loses one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from keepwarm.models import Interaction, OutgoingMessage, Quarantined

#: A cursor is JSON-able data owned by the connector that wrote it, stored per (account, stream).
Cursor = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    """One unit of progress from a connector.

    `stream` names an independent sync position within the account (a file, a mail folder, a
    calendar). `cursor` is the position after this page; `None` leaves the stored one unchanged.
    `summary` is what the connector wants `keepwarm status` to show about the stream.
    `cancelled` names meetings (by provider id) the provider reports deleted: a stored one that
    has not happened yet is marked cancelled; one in the past stays as it happened.
    """

    stream: str
    interactions: tuple[Interaction, ...] = ()
    quarantined: tuple[Quarantined, ...] = ()
    cursor: Cursor | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)
    cancelled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Receipt:
    """Where a delivered draft ended up at the provider (a draft id, a sent message id, a file)."""

    provider_ref: str
    sent: bool = False


#: Told by a connector where an unsent delivery stands at the provider (the ids of the draft it
#: just created) before it sends or finishes it; the outbox keeps it for `find_delivered`.
Recorder = Callable[[str], None]


@runtime_checkable
class Connector(Protocol):
    """**Protocol:** one connected account.

    Implementations do I/O and nothing else: they return domain objects, raise only
    `keepwarm.errors.ConnectorError` subclasses, and touch neither the store nor the clock.
    """

    account: str

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        """Yield pages of interactions new since `cursors` (stream name -> cursor)."""
        ...

    def owner_addresses(self) -> set[str]:
        """Addresses of the owner this account knows about (aliases, send-as addresses)."""
        ...

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        """Create a provider draft (or send, when `send`), keyed by `message.key`; `record` is
        called with the provider's ids as soon as a draft exists, before anything is sent."""
        ...

    def find_delivered(self, key: str, *, recorded: str | None = None) -> Receipt | None:
        """Look up a delivery by key (and by what `record` was told, when given), to reconcile
        an attempt whose outcome is unknown."""
        ...
