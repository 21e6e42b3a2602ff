"""The google account through the real sync service and store, against the loopback fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fakes.google import BASE_TIME, FakeGoogle
from keepwarm.models import Owner
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import GoogleAccount, Settings
from keepwarm.store.tables import Account, InteractionRow


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle.start(messages=130, events=12)
    yield server
    server.stop()


@pytest.fixture
def ws(tmp_path: Path, fake: FakeGoogle) -> Iterator[Workspace]:
    settings = Settings(
        owner=Owner(name="Owner", addresses=["someone@else.example"]),
        accounts=[
            GoogleAccount(
                name="work", kind="google", api_endpoint=fake.url,
                token_command="echo fake-access-token",
            )
        ],
        state_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'keepwarm.db'}",
        as_of=BASE_TIME,
    )  # fmt: skip
    workspace = open_workspace(settings)
    yield workspace
    workspace.close()


def _stored(ws: Workspace) -> int:
    with ws.session() as session:
        return int(session.scalar(select(func.count()).select_from(InteractionRow)) or 0)


def test_sync_stores_everything_once_and_idles_cheaply(ws: Workspace, fake: FakeGoogle) -> None:
    """First sync stores mail and meetings; the second costs 3 requests and stores nothing."""
    first = sync_account(ws, "work")
    assert first.inserted == _stored(ws) == 130 + 12
    assert first.streams == ["gmail", "calendar:primary"]
    fake.reset_counts()
    again = sync_account(ws, "work")
    assert (again.inserted, again.updated) == (0, 0)
    assert fake.requests == 3
    with ws.session() as session:
        account = session.scalars(select(Account)).one()
        assert "owner@fake.example" in account.owner_addresses
        assert account.last_error is None


def test_expired_sync_positions_resync_without_duplicates(ws: Workspace, fake: FakeGoogle) -> None:
    """History 404 and a refused calendar token both resync; nothing is stored twice."""
    sync_account(ws, "work")
    fake.add_messages(3)
    fake.expire_history()
    fake.seq -= 1  # the stored calendar token is now "from the future": 410 fullSyncRequired
    report = sync_account(ws, "work")
    assert report.inserted == 3
    assert _stored(ws) == 133 + 12


def test_a_deleted_future_event_cancels_the_stored_meeting_a_past_one_stays(
    tmp_path: Path,
) -> None:
    """Calendar reports a deleted event by id and status `cancelled` only: the stored meeting
    that has not happened yet is cancelled; one that already took place keeps its record."""
    fake = FakeGoogle.start(events=3)  # at +3 h, +6 h and +9 h
    settings = Settings(
        owner=Owner(name="Owner", addresses=["someone@else.example"]),
        accounts=[GoogleAccount(name="work", kind="google", api_endpoint=fake.url,
                                token_command="echo fake-access-token")],
        state_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'keepwarm.db'}",
        as_of=BASE_TIME + timedelta(hours=4),
    )  # fmt: skip
    ws = open_workspace(settings)
    try:
        sync_account(ws, "work")
        fake.delete_event("evt000001")
        fake.delete_event("evt000002")
        report = sync_account(ws, "work")
        with ws.session() as session:
            rows = dict(
                session.execute(
                    select(InteractionRow.provider_id, InteractionRow.cancelled).where(
                        InteractionRow.kind == "meeting"
                    )
                ).all()
            )
    finally:
        ws.close()
        fake.stop()
    assert rows == {"gcal:evt000001": False, "gcal:evt000002": True, "gcal:evt000003": False}
    assert report.updated == 1
