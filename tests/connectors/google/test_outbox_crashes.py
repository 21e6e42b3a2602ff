"""Delivery through the outbox into the loopback fake Gmail, crashed at every point.

Whatever the crash point, running `deliver` again never makes a second Gmail draft or send:
the open outbox attempt is reconciled by looking our Message-ID up first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fakes.google import FakeGoogle
from keepwarm.models import DraftState, Owner
from keepwarm.services import deliver as deliver_service
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import GoogleAccount, Settings
from keepwarm.store.tables import Account, Draft, Person

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


class Crash(BaseException):
    """A process dying: not an error any code path handles."""


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle.start()
    yield server
    server.stop()


def _workspace(tmp_path: Path, fake: FakeGoogle, mode: str, search: bool = True) -> Workspace:
    settings = Settings(
        owner=Owner(name="Ada Lovelace", addresses=["owner@fake.example"]),
        accounts=[
            GoogleAccount(
                name="work",
                kind="google",
                mode=mode,  # type: ignore[arg-type]
                api_endpoint=fake.url,
                token_command="echo fake-access-token",
                calendars=[],
                search_filters=search,
            )
        ],
        state_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'keepwarm.db'}",
        as_of=NOW,
    )
    ws = open_workspace(settings)
    with ws.session() as session:
        account = Account(name="work", kind="google", created_at=NOW)
        person = Person(
            key="grace", name="Grace", classification="peer", first_seen=NOW, last_seen=NOW,
            updated_at=NOW,
        )  # fmt: skip
        session.add_all([account, person])
        session.flush()
        session.add(
            Draft(
                key="thank-you:grace:1",
                rule="thank-you",
                person_id=person.id,
                account_id=account.id,
                to=["grace@navylabs.example"],
                subject="Thanks",
                body="Thank you, Grace.",
                state=DraftState.APPROVED.value,
                due_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return ws


def _crash_on(monkeypatch: pytest.MonkeyPatch, *, path: str, before: bool) -> None:
    """Make the next request to `path` crash the process before or after the server saw it."""
    build = deliver_service.build_connector

    def building(*args: Any, **kwargs: Any) -> Any:
        connector = build(*args, **kwargs)
        http = connector.client.http
        original = http.request

        def request(uri: str, method: str = "GET", *a: Any, **kw: Any) -> Any:
            hit = method == "POST" and uri.split("?")[0].endswith(path)
            if hit and before:
                raise Crash(path)
            answer = original(uri, method, *a, **kw)
            if hit:
                raise Crash(path)
            return answer

        http.request = request
        return connector

    monkeypatch.setattr(deliver_service, "build_connector", building)


def _crash_in_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crash after the provider answered, before the outcome is committed."""

    def finish(*args: Any, **kwargs: Any) -> None:
        raise Crash("finish")

    monkeypatch.setattr(deliver_service, "_finish", finish)


CRASHES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "before drafts.create": lambda mp: _crash_on(mp, path="/drafts", before=True),
    "after drafts.create": lambda mp: _crash_on(mp, path="/drafts", before=False),
    "before drafts.send": lambda mp: _crash_on(mp, path="/drafts/send", before=True),
    "after drafts.send": lambda mp: _crash_on(mp, path="/drafts/send", before=False),
    "before the outcome is recorded": _crash_in_finish,
}


def _outcome(ws: Workspace) -> str:
    with ws.session() as session:
        draft = session.query(Draft).one()
        return draft.state


WALK = [("draft", c) for c in CRASHES if "send" not in c] + [("send", c) for c in CRASHES]


@pytest.mark.parametrize(("mode", "crash"), WALK)
def test_a_crash_at_any_point_never_delivers_twice(
    tmp_path: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, mode: str, crash: str
) -> None:
    """After a crash and a rerun: at most one Gmail draft or send, and a settled draft."""
    ws = _workspace(tmp_path, fake, mode)
    with monkeypatch.context() as patch:
        CRASHES[crash](patch)
        with pytest.raises(Crash):
            deliver_service.deliver(ws)
    deliver_service.deliver(ws)
    deliver_service.deliver(ws)  # a third run changes nothing
    created = fake.calls["drafts.create"]
    sent = fake.calls["drafts.send"]
    state = _outcome(ws)
    ws.close()
    assert created <= 1 and sent <= 1
    if mode == "draft":
        assert (created, state) == (1, DraftState.DELIVERED.value)
        assert len(fake.drafts) == 1
    elif crash == "before drafts.create":
        # Nothing reached Gmail, but a send is never retried blindly: the user decides.
        assert (created, sent, state) == (0, 0, DraftState.FAILED.value)
    else:
        assert (created, sent, state) == (1, 1, DraftState.DELIVERED.value)
        assert fake.drafts == {}


@pytest.mark.parametrize("mode", ["draft", "send"])
def test_delivery_without_crash_makes_one_draft_or_one_send(
    tmp_path: Path, fake: FakeGoogle, mode: str
) -> None:
    """The plain path: one drafts.create, plus one drafts.send in send mode."""
    ws = _workspace(tmp_path, fake, mode)
    report = deliver_service.deliver(ws)
    ws.close()
    assert report.delivered == 1
    assert fake.calls["drafts.create"] == 1
    assert fake.calls["drafts.send"] == (1 if mode == "send" else 0)


@pytest.mark.parametrize("crash", ["after drafts.create", "after drafts.send"])
def test_without_search_the_outbox_still_reconciles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    """With gmail.metadata (no `q`), drafts and sent mail are matched by Message-ID instead."""
    fake = FakeGoogle.start(metadata_only=True)
    try:
        ws = _workspace(tmp_path, fake, "send", search=False)
        with monkeypatch.context() as patch:
            CRASHES[crash](patch)
            with pytest.raises(Crash):
                deliver_service.deliver(ws)
        deliver_service.deliver(ws)
        state = _outcome(ws)
        ws.close()
    finally:
        fake.stop()
    assert (fake.calls["drafts.create"], fake.calls["drafts.send"]) == (1, 1)
    assert state == DraftState.DELIVERED.value and fake.drafts == {}


@pytest.mark.parametrize("keep_id", [False, True])
def test_a_lost_send_is_found_by_the_recorded_ids_though_gmail_rewrote_the_message_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_id: bool
) -> None:
    """drafts.send's answer is lost; Gmail gave the sent message its own Message-ID (so
    `rfc822msgid:` finds nothing), and maybe a new id. The ids recorded from drafts.create find
    it (by message id, else in the thread): delivered, no second send, no search needed."""
    fake = FakeGoogle.start(keep_id_on_send=keep_id)
    try:
        ws = _workspace(tmp_path, fake, "send")
        with monkeypatch.context() as patch:
            CRASHES["after drafts.send"](patch)
            with pytest.raises(Crash):
                deliver_service.deliver(ws)
        fake.reset_counts()
        report = deliver_service.deliver(ws)
        state = _outcome(ws)
        ws.close()
    finally:
        fake.stop()
    (sent,) = fake.sent()
    assert "keepwarm.invalid" not in str(sent["payload"]["headers"])  # Message-ID replaced
    assert (report.reconciled, state) == (1, DraftState.DELIVERED.value)
    assert fake.calls["drafts.send"] == 0 and fake.calls["messages.list"] == 0
    assert fake.calls["threads.get"] == (0 if keep_id else 1)
