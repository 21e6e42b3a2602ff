"""A loopback fake of the Gmail and Calendar APIs (stdlib only) for tests and benchmarks.

It serves the endpoints the google connector uses, in Google's shapes: profile, sendAs,
messages.list/get, threads.get, history.list, drafts.list/get/create/send, the multipart batch
endpoint, and Calendar events.list with page and sync tokens. It counts HTTP requests, API calls
and Gmail quota units, and injects faults (429, 5xx, dropped connections) at a seeded rate, both
on whole requests and on parts of a batch. Writes (drafts) are never faulted.

Where keepwarm depends on it, the fake does what the real Gmail is documented to do
(`fakes.google_rules` names the sources), not what is convenient:
- `metadata_only` is a gmail.metadata + gmail.compose grant: `q` and formats full/raw are
  refused, and settings.sendAs.list answers 403 insufficientPermissions;
- drafts.create puts a draft in the requested thread only when In-Reply-To, References and a
  matching Subject come with the threadId; otherwise the draft starts a thread of its own;
- drafts.send removes the draft, gives the sent message Gmail's own Message-ID and (unless
  `keep_id_on_send`) a new message id in the same thread, labelled SENT;
- searches understand exactly the terms keepwarm uses and refuse any other with a 400;
- a 429 carries no Retry-After header, only "Retry after <RFC 3339 time>" in its message.

    server = FakeGoogle.start(messages=10_000, events=2_000)
    ... api_endpoint = server.url ...
    server.stop()
"""

from __future__ import annotations

import base64
import email
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakes import google_rules as rules
from fakes import loopback
from fakes.google_rules import Headers, Reply, error, json_reply

#: Quota units per call (Google's usage-limits page); Calendar is not counted in Gmail units.
COSTS = {"profile": 1, "sendAs": 1, "history": 2, "messages.list": 5, "messages.get": 5,
         "threads.get": 10, "drafts.list": 5, "drafts.get": 5, "drafts.create": 10,
         "drafts.send": 100, "events.list": 0}  # fmt: skip
OWNER = "owner@fake.example"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
NOT_FOUND = (404, "notFound", "Requested entity was not found.")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FakeGoogle:
    """State and routing of the fake; `_handler` adapts it to HTTP."""

    def __init__(self, *, messages: int = 0, events: int = 0, fault_rate: float = 0.0,
                 seed: int = 7, metadata_only: bool = False, keep_id_on_send: bool = False,
                 retry_wait: float = 0.01, clock: Callable[[], datetime] = _utcnow) -> None:  # fmt: skip
        self.metadata_only = metadata_only
        self.keep_id_on_send = keep_id_on_send
        #: How far ahead an injected 429 tells the client to retry (in its message).
        self.retry_wait, self.clock = retry_wait, clock
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.requests = 0
        self.calls: Counter[str] = Counter()
        self.units = 0
        self.faults = 0
        self.history_id = 1000
        self.oldest_history = 1000
        self.serial = 0
        self.messages: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []  # newest first, as Gmail lists
        self.history: list[tuple[int, str, list[str]]] = []  # (historyId, message, labels)
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self.events: dict[str, dict[str, Any]] = {}
        self.event_seq: dict[str, int] = {}
        self.seq = 0
        self.add_messages(messages)
        self.add_events(events)
        self.server: ThreadingHTTPServer | None = None

    # --- data -------------------------------------------------------------------------------

    def add_messages(self, count: int, *, labels: tuple[str, ...] = ("INBOX",)) -> list[str]:
        added = []
        for _ in range(count):
            n = self.serial + 1
            added.append(
                self.add_message(
                    {
                        "From": f"Peer {n % 997} <peer{n % 997}@corp{n % 53}.example>",
                        "To": OWNER,
                        "Subject": f"Message {n}",
                        "Message-ID": f"<m{n}@corp.example>",
                    },
                    labels=labels,
                )
            )
        return added

    def add_message(self, headers: Mapping[str, str], *, labels: Sequence[str] = ("INBOX",),
                    thread: str | None = None) -> str:  # fmt: skip
        """Store one message (in `thread`, else in a thread of its own); returns its id."""
        self.serial += 1
        ident = f"{0x19000000000 + self.serial:016x}"
        listed = [{"name": k, "value": v} for k, v in headers.items()]
        self._store(ident, listed, list(labels), BASE_TIME + timedelta(minutes=self.serial),
                    thread or ident)  # fmt: skip
        return ident

    def _store(self, ident: str, headers: Headers, labels: list[str], when: datetime,
               thread: str) -> None:  # fmt: skip
        self.history_id += 1
        self.messages[ident] = {
            "id": ident, "threadId": thread, "labelIds": labels, "snippet": "",
            "historyId": str(self.history_id), "sizeEstimate": 2048,
            "internalDate": str(int(when.timestamp() * 1000)),
            "payload": {"partId": "", "mimeType": "text/plain", "headers": headers},
        }  # fmt: skip
        self.order.insert(0, ident)
        self.history.append((self.history_id, ident, labels))

    def thread(self, thread_id: str) -> list[dict[str, Any]]:
        """The messages of a thread, oldest first."""
        found = [m for m in self.messages.values() if m["threadId"] == thread_id]
        return sorted(found, key=lambda m: int(m["internalDate"]))

    def sent(self) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if "SENT" in m["labelIds"]]

    def add_events(self, count: int) -> None:
        for _ in range(count):
            n = len(self.events) + 1
            start = BASE_TIME + timedelta(hours=3 * n)
            self.seq += 1
            ident = f"evt{n:06d}"
            self.events[ident] = {
                "kind": "calendar#event", "id": ident, "status": "confirmed",
                "summary": f"Meeting {n}", "organizer": {"email": f"peer{n % 997}@corp.example"},
                "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
                "attendees": [{"email": OWNER, "self": True, "responseStatus": "accepted"},
                              {"email": f"peer{n % 997}@corp.example", "responseStatus": "accepted"}],
            }  # fmt: skip
            self.event_seq[ident] = self.seq

    def delete_event(self, ident: str) -> None:
        """Delete an event: incremental syncs then see only its id, status `cancelled`."""
        self.seq += 1
        self.events[ident] = {"kind": "calendar#event", "id": ident, "status": "cancelled"}
        self.event_seq[ident] = self.seq

    def expire_history(self) -> None:
        """Make every stored historyId too old (history.list answers 404)."""
        self.oldest_history = self.history_id

    # --- routing ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, body: bytes, content_type: str, *,
               part: bool = False) -> Reply | None:  # fmt: skip
        """One API call (an HTTP request or a batch part); None drops the connection."""
        url = urlsplit(target)
        path, query = unquote(url.path), parse_qs(url.query)
        batch = method == "POST" and path.startswith("/batch")
        with self.lock:
            fault = (method == "GET" or batch) and self.fault_rate > 0
            if fault and self.rng.random() < self.fault_rate:
                self.faults += 1
                kind = self.rng.choice(["429", "500", "503"] + ([] if part else ["drop"]))
                if kind == "drop":
                    return None
                if kind == "429":
                    return rules.rate_limited(self.clock(), timedelta(seconds=self.retry_wait))
                return error(int(kind), "backendError", "Backend Error")
            if not batch:
                return self._route(method, path, query, body)
        answers = [
            (cid, self.handle(verb, target, b"", "", part=True) or error(503, "backendError", ""))
            for cid, verb, target in rules.split_batch(body, content_type)
        ]
        return rules.join_batch(answers)

    def _charge(self, call: str) -> None:
        self.calls[call] += 1
        self.units += COSTS[call]

    def _route(self, method: str, path: str, q: dict[str, list[str]], body: bytes) -> Reply:
        one = {k: v[0] for k, v in q.items()}
        if path.startswith("/calendar/v3/calendars/") and path.endswith("/events"):
            self._charge("events.list")
            return self._events(one)
        prefix = "/gmail/v1/users/me/"
        if not path.startswith(prefix):
            return error(404, "notFound", f"no route {path}")
        rest = path[len(prefix) :]
        head, _, ident = rest.partition("/")
        call = {
            ("GET", "profile"): "profile", ("GET", "settings"): "sendAs",
            ("GET", "messages"): "messages.get" if ident else "messages.list",
            ("GET", "threads"): "threads.get", ("GET", "history"): "history",
            ("GET", "drafts"): "drafts.get" if ident else "drafts.list",
            ("POST", "drafts"): "drafts.send" if ident == "send" else "drafts.create",
        }.get((method, head))  # fmt: skip
        if call is None:
            return error(404, "notFound", f"no route {method} {path}")
        self._charge(call)
        if self.metadata_only:
            if call == "sendAs":
                return rules.insufficient_scope()
            refused = rules.metadata_refuses(call, one)
            if refused:
                return error(403, "forbidden", refused)
        try:
            return self._gmail(call, ident, one, q.get("metadataHeaders", []), body)
        except rules.BadQuery as exc:
            return error(400, "invalidArgument", f"Invalid search query: {exc}")

    def _gmail(self, call: str, ident: str, one: dict[str, str], wanted: list[str],
               body: bytes) -> Reply:  # fmt: skip
        if call == "profile":
            return json_reply(200, {"emailAddress": OWNER, "messagesTotal": len(self.messages),
                                    "historyId": str(self.history_id)})  # fmt: skip
        if call == "sendAs":
            return json_reply(200, {"sendAs": [{"sendAsEmail": OWNER, "isPrimary": True}]})
        if call == "messages.list":
            return self._list(one)
        if call == "messages.get":
            found = self.messages.get(ident)
            return json_reply(200, self._shown(found, one, wanted)) if found else error(*NOT_FOUND)
        if call == "threads.get":
            thread = [self._shown(m, one, wanted) for m in self.thread(ident)]
            data = {"id": ident, "historyId": str(self.history_id), "messages": thread}
            return json_reply(200, data) if thread else error(*NOT_FOUND)
        if call == "history":
            return self._history(one)
        if call == "drafts.list":
            return self._drafts(one)
        if call == "drafts.get":
            if ident not in self.drafts:
                return error(*NOT_FOUND)
            shown = self._shown(self.messages[self.drafts[ident]], one, wanted)
            return json_reply(200, {"id": ident, "message": shown})
        if call == "drafts.create":
            return self._create_draft(json.loads(body))
        return self._send_draft(str(json.loads(body).get("id", "")))

    def _shown(self, message: dict[str, Any], one: dict[str, str], wanted: list[str]) -> Any:
        """`format=metadata` with `metadataHeaders` returns only those headers."""
        if one.get("format") != "metadata" or not wanted:
            return message
        names = {w.lower() for w in wanted}
        headers = [h for h in message["payload"]["headers"] if h["name"].lower() in names]
        return {**message, "payload": {**message["payload"], "headers": headers}}

    def _headers(self, ident: str) -> Headers:
        return list(self.messages[ident]["payload"]["headers"])

    def _list(self, one: dict[str, str]) -> Reply:
        test = rules.search(one.get("q", ""))
        label = one.get("labelIds")
        ids = [
            i
            for i in self.order
            if test(self._headers(i), self.messages[i]["labelIds"])
            and (
                label in self.messages[i]["labelIds"]
                if label
                else not {"SPAM", "TRASH", "DRAFT"} & set(self.messages[i]["labelIds"])
            )
        ]
        shape = lambda i: {"id": i, "threadId": self.messages[i]["threadId"]}  # noqa: E731
        return self._paged(ids, one, shape, "messages")

    def _drafts(self, one: dict[str, str]) -> Reply:
        test = rules.search(one.get("q", ""))
        hits = [
            {"id": d, "message": {"id": m, "threadId": self.messages[m]["threadId"]}}
            for d, m in self.drafts.items()
            if test(self._headers(m), self.messages[m]["labelIds"])
        ]
        size = int(one.get("maxResults", "100"))
        return json_reply(200, {"drafts": hits[:size]} if hits else {"resultSizeEstimate": 0})

    def _paged(self, items: list[Any], one: dict[str, str], shape: Any, key: str,
               extra: dict[str, Any] | None = None) -> Reply:  # fmt: skip
        start = int(one.get("pageToken", "0"))
        size = int(one.get("maxResults", "100"))
        out: dict[str, Any] = {
            key: [shape(i) for i in items[start : start + size]],
            **(extra or {}),
        }
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return json_reply(200, out)

    def _history(self, one: dict[str, str]) -> Reply:
        start = int(one["startHistoryId"])
        if start < self.oldest_history:
            return error(*NOT_FOUND)
        records = [r for r in self.history if r[0] > start]
        shape = lambda r: {"id": str(r[0]), "messagesAdded": [{"message": {  # noqa: E731
            "id": r[1], "threadId": self._thread_id(r[1]), "labelIds": r[2]}}]}  # fmt: skip
        return self._paged(records, one, shape, "history", {"historyId": str(self.history_id)})

    def _thread_id(self, ident: str) -> str:
        found = self.messages.get(ident)
        return str(found["threadId"]) if found else ident

    def _create_draft(self, body: dict[str, Any]) -> Reply:
        message = body.get("message") or {}
        mail = email.message_from_bytes(base64.urlsafe_b64decode(message["raw"]))
        headers = [{"name": k, "value": str(v)} for k, v in mail.items()]
        self.serial += 1
        if not rules.header(headers, "Message-ID"):
            headers.append({"name": "Message-Id", "value": rules.gmail_message_id(self.serial)})
        ident = f"{0x19000000000 + self.serial:016x}"
        requested = str(message.get("threadId") or "")
        existing = [m["payload"]["headers"] for m in self.thread(requested)] if requested else []
        thread = requested if existing and rules.joins_thread(headers, existing) else ident
        self._store(ident, headers, ["DRAFT"], BASE_TIME + timedelta(minutes=self.serial), thread)
        draft = f"r-{self.serial:08d}"
        self.drafts[draft] = ident
        return json_reply(200, {"id": draft, "message": {
            "id": ident, "threadId": thread, "labelIds": ["DRAFT"]}})  # fmt: skip

    def _send_draft(self, draft: str) -> Reply:
        ident = self.drafts.pop(draft, None)
        if ident is None:
            return error(*NOT_FOUND)
        old = self.messages.pop(ident)
        self.order.remove(ident)
        self.serial += 1
        sent = ident if self.keep_id_on_send else f"{0x19000000000 + self.serial:016x}"
        headers = rules.replace_header(
            old["payload"]["headers"], "Message-Id", rules.gmail_message_id(self.serial)
        )
        when = BASE_TIME + timedelta(minutes=self.serial)
        self._store(sent, headers, ["SENT"], when, str(old["threadId"]))
        return json_reply(200, {"id": sent, "threadId": old["threadId"], "labelIds": ["SENT"]})

    def _events(self, one: dict[str, str]) -> Reply:
        extra: dict[str, Any] = {"kind": "calendar#events", "timeZone": "UTC"}
        if "syncToken" in one:
            since = int(one["syncToken"].removeprefix("sync-"))
            if since > self.seq:
                return error(410, "fullSyncRequired",
                             "Sync token is no longer valid, a full sync is required.")  # fmt: skip
            ids = [i for i in self.events if self.event_seq[i] > since]
        else:
            low, high = one.get("timeMin", ""), one.get("timeMax", "9999")
            ids = [i for i, e in self.events.items()
                   if "start" in e and low <= _utc(e["start"]["dateTime"]) < high]  # fmt: skip
        reply = self._paged(ids, one, lambda i: self.events[i], "items", extra)
        data = json.loads(reply[2])
        if "nextPageToken" not in data:
            data["nextSyncToken"] = f"sync-{self.seq}"
        return json_reply(200, data)

    # --- server -----------------------------------------------------------------------------

    @classmethod
    def start(cls, **kwargs: Any) -> FakeGoogle:
        fake = cls(**kwargs)

        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | None:
            with fake.lock:
                fake.requests += 1
            return fake.handle(method, path, body, headers.get("content-type", ""))

        fake.server = loopback.start(answer)
        return fake

    @property
    def url(self) -> str:
        assert self.server is not None
        return loopback.url(self.server)

    def stop(self) -> None:
        if self.server is not None:
            loopback.stop(self.server)

    def reset_counts(self) -> None:
        with self.lock:
            self.requests, self.units, self.faults = 0, 0, 0
            self.calls.clear()


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
