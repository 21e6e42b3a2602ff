"""`search_filters = false`: a gmail.metadata + gmail.compose grant against the fake Gmail.

With that grant `settings.sendAs.list` answers 403 (its scopes in the discovery document are
mail.google.com, gmail.modify, gmail.readonly and gmail.settings.basic), `q` is refused and only
formats minimal/metadata are served. Syncs must work all the same, full and incremental.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from fakes.google import BASE_TIME, OWNER, FakeGoogle
from fakes.google_sync import State, sync
from keepwarm.models import Owner
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import open_workspace
from keepwarm.settings import GoogleAccount, Settings
from keepwarm.store.tables import Account


def test_full_and_idle_sync_with_a_metadata_grant_take_the_owner_from_the_profile() -> None:
    """No sendAs call (it would be refused): the profile that starts the full sync names the
    owner, and an idle run costs history + profile + one calendar request."""
    fake = FakeGoogle.start(messages=120, events=3, metadata_only=True)
    state = State()
    try:
        sync(fake, state, search_filters=False)
        idle = sync(fake, state, search_filters=False)
    finally:
        fake.stop()
    assert len(state.interactions) == 120 + 3
    assert state.owner == {OWNER}
    assert state.cursors["gmail"]["phase"] == "incremental"
    assert idle["requests"] == 3 and fake.calls["sendAs"] == 0


def test_sync_service_with_a_metadata_grant_records_no_error(tmp_path: Path) -> None:
    """Through the sync service and store: twice without an error, the owner remembered."""
    fake = FakeGoogle.start(messages=30, events=2, metadata_only=True)
    settings = Settings(
        owner=Owner(name="Owner", addresses=["someone@else.example"]),
        accounts=[
            GoogleAccount(
                name="work", kind="google", api_endpoint=fake.url, search_filters=False,
                token_command="echo fake-access-token",
            )
        ],
        state_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'keepwarm.db'}",
        as_of=BASE_TIME,
    )  # fmt: skip
    ws = open_workspace(settings)
    try:
        first = sync_account(ws, "work")
        again = sync_account(ws, "work")
        with ws.session() as session:
            account = session.scalars(select(Account)).one()
            error, owner = account.last_error, list(account.owner_addresses)
    finally:
        ws.close()
        fake.stop()
    assert (first.inserted, again.inserted) == (32, 0)
    assert error is None and OWNER in owner
