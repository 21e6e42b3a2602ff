"""Delivery into Outlook: createReply / create draft / send, and exactly-once across crashes."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.microsoft.delivery import KEY_PROPERTY
from fakes.graph import FakeGraph
from keepwarm.models import DraftState, OutgoingMessage
from keepwarm.ports import Connector, Receipt
from keepwarm.services import deliver as deliver_service
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import Settings
from keepwarm.store.tables import Account, Delivery, Draft, Person
from tests.connectors.microsoft.support import ROOT, connector, graph, in_process, message

Cassette = Callable[[str], AbstractContextManager[Any]]
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
REPLY = OutgoingMessage(
    key="thanks:grace",
    from_address="ada@analytical.example",
    from_name="Ada Lovelace",
    to=("grace.hopper@navylabs.example",),
    subject="Thanks",
    body="Lovely to meet you.",
    in_reply_to="CAB1x9=qW@mail.navylabs.example",
)
NEW = OutgoingMessage(
    key="hello:alan",
    from_address="ada@analytical.example",
    from_name="Ada Lovelace",
    to=("alan@bletchley.example",),
    subject="Hello from Ada",
    body="Shall we talk engines?",
)


def test_connector_satisfies_the_protocol() -> None:
    """MicrosoftConnector is a keepwarm Connector."""
    assert isinstance(connector(graph()), Connector)


def test_reply_draft_then_new_draft_and_send(cassette: Cassette) -> None:
    """A reply goes through createReply in the thread and gets its key by PATCH (the documented
    way for an existing message), its id recorded in between; a new draft is POSTed with its
    key, then sent once."""
    seen: list[httpx.Request] = []
    recorded: list[str] = []
    c = connector(graph(http=httpx.Client(event_hooks={"request": [seen.append]})))
    with cassette("delivery.yaml") as cass:
        reply = c.deliver(REPLY, send=False, record=recorded.append)
        assert cass.play_count == 4
        sent = c.deliver(NEW, send=True)
        assert cass.play_count == 7
    assert reply == Receipt("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD1=")
    assert recorded == ["AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD1="]
    assert sent == Receipt("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD2=", sent=True)
    create_reply, create = (
        r for r in seen if r.method == "POST" and not r.url.path.endswith("/send")
    )
    reply_body = json.loads(create_reply.content)["message"]
    assert "singleValueExtendedProperties" not in reply_body
    assert reply_body["toRecipients"] == [
        {"emailAddress": {"address": "grace.hopper@navylabs.example"}}
    ]
    (patch,) = (r for r in seen if r.method == "PATCH")
    assert patch.url.path.endswith("/messages/AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD1=")
    tagged = json.loads(patch.content)
    assert tagged["singleValueExtendedProperties"] == [
        {"id": KEY_PROPERTY, "value": "thanks:grace"}
    ]
    assert tagged["body"] == {"contentType": "text", "content": REPLY.body}
    assert tagged["subject"] == REPLY.subject
    assert json.loads(create.content)["singleValueExtendedProperties"] == [
        {"id": KEY_PROPERTY, "value": "hello:alan"}
    ]
    assert json.loads(create.content)["subject"] == "Hello from Ada"
    assert all(r.headers["prefer"] == 'IdType="ImmutableId"' for r in seen)


def _fake() -> FakeGraph:
    """A mailbox holding the message REPLY answers."""
    fake = FakeGraph(root=ROOT)
    fake.add_message("inbox", {**message(1), "internetMessageId": f"<{REPLY.in_reply_to}>"})
    return fake


def _tagged(fake: FakeGraph, key: str) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages.values()
        if any(p.get("value") == key for p in m.get("singleValueExtendedProperties", ()))
    ]


@pytest.mark.parametrize("send", [False, True])
def test_redelivering_a_key_reuses_the_first_draft(send: bool) -> None:
    """A second deliver of the same key creates nothing and sends nothing more."""
    fake = _fake()
    c = connector(graph(http=in_process(fake)))
    first = c.deliver(NEW, send=send)
    assert c.deliver(NEW, send=send) == first
    assert len(fake.messages) == 1 and len(fake.sent) == int(send)


class Crash(BaseException):
    """The process dies: the provider did the work but keepwarm never saw the answer."""


def _workspace(tmp_path: Path, mode: str) -> Workspace:
    settings = Settings(
        owner={"name": "Ada Lovelace", "addresses": ["ada@analytical.example"]},  # type: ignore[arg-type]
        accounts=[{"name": "office", "kind": "microsoft", "mode": mode, "token_command": "unused"}],  # type: ignore[list-item]
        state_dir=tmp_path / "state",
        database_url=f"sqlite:///{tmp_path / 'kw.db'}",
        as_of=NOW,
    )
    ws = open_workspace(settings)
    with ws.session() as s:
        account = Account(name="office", kind="microsoft", created_at=NOW)
        person = Person(key="grace", name="Grace", classification="peer", stage="seeded",
                        first_seen=NOW, last_seen=NOW, updated_at=NOW)  # fmt: skip
        s.add_all([account, person])
        s.flush()
        s.add(Draft(key=REPLY.key, rule="thank-you", person_id=person.id, account_id=account.id,
                    to=list(REPLY.to), subject=REPLY.subject, body=REPLY.body,
                    state=DraftState.APPROVED.value, in_reply_to=REPLY.in_reply_to,
                    due_at=NOW, created_at=NOW, updated_at=NOW))  # fmt: skip
    return ws


def _run(ws: Workspace, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch, crash_at: int) -> None:
    calls = {"n": 0}

    def crash(request: httpx.Request) -> None:
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise Crash

    c = connector(graph(http=in_process(fake, crash=crash)))
    monkeypatch.setattr(deliver_service, "build_connector", lambda *a, **k: c)
    deliver_service.deliver(ws)


@pytest.mark.parametrize("mode", ["draft", "send"])
def test_a_crash_at_any_point_never_delivers_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Walk every request of a reply's delivery; crash after it; rerun: one keyed Outlook draft
    in the conversation, at most one send.

    The fake, like Graph, ignores an extended property sent with createReply: the key arrives by
    PATCH, and a crash between the two is settled by the draft id the outbox recorded. Only a
    crash in the instant between createReply's answer and that record leaves an extra, untagged
    reply draft behind (never sent)."""
    clean = _fake()
    _run(_workspace(tmp_path / "clean", mode), clean, monkeypatch, crash_at=0)
    steps = len(clean.log)
    # find key, find original, createReply, PATCH key + body (+ send)
    assert steps == (5 if mode == "send" else 4)
    assert len(_tagged(clean, REPLY.key)) == 1 and len(clean.messages) == 1
    for crash_at in range(1, steps + 1):
        fake, ws = _fake(), _workspace(tmp_path / f"crash{crash_at}", mode)
        with pytest.raises(Crash):
            _run(ws, fake, monkeypatch, crash_at)
        _run(ws, fake, monkeypatch, crash_at=0)
        _run(ws, fake, monkeypatch, crash_at=0)  # a third run changes nothing either
        with ws.session() as s:
            draft = s.query(Draft).one()
            state, error = draft.state, draft.error
        tagged = _tagged(fake, REPLY.key)
        assert len(tagged) <= 1, crash_at
        assert len(fake.sent) <= 1, crash_at
        assert len(fake.messages) <= (2 if crash_at == 3 else 1), crash_at
        if state == DraftState.DELIVERED.value:
            assert len(tagged) == 1 and len(fake.sent) == int(mode == "send"), crash_at
            assert tagged[0]["body"]["content"] == REPLY.body
            assert tagged[0]["conversationId"] == message(1)["conversationId"]
            assert fake.sent in ([], [tagged[0]["id"]])
        else:  # only a send whose draft id never reached the outbox is given up, unsent
            assert mode == "send" and state == DraftState.FAILED.value and not fake.sent, crash_at
            assert crash_at <= 3 and not tagged, crash_at
            assert "Sent folder" in (error or "")


def test_a_draft_already_in_the_outbox_is_never_sent_again() -> None:
    """/send accepted but not finished (still a draft, in the Outbox): counts as sent, no 2nd send."""
    fake = _fake()
    c = connector(graph(http=in_process(fake)), send_mode=True)
    created = c.deliver(NEW, send=False)
    fake.messages[created.provider_ref]["parentFolderId"] = "outbox-folder"
    assert c.find_delivered(NEW.key) == Receipt(created.provider_ref, sent=True)
    assert c.deliver(NEW, send=True) == Receipt(created.provider_ref, sent=True)
    assert fake.sent == []
    fake.messages[created.provider_ref]["parentFolderId"] = "drafts-folder"
    assert c.find_delivered(NEW.key) == Receipt(created.provider_ref, sent=False)


@pytest.mark.parametrize("mode", ["draft", "send"])
def test_a_recorded_reply_that_never_got_its_key_is_tagged_not_created_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The process dies after createReply, with the draft id recorded but before the PATCH
    reached Graph: the next run finds no keyed message, tags the recorded draft (still in
    Drafts, so never sent) and delivers that one; no second reply draft."""
    fake, ws = _fake(), _workspace(tmp_path, mode)
    answer = in_process(fake)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            raise Crash
        return answer.send(request)

    c = connector(graph(http=httpx.Client(transport=httpx.MockTransport(handler))))
    monkeypatch.setattr(deliver_service, "build_connector", lambda *a, **k: c)
    with pytest.raises(Crash):
        deliver_service.deliver(ws)
    (reply_id,) = fake.messages
    assert _tagged(fake, REPLY.key) == []
    with ws.session() as s:
        assert s.query(Delivery).one().provider_ref == reply_id
    _run(ws, fake, monkeypatch, crash_at=0)
    with ws.session() as s:
        state = s.query(Draft).one().state
    assert state == DraftState.DELIVERED.value
    assert list(fake.messages) == [reply_id] and len(_tagged(fake, REPLY.key)) == 1
    assert fake.sent == ([reply_id] if mode == "send" else [])
