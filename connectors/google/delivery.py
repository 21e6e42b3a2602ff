"""Delivery into Gmail: a draft (`drafts.create`, in the original thread) or a send (`drafts.send`).

Every message carries `X-Keepwarm-Draft: <key>` and a Message-ID derived from the key, so an
attempt whose outcome is unknown can be found again: as a draft while unsent, in the mailbox
once sent (a sent draft no longer exists as a draft). Writes are never retried automatically,
and an existing draft is reused rather than created twice.
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
from keepwarm.ports import Receipt

HEADER = "X-Keepwarm-Draft"
#: Drafts and sent messages examined when the grant forbids search (`gmail.metadata`).
SCAN = 100


def _header(payload: dict[str, Any], name: str) -> str:
    for header in payload.get("headers") or []:
        if str(header.get("name", "")).lower() == name:
            return str(header.get("value", ""))
    return ""


def _ours(payload: dict[str, Any], key: str) -> bool:
    """Whether a message is the delivery of `key`: by our header, or by our Message-ID."""
    if _header(payload, HEADER.lower()) == key:
        return True
    return _header(payload, "message-id").strip("<>") == message_id_for(key)


def message_id_for(key: str) -> str:
    """The stable Message-ID (without brackets) of the delivery of draft `key`."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"keepwarm.{digest}@keepwarm.invalid"


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

    def deliver(self, message: OutgoingMessage, *, send: bool) -> Receipt:
        draft_id = self._find_draft(message.key)
        if draft_id is None:
            body: dict[str, Any] = {
                "raw": base64.urlsafe_b64encode(render(message)).decode("ascii")
            }
            thread = message.thread_id if message.in_reply_to else None
            if message.in_reply_to and not thread:
                thread = self._thread_of(message.in_reply_to)
            if thread:
                body["threadId"] = thread
            created = self.client.call(
                self._users.drafts().create(userId="me", body={"message": body}).execute,
                doing="creating a Gmail draft",
                cost=GMAIL_COSTS["drafts.create"],
                retry=False,
            )
            draft_id = str(created["id"])
        if not send:
            return Receipt(provider_ref=f"draft:{draft_id}")
        sent = self.client.call(
            self._users.drafts().send(userId="me", body={"id": draft_id}).execute,
            doing="sending a Gmail draft",
            cost=GMAIL_COSTS["drafts.send"],
            retry=False,
        )
        return Receipt(provider_ref=f"message:{sent['id']}", sent=True)

    def find(self, key: str) -> Receipt | None:
        """Where the delivery of `key` ended up: a draft still waiting, or a sent message."""
        draft_id = self._find_draft(key)
        if draft_id is not None:
            return Receipt(provider_ref=f"draft:{draft_id}")
        wanted = message_id_for(key)
        if self.search_filters:
            found = self.client.call(
                self._users.messages()
                .list(userId="me", q=f"rfc822msgid:{wanted} in:sent", maxResults=1)
                .execute,
                doing="looking for a sent keepwarm message",
                cost=GMAIL_COSTS["messages.list"],
            )
            messages = found.get("messages") or []
            if messages:
                return Receipt(provider_ref=f"message:{messages[0]['id']}", sent=True)
            return None
        # gmail.metadata forbids `q`: compare the Message-ID of the newest sent messages.
        found = self.client.call(
            self._users.messages().list(userId="me", labelIds=["SENT"], maxResults=SCAN).execute,
            doing="looking for a sent keepwarm message",
            cost=GMAIL_COSTS["messages.list"],
        )
        for entry in found.get("messages") or []:
            resource = self.client.call(
                self._users.messages()
                .get(
                    userId="me",
                    id=str(entry["id"]),
                    format="metadata",
                    metadataHeaders=["Message-ID", HEADER],
                )
                .execute,
                doing="reading a sent message's headers",
                cost=GMAIL_COSTS["messages.get"],
            )
            if _ours(resource.get("payload") or {}, key):
                return Receipt(provider_ref=f"message:{entry['id']}", sent=True)
        return None

    def _find_draft(self, key: str) -> str | None:
        wanted = message_id_for(key)
        if self.search_filters:
            found = self.client.call(
                self._users.drafts()
                .list(userId="me", q=f"rfc822msgid:{wanted}", maxResults=1)
                .execute,
                doing="looking for an existing keepwarm draft",
                cost=GMAIL_COSTS["drafts.list"],
            )
            drafts = found.get("drafts") or []
            return str(drafts[0]["id"]) if drafts else None
        found = self.client.call(
            self._users.drafts().list(userId="me", maxResults=SCAN).execute,
            doing="looking for an existing keepwarm draft",
            cost=GMAIL_COSTS["drafts.list"],
        )
        for entry in found.get("drafts") or []:
            draft = self.client.call(
                self._users.drafts().get(userId="me", id=entry["id"], format="metadata").execute,
                doing="reading a draft's Message-ID",
                cost=GMAIL_COSTS["drafts.get"],
            )
            if _ours((draft.get("message") or {}).get("payload") or {}, key):
                return str(entry["id"])
        return None

    def _thread_of(self, message_id: str) -> str | None:
        """The Gmail thread of the message we reply to (needs search; else Gmail threads by
        In-Reply-To/References alone)."""
        if not self.search_filters:
            return None
        found = self.client.call(
            self._users.messages()
            .list(userId="me", q=f"rfc822msgid:{message_id}", maxResults=1)
            .execute,
            doing="finding the thread to reply in",
            cost=GMAIL_COSTS["messages.list"],
        )
        messages = found.get("messages") or []
        return str(messages[0]["threadId"]) if messages else None
