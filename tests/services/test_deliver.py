"""The outbox: crash the deliver step at every recorded point, and `kill -9` it mid-way.

A fake provider that is *not* idempotent counts calls per key, so these tests prove the
outbox itself (not the connector's de-duplication) delivers each approved draft exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.files.maildrafts import MaildirDrafts
from keepwarm.errors import TransientError
from keepwarm.models import DraftState, OutgoingMessage
from keepwarm.ports import Cursor, Page, Receipt, Recorder
from keepwarm.services import deliver as outbox
from keepwarm.services import queue as service
from keepwarm.services.workspace import Workspace
from keepwarm.store.tables import Delivery, Draft, DraftEvent
from tests.queuedata import open_at, seed, write_config

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, no handler catches it."""


class FakeProvider:
    """A provider that creates a new draft on every call (so a second call would duplicate)."""

    account = "demo"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.fail_next: Exception | None = None

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        return iter(())

    def owner_addresses(self) -> set[str]:
        return set()

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        self.calls[message.key] += 1
        return Receipt(provider_ref=f"draft-{message.key}-{self.calls[message.key]}", sent=send)

    def find_delivered(self, key: str, *, recorded: str | None = None) -> Receipt | None:
        return Receipt(provider_ref=f"draft-{key}-1") if self.calls[key] else None


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(outbox, "build_connector", lambda *a, **k: fake)
    return fake


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_at(write_config(tmp_path / "ws"))
    yield w
    w.close()


def outcome(ws: Workspace) -> tuple[dict[int, str], Counter[int]]:
    """Each draft's state, and how many `delivered` events each has."""
    with ws.session() as session:
        states = dict(session.execute(select(Draft.id, Draft.state)).all())
        events = Counter(
            session.scalars(select(DraftEvent.draft_id).where(DraftEvent.action == "delivered"))
        )
    return states, events


@pytest.mark.parametrize("point", outbox.CHECKPOINTS)
@pytest.mark.parametrize("victim", [0, 2, 4])
def test_a_crash_at_any_recorded_point_never_delivers_twice(
    ws: Workspace, provider: FakeProvider, point: str, victim: int
) -> None:
    """Crashing at `point` for one draft, then restarting, delivers all approved drafts once."""
    ids = seed(ws, 6)
    approved = ids[:5]
    service.approve(ws, approved)

    def crash(at: str, draft_id: int) -> None:
        if at == point and draft_id == approved[victim]:
            raise Crash

    with pytest.raises(Crash):
        outbox.deliver(ws, checkpoint=crash)
    outbox.deliver(ws)
    states, events = outcome(ws)
    assert all(states[i] == DraftState.DELIVERED.value for i in approved)
    assert states[ids[5]] == DraftState.PENDING.value  # never approved, never delivered
    assert set(provider.calls) == {f"thank-you:peer{i}@org{i}.example" for i in range(5)}
    assert set(provider.calls.values()) == {1}
    assert all(events[i] == 1 for i in approved)


def test_a_crash_between_record_and_send_in_send_mode_fails_safe(
    tmp_path: Path, provider: FakeProvider
) -> None:
    """In send mode an unknown outcome is never retried blindly: the draft fails with advice."""
    config = write_config(tmp_path / "ws")
    config.write_text(config.read_text() + 'mode = "send"\n')
    ws = open_at(config)
    try:
        [draft_id] = seed(ws, 1)
        service.approve(ws, [draft_id])

        def crash(at: str, _: int) -> None:
            if at == "recorded":
                raise Crash

        with pytest.raises(Crash):
            outbox.deliver(ws, checkpoint=crash)
        report = outbox.deliver(ws)
        assert report.failed == 1 and not provider.calls
        d = service.show(ws, draft_id)
        assert d["state"] == "failed" and "check your Sent folder" in d["error"]
        service.approve(ws, [draft_id])  # the user checked: deliver afresh
        outbox.deliver(ws)
        assert service.show(ws, draft_id)["state"] == "delivered"
        assert provider.calls["thank-you:peer0@org0.example"] == 1
    finally:
        ws.close()


def test_a_transient_error_is_reconciled_before_any_retry(
    ws: Workspace, provider: FakeProvider
) -> None:
    """A time-out leaves the attempt open; the next run asks the provider, then delivers once."""
    [draft_id] = seed(ws, 1)
    service.approve(ws, [draft_id])
    provider.fail_next = TransientError("timed out")
    assert outbox.deliver(ws).delivered == 0
    with ws.session() as session:
        attempt = session.scalar(select(Delivery).where(Delivery.draft_id == draft_id))
        assert attempt is not None and attempt.state == "attempting"
    assert outbox.deliver(ws).delivered == 1
    assert sum(provider.calls.values()) == 1


def test_nothing_unapproved_or_not_yet_due_is_delivered(
    ws: Workspace, provider: FakeProvider
) -> None:
    """Pending, snoozed and rejected drafts stay put; only approved ones reach the provider."""
    a, b, c, d = seed(ws, 4)
    service.approve(ws, [a])
    service.reject(ws, [b])
    service.snooze(ws, [c], until=ws.settings.now() + timedelta(days=1))
    outbox.deliver(ws)
    assert list(provider.calls) == ["thank-you:peer0@org0.example"]
    states, _ = outcome(ws)
    assert [states[i] for i in (a, b, c, d)] == ["delivered", "rejected", "snoozed", "pending"]


KILLABLE = """
import sys, time
from connectors.files.maildrafts import MaildirDrafts
from keepwarm.services.deliver import deliver
from tests.queuedata import open_at

real = MaildirDrafts.deliver
written = 0
def slow(self, message, *, send):
    global written
    receipt = real(self, message, send=send)
    with open(sys.argv[2], "a") as log:
        log.write(message.key + "\\n")
    written += 1
    if written == 10:  # the 10th draft is written, its outcome not recorded: wait for the kill
        open(sys.argv[3], "w").close()
        time.sleep(3600)
    return receipt
MaildirDrafts.deliver = slow
deliver(open_at(__import__("pathlib").Path(sys.argv[1])))
"""


def test_kill_9_in_the_middle_of_delivering_50_drafts_loses_and_repeats_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SIGKILL mid-run, then a restart: 50 approved drafts, 50 Maildir drafts, once each."""
    config = write_config(tmp_path / "ws")
    ws = open_at(config)
    try:
        service.approve(ws, seed(ws, 50))
    finally:
        ws.close()
    calls = tmp_path / "calls.log"
    maildir = tmp_path / "ws" / "out" / "drafts" / "cur"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(config), str(calls), str(ready)], cwd=ROOT, env=env
    )
    # The child waits for the kill after its 10th draft: where it dies does not depend on how
    # fast this machine is (the deadline only guards against a hang).
    deadline = time.monotonic() + 240
    while not ready.exists() and time.monotonic() < deadline:
        assert proc.poll() is None, "the deliver process ended before it could be killed"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list(maildir.iterdir()))
    assert before == 10, f"{before} drafts written before the kill"

    real = MaildirDrafts.deliver

    def logged(self: MaildirDrafts, message: OutgoingMessage, *, send: bool) -> Receipt:
        receipt = real(self, message, send=send)
        with calls.open("a") as log:
            log.write(message.key + "\n")
        return receipt

    monkeypatch.setattr(MaildirDrafts, "deliver", logged)
    ws = open_at(config)
    try:
        done_before = Counter(outcome(ws)[0].values())["delivered"]
        report = outbox.deliver(ws)
        states, events = outcome(ws)
        with ws.session() as session:
            open_attempts = session.scalar(
                select(func.count()).where(Delivery.state != "done").select_from(Delivery)
            )
    finally:
        ws.close()
    files = sorted(maildir.iterdir())
    assert len(files) == 50
    keys = Counter(
        line.split(":", 1)[1].strip()
        for f in files
        for line in f.read_text().splitlines()
        if line.startswith("X-Keepwarm-Key:")
    )
    assert len(keys) == 50 and set(keys.values()) == {1}
    assert set(states.values()) == {"delivered"} and set(events.values()) == {1}
    assert open_attempts == 0
    # Across both runs the provider was asked at most once per draft (a kill between the write
    # and its log line leaves one unlogged write, which the restart reconciles instead).
    written = Counter(calls.read_text().split())
    assert max(written.values()) == 1 and len(written) >= 49
    assert done_before + report.delivered == 50


def test_a_second_deliverer_waits_while_one_is_running(
    ws: Workspace, provider: FakeProvider
) -> None:
    """While one run holds the outbox, another attempts nothing (no double reconcile-and-send)."""
    [draft_id] = seed(ws, 1)
    service.approve(ws, [draft_id])
    seen: list[outbox.DeliverReport] = []

    def second_run(at: str, _: int) -> None:
        if at == "recorded":
            seen.append(outbox.deliver(ws))

    assert outbox.deliver(ws, checkpoint=second_run).delivered == 1
    assert seen == [outbox.DeliverReport(busy=True)]
    assert provider.calls["thank-you:peer0@org0.example"] == 1


def test_a_draft_of_an_account_no_longer_configured_waits_and_others_go_on(
    tmp_path: Path,
) -> None:
    """Removing an account from the config leaves its approved drafts approved, not lost."""
    config = write_config(tmp_path / "ws")
    ws = open_at(config)
    try:
        [draft_id] = seed(ws, 1)
        service.approve(ws, [draft_id])
    finally:
        ws.close()
    config.write_text(config.read_text().replace('name = "demo"', 'name = "renamed"'))
    ws = open_at(config)
    try:
        report = outbox.deliver(ws)
        assert (report.delivered, report.skipped) == (0, 1)
        assert service.show(ws, draft_id)["state"] == "approved"
    finally:
        ws.close()
