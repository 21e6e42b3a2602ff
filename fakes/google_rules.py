"""What the real Gmail API does, as `fakes.google` needs it: error bodies, search, threading.

Each rule names its source: the Gmail discovery document shipped in google-api-python-client
(`googleapiclient/discovery_cache/documents/gmail.v1.json`), Google's "Resolve errors" and
usage-limits pages, and recorded traffic. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from typing import Any, cast

Reply = tuple[int, dict[str, str], bytes]
Headers = list[dict[str, str]]


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    out = {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
    return status, out, json.dumps(data).encode()


def error(status: int, reason: str, message: str, *, api_status: str = "") -> Reply:
    """Google's JSON error body: `error.code`, `error.message`, `error.errors[].reason`."""
    body: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}],
    }
    if api_status:
        body["status"] = api_status
    return json_reply(status, {"error": body})


def rate_limited(now: datetime, wait: timedelta) -> Reply:
    """A per-user 429 as Gmail sends it: no Retry-After header, the time to retry at is only in
    the message ("User-rate limit exceeded.  Retry after 2018-04-27T17:20:36.724Z", as reported
    in public issue trackers), reason `rateLimitExceeded`, status RESOURCE_EXHAUSTED."""
    at = (now + wait).strftime("%Y-%m-%dT%H:%M:%S.") + f"{(now + wait).microsecond // 1000:03d}Z"
    message = f"User-rate limit exceeded.  Retry after {at}"
    return error(429, "rateLimitExceeded", message, api_status="RESOURCE_EXHAUSTED")


def insufficient_scope() -> Reply:
    """A method the grant's scopes do not cover (e.g. settings.sendAs.list, whose scopes are
    mail.google.com, gmail.modify, gmail.readonly and gmail.settings.basic: not gmail.metadata
    nor gmail.compose)."""
    return error(
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
        api_status="PERMISSION_DENIED",
    )


def metadata_refuses(method: str, query: Mapping[str, str]) -> str | None:
    """Why a gmail.metadata grant refuses this call, if it does (discovery document: `q`
    "cannot be used when accessing the api using the gmail.metadata scope"; formats `full` and
    `raw` likewise)."""
    if "q" in query:
        return "Metadata scope does not support 'q' parameter"
    if method.endswith(".get") and query.get("format", "full") in ("full", "raw"):
        return f"Metadata scope doesn't allow format {query.get('format', 'full').upper()}"
    return None


# --- headers -------------------------------------------------------------------------------


def header(headers: Headers, name: str) -> str:
    wanted = name.lower()
    for entry in headers:
        if entry["name"].lower() == wanted:
            return entry["value"]
    return ""


def replace_header(headers: Headers, name: str, value: str) -> Headers:
    wanted = name.lower()
    kept = [h for h in headers if h["name"].lower() != wanted]
    return [*kept, {"name": name, "value": value}]


def bare_id(value: str) -> str:
    return value.strip().strip("<>")


def gmail_message_id(number: int) -> str:
    """A Message-ID in the style Gmail writes its own (recorded drafts carry
    `<CAPvkvP79…@mail.gmail.com>`)."""
    return f"<CAfake{number:012d}kw@mail.gmail.com>"


# --- threads -------------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", re.IGNORECASE)


def base_subject(subject: str) -> str:
    return " ".join(_PREFIX.sub("", subject).split()).lower()


def joins_thread(new: Headers, thread: Iterable[Headers]) -> bool:
    """The discovery document's rule (Message.threadId): a draft joins the requested thread only
    if References and In-Reply-To are set and the Subject headers match."""
    if not (header(new, "In-Reply-To") and header(new, "References")):
        return False
    subject = base_subject(header(new, "Subject"))
    return any(base_subject(header(old, "Subject")) == subject for old in thread)


# --- search --------------------------------------------------------------------------------

Labels = list[str]
Test = Callable[[Headers, Labels], bool]


class BadQuery(ValueError):
    """A search the fake does not understand: answered 400 rather than guessed."""


def search(query: str) -> Test:
    """A matcher for the Gmail search terms keepwarm uses: `rfc822msgid:ID` (the exact
    Message-ID, brackets optional), `in:sent`, `-category:NAME`. Anything else is refused."""
    tests: list[Test] = []
    for term in query.split():
        if term.startswith("rfc822msgid:"):
            wanted = bare_id(term.removeprefix("rfc822msgid:"))
            tests.append(lambda h, _, w=wanted: bare_id(header(h, "Message-ID")) == w)  # type: ignore[misc]
        elif term == "in:sent":
            tests.append(lambda _, labels: "SENT" in labels)
        elif term.startswith("-category:"):
            label = "CATEGORY_" + term.removeprefix("-category:").upper()
            tests.append(lambda _, labels, x=label: x not in labels)  # type: ignore[misc]
        else:
            raise BadQuery(term)
    return lambda headers, labels: all(test(headers, labels) for test in tests)


# --- batch ---------------------------------------------------------------------------------


def split_batch(body: bytes, content_type: str) -> list[tuple[str, str, str]]:
    """(Content-ID, method, target) of every part of a `multipart/mixed` batch request."""
    message = BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = []
    for part in cast(list[Message], message.get_payload()):
        line, _, _ = str(part.get_payload(decode=False)).partition("\n")
        verb, target, _ = line.strip().split(" ", 2)
        parts.append((str(part["Content-ID"]).strip("<>"), verb, target))
    return parts


def join_batch(replies: list[tuple[str, Reply]]) -> Reply:
    """The batch response; parts carry `Content-ID: <response-ID>` as the client expects."""
    boundary = "batch_fake_boundary"
    chunks = []
    for cid, (status, headers, data) in replies:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-{cid}>\r\n\r\n"
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n{head}\r\n{data.decode()}\r\n"
        )
    out = "".join(chunks) + f"--{boundary}--\r\n"
    return 200, {"Content-Type": f"multipart/mixed; boundary={boundary}"}, out.encode()
