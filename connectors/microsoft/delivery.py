"""Approved drafts into Outlook: a reply draft in the original conversation or a new draft,
then `/send` in send mode.

Every message carries the outbox key in a single-value extended property set in the very
request that creates it, so "did it happen?" is one filtered read: absent (never created), a
draft in Drafts (created, not sent) or sent. Creating or sending is never retried blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.microsoft.graph import Graph
from keepwarm.models import OutgoingMessage

#: A named MAPI string property in keepwarm's own property set (GUID chosen once, never reused).
KEY_PROPERTY = "String {8b0e5d3a-4c1f-4e5b-9a7d-2f6c1e0b9a43} Name keepwarmKey"
IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}


@dataclass(frozen=True, slots=True)
class Found:
    id: str
    is_draft: bool
    folder: str = ""


def _quote(value: str) -> str:
    return value.replace("'", "''")


def find(graph: Graph, key: str) -> Found | None:
    """The message created for `key`, preferring a sent copy over a draft."""
    flt = (
        f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' "
        f"and ep/value eq '{_quote(key)}')"
    )
    body = graph.get(
        "/me/messages",
        params={"$filter": flt, "$select": "id,isDraft,parentFolderId", "$top": "10"},
        headers=IMMUTABLE,
        what="look up a delivered draft",
    )
    found = [
        Found(str(m["id"]), bool(m.get("isDraft")), str(m.get("parentFolderId") or ""))
        for m in body.get("value") or ()
    ]
    found.sort(key=lambda f: f.is_draft)
    return found[0] if found else None


def unsent(graph: Graph, found: Found) -> bool:
    """A draft that still sits in Drafts was never sent. One already handed to `/send` is still
    a draft for a moment, but in the Outbox: that one counts as sent, so it is never sent twice."""
    if not found.is_draft:
        return False
    drafts = graph.get(
        "/me/mailFolders/drafts",
        params={"$select": "id"},
        headers=IMMUTABLE,
        what="find the Drafts folder",
    )
    return not found.folder or found.folder == drafts.get("id")


def _recipients(addresses: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": a}} for a in addresses]


def _original(graph: Graph, message_id: str) -> str | None:
    body = graph.get(
        "/me/messages",
        params={
            "$filter": f"internetMessageId eq '<{_quote(message_id)}>'",
            "$select": "id",
            "$top": "1",
        },
        headers=IMMUTABLE,
        what="find the message to reply to",
    )
    values = body.get("value") or ()
    return str(values[0]["id"]) if values else None


def create(graph: Graph, message: OutgoingMessage) -> str:
    """One Outlook draft for `message`, in its thread when it replies; returns its immutable id."""
    tagged: dict[str, Any] = {
        "toRecipients": _recipients(message.to),
        "body": {"contentType": "text", "content": message.body},
        "singleValueExtendedProperties": [{"id": KEY_PROPERTY, "value": message.key}],
    }
    original = _original(graph, message.in_reply_to) if message.in_reply_to else None
    if original is not None:
        created = graph.post_json(
            f"/me/messages/{original}/createReply",
            json={"message": tagged},
            headers=IMMUTABLE,
            what="create a reply draft",
        )
    else:
        created = graph.post_json(
            "/me/messages",
            json={**tagged, "subject": message.subject},
            headers=IMMUTABLE,
            what="create a draft",
        )
    return str(created["id"])


def send(graph: Graph, draft_id: str) -> None:
    graph.send("POST", f"/me/messages/{draft_id}/send", what="send a draft", headers=IMMUTABLE)
