"""Approved drafts into Outlook: a reply draft in the original conversation or a new draft,
then `/send` in send mode.

Every message carries the outbox key in a single-value extended property, so "did it happen?"
is one filtered read: absent (never created), a draft in Drafts (created, not sent) or sent.
Graph documents setting an extended property in two requests only ("Create single-value
extended property"): the `POST /me/messages` that creates a new message, and a `PATCH` of an
existing one. createReply is not one of them, so a reply is created first (with its body, in the
conversation), its id handed to the outbox (`record`), then tagged, with the body and subject, by
one PATCH. A crash between the two leaves an untagged draft whose id the outbox holds: the next
run tags it instead of creating another. Creating or sending is never retried blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.microsoft.graph import Graph
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Recorder

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


def _key(key: str) -> list[dict[str, str]]:
    return [{"id": KEY_PROPERTY, "value": key}]


def _content(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "toRecipients": _recipients(message.to),
        "body": {"contentType": "text", "content": message.body},
    }


def create(graph: Graph, message: OutgoingMessage, record: Recorder | None = None) -> str:
    """One Outlook draft for `message`, in its thread when it replies; returns its immutable id."""
    original = _original(graph, message.in_reply_to) if message.in_reply_to else None
    if original is None:
        created = graph.post_json(
            "/me/messages",
            json={
                **_content(message),
                "subject": message.subject,
                "singleValueExtendedProperties": _key(message.key),
            },
            headers=IMMUTABLE,
            what="create a draft",
        )
        return str(created["id"])
    reply = graph.post_json(
        f"/me/messages/{original}/createReply",
        json={"message": _content(message)},
        headers=IMMUTABLE,
        what="create a reply draft",
    )
    draft_id = str(reply["id"])
    if record is not None:
        record(draft_id)
    _tag(graph, draft_id, message.key, {**_content(message), "subject": message.subject})
    return draft_id


def _tag(graph: Graph, draft_id: str, key: str, changes: dict[str, Any] | None = None) -> None:
    graph.send(
        "PATCH",
        f"/me/messages/{draft_id}",
        json={**(changes or {}), "singleValueExtendedProperties": _key(key)},
        headers=IMMUTABLE,
        what="tag the reply draft with its outbox key",
    )


def adopt(graph: Graph, draft_id: str, key: str) -> Found | None:
    """The reply draft the outbox recorded for `key` but that never got its tag (a crash between
    createReply and the PATCH): tagged now, if it is still an unsent draft in Drafts."""
    found = graph.lookup(
        f"/me/messages/{draft_id}",
        params={"$select": "id,isDraft,parentFolderId"},
        headers=IMMUTABLE,
        what="read a recorded reply draft",
    )
    if found is None or not found.get("isDraft"):
        return None
    draft = Found(str(found["id"]), True, str(found.get("parentFolderId") or ""))
    if not unsent(graph, draft):
        return None
    _tag(graph, draft.id, key)
    return draft


def send(graph: Graph, draft_id: str) -> None:
    graph.send("POST", f"/me/messages/{draft_id}/send", what="send a draft", headers=IMMUTABLE)
