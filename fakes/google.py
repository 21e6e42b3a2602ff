"""A loopback fake of the Gmail and Calendar APIs (stdlib only) for benchmarks and tests.

It serves the endpoints the google connector uses, in Google's shapes: profile, sendAs,
messages.list/get, history.list, drafts.list/create/send, the multipart batch endpoint, and
Calendar events.list with page and sync tokens. It counts HTTP requests, API calls and Gmail
quota units, and injects faults (429, 5xx, dropped connections) at a seeded rate, both on whole
requests and on parts of a batch. Writes (drafts) are never faulted.

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
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

COSTS = {"profile": 1, "sendAs": 1, "history": 2, "messages.list": 5, "messages.get": 5,
         "drafts.list": 5, "drafts.get": 5, "drafts.create": 10, "drafts.send": 100, "events.list": 0}  # fmt: skip
OWNER = "owner@fake.example"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
Reply = tuple[int, dict[str, str], bytes]


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    out = {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
    return status, out, json.dumps(data).encode()


def _error(status: int, reason: str, message: str) -> Reply:
    body = {"error": {"code": status, "message": message,
                      "errors": [{"domain": "global", "reason": reason, "message": message}]}}  # fmt: skip
    return _json(status, body, {"Retry-After": "0"} if status == 429 else None)


class FakeGoogle:
    """State and routing of the fake; `Handler` adapts it to HTTP."""

    def __init__(self, *, messages: int = 0, events: int = 0, fault_rate: float = 0.0,
                 seed: int = 7, metadata_only: bool = False) -> None:  # fmt: skip
        #: Behave like a grant with gmail.metadata: any `q` is refused with 403.
        self.metadata_only = metadata_only
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.requests = 0
        self.calls: Counter[str] = Counter()
        self.units = 0
        self.faults = 0
        self.history_id = 1000
        self.oldest_history = 1000
        self.messages: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []  # newest first, as Gmail lists
        self.history: list[tuple[int, str]] = []
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
            n = len(self.messages) + 1
            ident = f"{0x19000000000 + n:016x}"
            when = BASE_TIME + timedelta(minutes=n)
            headers = [
                {"name": "From", "value": f"Peer {n % 997} <peer{n % 997}@corp{n % 53}.example>"},
                {"name": "To", "value": OWNER},
                {"name": "Subject", "value": f"Message {n}"},
                {"name": "Message-ID", "value": f"<m{n}@corp.example>"},
            ]
            self._store(ident, headers, list(labels), when)
            added.append(ident)
        return added

    def _store(self, ident: str, headers: list[dict[str, str]], labels: list[str],
               when: datetime) -> None:  # fmt: skip
        self.history_id += 1
        self.messages[ident] = {
            "id": ident, "threadId": ident, "labelIds": labels, "snippet": "",
            "historyId": str(self.history_id), "sizeEstimate": 2048,
            "internalDate": str(int(when.timestamp() * 1000)),
            "payload": {"partId": "", "mimeType": "text/plain", "headers": headers},
        }  # fmt: skip
        self.order.insert(0, ident)
        self.history.append((self.history_id, ident))

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
                    return _error(
                        429, "rateLimitExceeded", "Too many concurrent requests for user."
                    )
                return _error(int(kind), "backendError", "Backend Error")
            if not batch:
                return self._route(method, path, query, body)
        return self._batch(body, content_type)

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
            return _error(404, "notFound", f"no route {path}")
        rest = path[len(prefix) :]
        if self.metadata_only and "q" in one:
            return _error(403, "forbidden", "Metadata scope does not support 'q' parameter")
        if rest == "profile":
            self._charge("profile")
            return _json(200, {"emailAddress": OWNER, "messagesTotal": len(self.messages),
                               "historyId": str(self.history_id)})  # fmt: skip
        if rest == "settings/sendAs":
            self._charge("sendAs")
            return _json(200, {"sendAs": [{"sendAsEmail": OWNER, "isPrimary": True}]})
        if rest == "messages" and method == "GET":
            self._charge("messages.list")
            return self._list(one)
        if rest.startswith("messages/"):
            self._charge("messages.get")
            found = self.messages.get(rest.split("/", 1)[1])
            return (
                _json(200, found)
                if found
                else _error(404, "notFound", "Requested entity was not found.")
            )
        if rest == "history":
            self._charge("history")
            return self._history(one)
        if rest == "drafts" and method == "GET":
            self._charge("drafts.list")
            wanted = one.get("q", "").removeprefix("rfc822msgid:")
            hits = [{"id": d, "message": {"id": m}} for d, m in self.drafts.items()
                    if not wanted or self._message_id(m) == wanted]  # fmt: skip
            size = int(one.get("maxResults", "100"))
            return _json(200, {"drafts": hits[:size]} if hits else {"resultSizeEstimate": 0})
        if rest.startswith("drafts/") and method == "GET":
            self._charge("drafts.get")
            draft = rest.split("/", 1)[1]
            if draft not in self.drafts:
                return _error(404, "notFound", "Requested entity was not found.")
            return _json(200, {"id": draft, "message": self.messages[self.drafts[draft]]})
        if rest == "drafts" and method == "POST":
            self._charge("drafts.create")
            return self._create_draft(json.loads(body))
        if rest == "drafts/send":
            self._charge("drafts.send")
            draft = json.loads(body)["id"]
            ident = self.drafts.pop(draft, None)
            if ident is None:
                return _error(404, "notFound", "Requested entity was not found.")
            self.messages[ident]["labelIds"] = ["SENT"]
            self.history_id += 1
            self.history.append((self.history_id, ident))
            return _json(200, {"id": ident, "threadId": self.messages[ident]["threadId"]})
        return _error(404, "notFound", f"no route {path}")

    def _message_id(self, ident: str) -> str:
        for header in self.messages[ident]["payload"]["headers"]:
            if header["name"].lower() == "message-id":
                return str(header["value"]).strip("<>")
        return ""

    def _list(self, one: dict[str, str]) -> Reply:
        q = one.get("q", "")
        if q.startswith("rfc822msgid:"):
            wanted, _, rest = q.removeprefix("rfc822msgid:").partition(" ")
            hits = [i for i in self.order if self._message_id(i) == wanted
                    and ("in:sent" not in rest or "SENT" in self.messages[i]["labelIds"])]  # fmt: skip
            return _json(
                200, {"messages": [{"id": i, "threadId": i} for i in hits]} if hits else {}
            )
        label = one.get("labelIds")
        ids = (
            [i for i in self.order if label in self.messages[i]["labelIds"]]
            if label
            else [
                i
                for i in self.order
                if not {"SPAM", "TRASH", "DRAFT"} & set(self.messages[i]["labelIds"])
            ]
        )
        return self._paged(ids, one, lambda i: {"id": i, "threadId": i}, "messages")

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
        return _json(200, out)

    def _history(self, one: dict[str, str]) -> Reply:
        start = int(one["startHistoryId"])
        if start < self.oldest_history:
            return _error(404, "notFound", "Requested entity was not found.")
        records = [(h, i) for h, i in self.history if h > start]
        shape = lambda r: {"id": str(r[0]), "messagesAdded": [{"message": {  # noqa: E731
            "id": r[1], "threadId": r[1], "labelIds": self.messages[r[1]]["labelIds"]}}]}  # fmt: skip
        return self._paged(records, one, shape, "history", {"historyId": str(self.history_id)})

    def _create_draft(self, body: dict[str, Any]) -> Reply:
        raw = base64.urlsafe_b64decode(body["message"]["raw"])
        mail = email.message_from_bytes(raw)
        headers = [{"name": k, "value": str(v)} for k, v in mail.items()]
        ident = f"{0x1A000000000 + len(self.messages) + 1:016x}"
        self._store(ident, headers, ["DRAFT"], BASE_TIME)
        draft = f"r-{len(self.drafts) + 1:08d}{ident}"
        self.drafts[draft] = ident
        return _json(
            200, {"id": draft, "message": {"id": ident, "threadId": ident, "labelIds": ["DRAFT"]}}
        )

    def _events(self, one: dict[str, str]) -> Reply:
        extra: dict[str, Any] = {"kind": "calendar#events", "timeZone": "UTC"}
        if "syncToken" in one:
            since = int(one["syncToken"].removeprefix("sync-"))
            if since > self.seq:
                return _error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                )
            ids = [i for i in self.events if self.event_seq[i] > since]
        else:
            low, high = one.get("timeMin", ""), one.get("timeMax", "9999")
            ids = [i for i, e in self.events.items()
                   if low <= _utc(e["start"]["dateTime"]) < high]  # fmt: skip
        reply = self._paged(ids, one, lambda i: self.events[i], "items", extra)
        data = json.loads(reply[2])
        if "nextPageToken" not in data:
            data["nextSyncToken"] = f"sync-{self.seq}"
        return _json(200, data)

    def _batch(self, body: bytes, content_type: str) -> Reply:
        message = BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        boundary = "batch_fake_boundary"
        chunks = []
        for part in cast(list[Message], message.get_payload()):
            cid = str(part["Content-ID"]).strip("<>")
            payload = str(part.get_payload(decode=False))
            line, _, _ = payload.partition("\n")
            verb, target, _ = line.strip().split(" ", 2)
            reply = self.handle(verb, target, b"", "", part=True)
            assert reply is not None
            status, headers, data = reply
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            chunks.append(
                f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-{cid}>\r\n\r\n"
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n{head}\r\n{data.decode()}\r\n"
            )
        out = "".join(chunks) + f"--{boundary}--\r\n"
        return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, out.encode()

    # --- server -----------------------------------------------------------------------------

    @classmethod
    def start(cls, **kwargs: Any) -> FakeGoogle:
        fake = cls(**kwargs)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        server.daemon_threads = True
        fake.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return fake

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset_counts(self) -> None:
        with self.lock:
            self.requests, self.units, self.faults = 0, 0, 0
            self.calls.clear()


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _handler(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with fake.lock:
                fake.requests += 1
            reply = fake.handle(self.command, self.path, body, self.headers.get("Content-Type", ""))
            if reply is None:  # an injected dropped connection
                self.close_connection = True
                self.connection.close()
                return
            status, headers, data = reply
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

    return Handler
