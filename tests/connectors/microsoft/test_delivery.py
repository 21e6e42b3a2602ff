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
from keepwarm.store.tables import Account, Draft, Person
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
    """A reply goes through createReply in the thread; a new draft is POSTed, then sent once."""
    seen: list[httpx.Request] = []
    c = connector(graph(http=httpx.Client(event_hooks={"request": [seen.append]})))
    with cassette("delivery.yaml") as cass:
        reply = c.deliver(REPLY, send=False)
        assert cass.play_count == 3
        sent = c.deliver(NEW, send=True)
        assert cass.play_count == 6
    assert reply == Receipt("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD1=")
    assert sent == Receipt("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AAD2=", sent=True)
    create_reply, create = (
        r for r in seen if r.method == "POST" and not r.url.path.endswith("/send")
    )
    tagged = json.loads(create_reply.content)["message"]
    assert tagged["singleValueExtendedProperties"] == [
        {"id": KEY_PROPERTY, "value": "thanks:grace"}
    ]
    assert tagged["toRecipients"] == [
        {"emailAddress": {"address": "grace.hopper@navylabs.example"}}
    ]
    assert json.loads(create.content)["subject"] == "Hello from Ada"
    assert all(r.headers["prefer"] == 'IdType="ImmutableId"' for r in seen)


def _fake() -> FakeGraph:
    fake = FakeGraph(root=ROOT)
    fake.add_message("inbox", message(1))
    return fake


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
    """Walk every request of a delivery; crash after it; rerun: one Outlook draft, at most one send."""
    clean = _fake()
    _run(_workspace(tmp_path / "clean", mode), clean, monkeypatch, crash_at=0)
    steps = len(clean.log)
    assert steps == (4 if mode == "send" else 3)  # find key, find original, createReply (+ send)
    for crash_at in range(1, steps + 1):
        fake, ws = _fake(), _workspace(tmp_path / f"crash{crash_at}", mode)
        with pytest.raises(Crash):
            _run(ws, fake, monkeypatch, crash_at)
        _run(ws, fake, monkeypatch, crash_at=0)
        _run(ws, fake, monkeypatch, crash_at=0)  # a third run changes nothing either
        with ws.session() as s:
            draft = s.query(Draft).one()
            state, error = draft.state, draft.error
        assert len(fake.messages) <= 1, crash_at
        assert len(fake.sent) <= 1, crash_at
        if state == DraftState.DELIVERED.value:
            assert len(fake.messages) == 1 and len(fake.sent) == int(mode == "send"), crash_at
        else:  # only a send whose draft never existed is given up, and then nothing was sent
            assert mode == "send" and state == DraftState.FAILED.value and not fake.messages, (
                crash_at
            )
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
