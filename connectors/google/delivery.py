"""Delivery into Gmail: a draft (`drafts.create`, in the original thread) or a send (`drafts.send`).

Joining a thread: Gmail puts a draft in a thread only when the request names the `threadId`,
In-Reply-To and References are set per RFC 2822, and the Subject matches (the discovery
document, `Message.threadId`). The thread id is the stored one of the message replied to; with
search allowed and none stored, it is looked up by `rfc822msgid:`.

Finding a delivery again: every message carries `X-Keepwarm-Draft: <key>` and a Message-ID
derived from the key, but Gmail may replace that Message-ID when it sends, and a sent draft no
longer exists as a draft. So the ids `drafts.create` returns (draft, message, thread) are handed
to the outbox before anything is sent (`record`), and an unknown outcome is settled by those ids
first: the draft still there (unsent), else our message SENT in that thread. Searches and scans
are the fallback, and no hit counts unless it carries our header. Writes are never retried
automatically, and an existing draft is reused rather than created twice.
"""

from __future__ import annotations

import base64
import hashlib
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from connectors.google.client import GoogleClient
from connectors.google.quota import GMAIL_COSTS
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Receipt, Recorder

HEADER = "X-Keepwarm-Draft"
#: Drafts and sent messages examined when the grant forbids search (`gmail.metadata`).
SCAN = 100
_MINE = [HEADER]


def _header(payload: dict[str, Any], name: str) -> str:
    for header in payload.get("headers") or []:
        if str(header.get("name", "")).lower() == name:
            return str(header.get("value", ""))
    return ""


def _ours(message: dict[str, Any] | None, key: str) -> bool:
    """Whether a message resource is the delivery of `key`: by our header, nothing else (a
    Message-ID can be rewritten by Gmail, a search can match something else)."""
    payload = (message or {}).get("payload") or {}
    return _header(payload, HEADER.lower()) == key


def _sent(message: dict[str, Any]) -> bool:
    return "SENT" in (message.get("labelIds") or [])


def message_id_for(key: str) -> str:
    """The Message-ID (without brackets) keepwarm gives the delivery of draft `key`."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"keepwarm.{digest}@keepwarm.invalid"


def recorded_ref(draft: str, message: str, thread: str) -> str:
    """What the outbox keeps about a created draft: `draft:<id> message:<id> thread:<id>`."""
    return " ".join(f"{k}:{v}" for k, v in (("draft", draft), ("message", message),
                                            ("thread", thread)) if v)  # fmt: skip


def parse_ref(value: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in (value or "").split():
        name, _, ident = part.partition(":")
        if name in ("draft", "message", "thread") and ident:
            found[name] = ident
    return found


def render(message: OutgoingMessage) -> bytes:
    mail = EmailMessage()
    mail["From"] = formataddr((message.from_name, message.from_address))
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail["Message-ID"] = f"<{message_id_for(message.key)}>"
    mail[HEADER] = message.key
    if message.in_reply_to:
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
        refs = list(message.references) or [message.in_reply_to]
        mail["References"] = " ".join(f"<{r}>" for r in refs)
    mail.set_content(message.body)
    return mail.as_bytes()


class GmailDelivery:
    def __init__(self, client: GoogleClient, *, search_filters: bool) -> None:
        self.client = client
        self.search_filters = search_filters

    @property
    def _users(self) -> Any:
        return self.client.gmail.users()

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        draft_id = self._find_draft(message.key)
        if draft_id is None:
            body: dict[str, Any] = {
                "raw": base64.urlsafe_b64encode(render(message)).decode("ascii")
            }
            thread = message.thread_id
            if thread is None and message.in_reply_to:
                thread = self._thread_of(message.in_reply_to)
            if thread and message.in_reply_to:
                body["threadId"] = thread
            created = self.client.call(
                self._users.drafts().create(userId="me", body={"message": body}).execute,
                doing="creating a Gmail draft",
                cost=GMAIL_COSTS["drafts.create"],
                retry=False,
            )
            draft_id = str(created["id"])
            made = created.get("message") or {}
            if record is not None:
                record(
                    recorded_ref(draft_id, str(made.get("id", "")), str(made.get("threadId", "")))
                )
        if not send:
            return Receipt(provider_ref=f"draft:{draft_id}")
        sent = self.client.call(
            self._users.drafts().send(userId="me", body={"id": draft_id}).execute,
            doing="sending a Gmail draft",
            cost=GMAIL_COSTS["drafts.send"],
            retry=False,
        )
        return Receipt(provider_ref=f"message:{sent['id']}", sent=True)

    def find(self, key: str, recorded: str | None = None) -> Receipt | None:
        """Where the delivery of `key` ended up: a draft still waiting, or a sent message."""
        ids = parse_ref(recorded)
        found = self._by_recorded_ids(key, ids) if ids else None
        if found is not None:
            return found
        draft_id = self._find_draft(key)
        if draft_id is not None:
            return Receipt(provider_ref=f"draft:{draft_id}")
        return self._find_sent(key)

    def _by_recorded_ids(self, key: str, ids: dict[str, str]) -> Receipt | None:
        """The draft, else our sent message by its id, else by its thread (a sent message may
        have a new id and a new Message-ID, but stays in the draft's thread)."""
        if "draft" in ids:
            draft = self._get("drafts", ids["draft"], "reading a recorded Gmail draft")
            if draft is not None and _ours(draft.get("message"), key):
                return Receipt(provider_ref=f"draft:{ids['draft']}")
        if "message" in ids:
            message = self._get("messages", ids["message"], "reading a recorded Gmail message")
            if message is not None and _ours(message, key) and _sent(message):
                return Receipt(provider_ref=f"message:{message['id']}", sent=True)
        if "thread" in ids:
            thread = self._get("threads", ids["thread"], "reading the thread of a recorded draft")
            for message in (thread or {}).get("messages") or []:
                if _ours(message, key) and _sent(message):
                    return Receipt(provider_ref=f"message:{message['id']}", sent=True)
        return None

    def _get(self, kind: str, ident: str, doing: str) -> dict[str, Any] | None:
        """One draft, message or thread with its headers (format=metadata: allowed with
        gmail.metadata; drafts.get takes no metadataHeaders and returns them all)."""
        params: dict[str, Any] = {"userId": "me", "id": ident, "format": "metadata"}
        if kind != "drafts":
            params["metadataHeaders"] = _MINE
        found: dict[str, Any] | None = self.client.find(
            getattr(self._users, kind)().get(**params).execute,
            doing=doing,
            cost=GMAIL_COSTS[f"{kind}.get"],
        )
        return found

    def _find_sent(self, key: str) -> Receipt | None:
        """A sent message with our header: by our Message-ID (if Gmail kept it), else among
        the newest sent messages when search is not allowed."""
        if self.search_filters:
            query = f"rfc822msgid:{message_id_for(key)} in:sent"
            candidates = self._listed("messages", query, maxResults=1)
        else:
            candidates = self._listed("messages", None, labelIds=["SENT"], maxResults=SCAN)
        for entry in candidates:
            message = self._get("messages", str(entry["id"]), "reading a sent message's headers")
            if message is not None and _ours(message, key):
                return Receipt(provider_ref=f"message:{entry['id']}", sent=True)
        return None

    def _find_draft(self, key: str) -> str | None:
        """An unsent draft with our header: by our Message-ID with search, else among the
        newest drafts."""
        if self.search_filters:
            entries = self._listed("drafts", f"rfc822msgid:{message_id_for(key)}", maxResults=1)
        else:
            entries = self._listed("drafts", None, maxResults=SCAN)
        for entry in entries:
            draft = self._get("drafts", str(entry["id"]), "reading a draft's headers")
            if draft is not None and _ours(draft.get("message"), key):
                return str(entry["id"])
        return None

    def _listed(self, kind: str, query: str | None, **params: Any) -> list[dict[str, Any]]:
        if query is not None:
            params["q"] = query
        found = self.client.call(
            getattr(self._users, kind)().list(userId="me", **params).execute,
            doing=f"looking for a keepwarm {kind[:-1]}",
            cost=GMAIL_COSTS[f"{kind}.list"],
        )
        return list(found.get(kind) or [])

    def _thread_of(self, message_id: str) -> str | None:
        """The Gmail thread of the message we reply to, when none is stored (needs search)."""
        if not self.search_filters:
            return None
        found = self._listed("messages", f"rfc822msgid:{message_id}", maxResults=1)
        return str(found[0]["threadId"]) if found else None
