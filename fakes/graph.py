"""A loopback fake of the Microsoft Graph endpoints keepwarm uses (stdlib only).

It serves message delta per folder, calendarView delta, `/me`, draft creation, createReply,
PATCH and GET of one message, send and the key lookup, and enforces Graph's per-mailbox limits:
more than `concurrency` requests in flight or more than `budget` requests per `window` seconds
answer `429 ApplicationThrottled` with `Retry-After`. `fault_rate` injects 429s, 503s and dropped
connections, seeded so runs are repeatable. `FakeGraph.handle` is the whole logic; tests call
it in-process through an httpx transport, the benchmark through `serve()`.

Where keepwarm depends on it, the fake behaves as Graph does, not as is convenient:
- extended properties are set by `POST /me/messages` and `PATCH /me/messages/{id}` only, the two
  requests "Create single-value extended property" documents; createReply ignores them;
- a message that changed after the last delta round comes back as a partial item (`id` and the
  changed properties only: `update_message`);
- the copy of a message in Sent Items has no `internetMessageHeaders` (Microsoft, in
  microsoftgraph/microsoft-graph-docs#2716: "internet headers just do not exist on the copy in
  Sent Items");
- a deleted event or message comes back as `{"id": …, "@removed": {"reason": "deleted"}}`.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from fakes import loopback
from fakes.loopback import Reply

MAX_PAGE = 999
KEY_FILTER = re.compile(r"ep/value eq '((?:[^']|'')*)'")
MID_FILTER = re.compile(r"internetMessageId eq '<((?:[^']|'')*)>'")


class DropConnection(Exception):
    """Injected fault: close the socket without an answer."""


SENT_ITEMS = "sentitems"


@dataclass
class Item:
    id: str
    data: dict[str, Any]
    seq: int
    removed: bool = False
    #: Properties changed since the item was added (sent alone to a client that has the item).
    changed: dict[str, Any] | None = None
    #: The change number at which the item was added.
    born: int = 0


@dataclass
class FakeGraph:
    root: str = "http://127.0.0.1"
    concurrency: int = 4
    budget: int = 10_000
    window: float = 600.0
    fault_rate: float = 0.0
    seed: int = 1
    clock: Callable[[], float] = time.monotonic
    #: When set, requests sleep this long (to make concurrency observable).
    latency: float = 0.0
    folders: dict[str, list[Item]] = field(default_factory=dict)
    events: list[Item] = field(default_factory=list)
    me: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._seq = 0
        self._lock = threading.Lock()
        self._in_flight = 0
        self._times: list[float] = []
        self._random = random.Random(self.seed)
        self.max_in_flight = 0
        self.throttled = 0
        self.faults = 0

    # Data ----------------------------------------------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def add_message(self, folder: str, data: dict[str, Any]) -> None:
        seq = self._next()
        item = Item(str(data["id"]), data, seq, born=seq)
        self.folders.setdefault(folder, []).append(item)

    def remove_message(self, folder: str, item_id: str) -> None:
        for item in self.folders[folder]:
            if item.id == item_id:
                item.removed, item.seq = True, self._next()

    def update_message(self, folder: str, item_id: str, **changes: Any) -> None:
        """Change properties (`isRead=True`, `parentFolderId=…`): the next delta round sends
        the item with only `id` and these."""
        for item in self.folders[folder]:
            if item.id == item_id:
                item.data.update(changes)
                item.changed = {**(item.changed or {}), **changes}
                item.seq = self._next()

    def add_event(self, data: dict[str, Any]) -> None:
        self.events.append(Item(str(data["id"]), data, self._next()))

    def remove_event(self, event_id: str) -> None:
        """Delete an event (a cancelled meeting the organizer removed)."""
        for item in self.events:
            if item.id == event_id:
                item.removed, item.seq = True, self._next()

    # Limits and faults ---------------------------------------------------------------------

    @contextmanager
    def _admitted(self) -> Iterator[Reply | None]:
        with self._lock:
            now = self.clock()
            self._times = [t for t in self._times if t > now - self.window]
            if self._in_flight >= self.concurrency:
                self.throttled += 1
                yield _throttled("MailboxConcurrency", 1.0)
                return
            if len(self._times) >= self.budget:
                self.throttled += 1
                yield _throttled("ApplicationRequests", self._times[0] + self.window - now)
                return
            self._times.append(now)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield None
        finally:
            with self._lock:
                self._in_flight -= 1

    def _fault(self) -> Reply | None:
        if not self.fault_rate or self._random.random() >= self.fault_rate:
            return None
        self.faults += 1
        kind = self._random.choice(("429", "503", "drop"))
        if kind == "drop":
            raise DropConnection
        if kind == "429":
            return _throttled("ApplicationThrottled", 0.05)
        return _error(503, "serviceNotAvailable", "Service unavailable", {"Retry-After": "0.05"})

    # Dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Reply:
        """One request → (status, headers, body). Raises `DropConnection` for an injected drop."""
        parts = urlsplit(url)
        path, query = parts.path, dict(parse_qsl(parts.query))
        with self._admitted() as refused:
            if refused is not None:
                result = refused
            else:
                if self.latency:
                    time.sleep(self.latency)
                result = self._fault() or self._route(method, path, query, headers, body)
        with self._lock:
            self.log.append((method, path, result[0]))
        return result

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        if not headers.get("authorization", "").startswith("Bearer "):
            return _error(401, "InvalidAuthenticationToken", "Access token is empty.")
        size = _page_size(headers.get("prefer", ""))
        if method == "POST" and path == "/v1.0/$batch":
            return self._batch(json.loads(body or b"{}"), headers)
        if method == "GET" and path == "/v1.0/me/mailFolders/drafts":
            return _ok({"id": "drafts-folder"})
        if method == "GET" and path == "/v1.0/me":
            return _ok(self.me)
        m = re.fullmatch(r"/v1\.0/me/mailFolders/([^/]+)/messages/delta", path)
        if method == "GET" and m:
            folder = m.group(1)
            if folder not in self.folders:
                return _error(404, "ErrorInvalidIdMalformed", "Id is malformed.")
            return self._delta(self.folders[folder], path, query, size, sent=folder == SENT_ITEMS)
        if method == "GET" and path == "/v1.0/me/calendarView/delta":
            return self._delta(self.events, path, query, size)
        if path == "/v1.0/me/messages" and method == "GET":
            return self._lookup(query.get("$filter", ""))
        if path == "/v1.0/me/messages" and method == "POST":
            return self._create(json.loads(body or b"{}"), None)
        m = re.fullmatch(r"/v1\.0/me/messages/([^/]+)", path)
        if m and method in ("GET", "PATCH"):
            found = self.messages.get(m.group(1))
            if found is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found.")
            if method == "PATCH":
                self._update(found, json.loads(body or b"{}"))
            return _ok(found)
        m = re.fullmatch(r"/v1\.0/me/messages/([^/]+)/(createReply|send)", path)
        if method == "POST" and m:
            target = self.messages.get(m.group(1)) or self._find_item(m.group(1))
            if target is None:
                return _error(404, "ErrorItemNotFound", "The specified object was not found.")
            if m.group(2) == "createReply":
                payload = dict(json.loads(body or b"{}").get("message", {}))
                # Not among createReply's documented ways to set an extended property: dropped.
                payload.pop("singleValueExtendedProperties", None)
                return self._create(payload, target)
            if not target.get("isDraft"):
                return _error(400, "ErrorInvalidOperation", "The item is not a draft.")
            target["isDraft"], target["parentFolderId"] = False, "sentitems-folder"
            self.sent.append(target["id"])
            return 202, {}, b""
        return _error(400, "BadRequest", f"fake Graph does not serve {method} {path}")

    def _batch(self, payload: dict[str, Any], headers: dict[str, str]) -> Reply:
        """JSON batching: at most 20; requests beyond the mailbox concurrency are throttled, and
        every sub-request counts against the budget (as Graph evaluates them one by one)."""
        requests = payload.get("requests") or []
        if not 1 <= len(requests) <= 20:
            return _error(400, "BadRequest", "A batch holds 1 to 20 requests.")
        with self._lock:
            self._times.extend([self.clock()] * (len(requests) - 1))
        responses = []
        for n, sub in enumerate(requests):
            try:
                fault = self._fault()  # sub-requests fail one by one too
            except DropConnection:
                fault = _error(504, "gatewayTimeout", "The request timed out.")
            if n >= self.concurrency:
                self.throttled += 1
                status, out, body = _throttled("MailboxConcurrency", 1.0)
            elif fault is not None:
                status, out, body = fault
            else:
                parts = urlsplit("/v1.0" + str(sub.get("url", "")))
                sub_headers = {
                    **headers,
                    **{k.lower(): v for k, v in (sub.get("headers") or {}).items()},
                }
                status, out, body = self._route(
                    str(sub.get("method", "GET")),
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    sub_headers,
                    b"",
                )
            responses.append(
                {
                    "id": sub.get("id"),
                    "status": status,
                    "headers": out,
                    "body": json.loads(body) if body else None,
                }
            )
        return _ok({"responses": responses})

    # Delta ---------------------------------------------------------------------------------

    def _delta(
        self, items: list[Item], path: str, query: dict[str, str], size: int, *, sent: bool = False
    ) -> Reply:
        if "$deltatoken" in query:
            token = query["$deltatoken"]
            if token.startswith("expired"):
                return _error(410, "syncStateNotFound", "The sync state generation is expired.")
            since, offset = int(token), 0
        elif "$skiptoken" in query:
            since_s, _, offset_s = query["$skiptoken"].partition("-")
            since, offset = int(since_s), int(offset_s)
        else:
            since, offset = 0, 0
        with self._lock:
            changed = [i for i in items if i.seq > since and not (since == 0 and i.removed)]
            top = self._seq
        page = changed[offset : offset + size]
        value = [self._served(i, since, sent) for i in page]
        link = f"{self.root}{path}?"
        body: dict[str, Any] = {"@odata.context": f"{self.root}/v1.0/$metadata#Collection"}
        if offset + size < len(changed):
            body["@odata.nextLink"] = link + "$skiptoken=" + quote(f"{since}-{offset + size}")
        else:
            body["@odata.deltaLink"] = link + "$deltatoken=" + quote(str(top))
        body["value"] = value
        return _ok(body)

    @staticmethod
    def _served(item: Item, since: int, sent: bool) -> dict[str, Any]:
        if item.removed:
            return {"id": item.id, "@removed": {"reason": "deleted"}}
        if item.changed is not None and item.born <= since:
            return {"@odata.type": "#microsoft.graph.message", "id": item.id, **item.changed}
        if sent:
            return {k: v for k, v in item.data.items() if k != "internetMessageHeaders"}
        return item.data

    # Drafts --------------------------------------------------------------------------------

    def _find_item(self, item_id: str) -> dict[str, Any] | None:
        for items in self.folders.values():
            for item in items:
                if item.id == item_id:
                    return item.data
        return None

    def _create(self, payload: dict[str, Any], original: dict[str, Any] | None) -> Reply:
        with self._lock:
            draft_id = f"draft-{len(self.messages) + 1}"
            message = {
                **payload,
                "id": draft_id,
                "isDraft": True,
                "parentFolderId": "drafts-folder",
            }
            if original is not None:
                message["conversationId"] = original.get("conversationId")
                message["subject"] = "RE: " + str(original.get("subject", ""))
                message.setdefault(
                    "toRecipients", original.get("replyTo") or [original.get("from")]
                )
            self.messages[draft_id] = message
        return 201, {"Content-Type": "application/json"}, json.dumps(message).encode()

    def _update(self, message: dict[str, Any], changes: dict[str, Any]) -> None:
        """PATCH: properties replace, extended properties merge by id."""
        with self._lock:
            props = {p["id"]: p for p in message.get("singleValueExtendedProperties", ())}
            for prop in changes.pop("singleValueExtendedProperties", ()):
                props[prop["id"]] = prop
            message.update(changes)
            if props:
                message["singleValueExtendedProperties"] = list(props.values())

    def _lookup(self, flt: str) -> Reply:
        if m := KEY_FILTER.search(flt):
            key = m.group(1).replace("''", "'")
            found = [
                {
                    "id": msg["id"],
                    "isDraft": msg["isDraft"],
                    "parentFolderId": msg["parentFolderId"],
                }
                for msg in self.messages.values()
                if any(p.get("value") == key for p in msg.get("singleValueExtendedProperties", ()))
            ]
            return _ok({"value": found})
        if m := MID_FILTER.search(flt):
            mid = "<" + m.group(1).replace("''", "'") + ">"
            hits = [
                {"id": i.id}
                for items in self.folders.values()
                for i in items
                if i.data.get("internetMessageId") == mid
            ]
            return _ok({"value": hits[:1]})
        return _error(400, "BadRequest", "unsupported $filter")

    def count(self, method: str, path_part: str = "") -> int:
        return sum(1 for m, p, _ in self.log if m == method and path_part in p)


def _page_size(prefer: str) -> int:
    m = re.search(r"odata\.maxpagesize=(\d+)", prefer)
    return min(int(m.group(1)), MAX_PAGE) if m else 10


def _ok(body: dict[str, Any]) -> Reply:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _error(status: int, code: str, message: str, extra: dict[str, str] | None = None) -> Reply:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return status, {"Content-Type": "application/json", **(extra or {})}, body


def _throttled(limit: str, retry_after: float) -> Reply:
    return _error(
        429,
        "ApplicationThrottled",
        f"Application is over its {limit} limit.",
        {"Retry-After": f"{max(retry_after, 0.01):.2f}"},
    )


@contextmanager
def serve(graph: FakeGraph) -> Iterator[str]:
    """Run `graph` on 127.0.0.1 (a free port) and yield its root URL."""

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
        try:
            return graph.handle(method, graph.root + path, headers, body)
        except DropConnection:
            return None

    server = loopback.start(answer)
    graph.root = loopback.url(server)
    try:
        yield graph.root
    finally:
        loopback.stop(server)
