"""Test doubles for the Microsoft connector: fixed tokens, a fake clock, the fake Graph in-process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.microsoft import MicrosoftConnector
from connectors.microsoft.graph import Graph
from connectors.microsoft.limiter import Limiter
from fakes.graph import DropConnection, FakeGraph

ROOT = "https://graph.microsoft.com"
WINDOW = (datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC))


class FixedTokens:
    """A token source that never does I/O; counts how often a fresh token was needed."""

    def __init__(self, value: str = "test-access-token") -> None:
        self.value, self.fetched, self.invalidated = value, 0, 0

    def token(self) -> str:
        self.fetched += 1
        return self.value

    def invalidate(self) -> None:
        self.invalidated += 1


class FakeClock:
    """Monotonic time that only moves when somebody sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def graph(
    *,
    endpoint: str = ROOT,
    clock: FakeClock | None = None,
    http: httpx.Client | None = None,
    tokens: FixedTokens | None = None,
) -> Graph:
    clock = clock or FakeClock()
    return Graph(
        account="office",
        endpoint=endpoint,
        tokens=tokens or FixedTokens(),
        limiter=Limiter(clock=clock, sleep=clock.sleep),
        http=http,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )


def connector(
    g: Graph, *, folders: tuple[str, ...] = ("inbox", "sentitems"), **kw: Any
) -> MicrosoftConnector:
    return MicrosoftConnector("office", graph=g, folders=folders, calendar_window=WINDOW, **kw)


def in_process(
    fake: FakeGraph, *, crash: Callable[[httpx.Request], None] | None = None
) -> httpx.Client:
    """An httpx client whose requests `fake` answers without sockets; `crash` may raise after."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            status, out, body = fake.handle(
                request.method, str(request.url), headers, request.content
            )
        except DropConnection:
            raise httpx.RemoteProtocolError("connection dropped", request=request) from None
        if crash is not None:
            crash(request)
        return httpx.Response(status, headers=out, content=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


def message(
    n: int, *, sender: str = "grace@navy.example", to: str = "ada@analytical.example"
) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.message",
        "id": f"AAMkAD-{n}=",
        "subject": f"Subject {n}",
        "from": {"emailAddress": {"name": "Grace", "address": sender}},
        "sender": {"emailAddress": {"name": "Grace", "address": sender}},
        "toRecipients": [{"emailAddress": {"name": "Ada", "address": to}}],
        "ccRecipients": [],
        "sentDateTime": "2026-11-02T09:00:00Z",
        "receivedDateTime": "2026-11-02T09:00:01Z",
        "conversationId": f"conv-{n}",
        "internetMessageId": f"<m{n}@navy.example>",
        "isDraft": False,
    }


def event(n: int) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.event",
        "id": f"AAMkEV-{n}=",
        "subject": f"Meeting {n}",
        "start": {"dateTime": "2026-11-03T10:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-03T10:30:00.0000000", "timeZone": "UTC"},
        "organizer": {"emailAddress": {"name": "Ada", "address": "ada@analytical.example"}},
        "attendees": [
            {
                "type": "required",
                "status": {"response": "accepted", "time": "2026-11-01T00:00:00Z"},
                "emailAddress": {"name": "Alan", "address": f"alan{n}@bletchley.example"},
            }
        ],
        "isCancelled": False,
    }
