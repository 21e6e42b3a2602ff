"""A workspace with a queue of drafts built directly in the store (no sync, no rules)."""

from __future__ import annotations

import atexit
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from keepwarm.models import ProposedDraft
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import load_settings
from keepwarm.store.accounts import ensure_account
from keepwarm.store.drafts import add_drafts
from keepwarm.store.draftviews import filtered
from keepwarm.store.tables import InteractionRow, ParticipantRow, Person, PersonAddress
from tests.conftest import create_database, drop_database

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
#: Read at import, before the autouse fixture clears KEEPWARM_*: when set, every queue test
#: workspace gets a fresh PostgreSQL database on that server instead of a SQLite file.
POSTGRES = os.environ.get("KEEPWARM_TEST_POSTGRES_URL")
OWNER = "ada@analytical.example"


def write_config(folder: Path, *, as_of: datetime = NOW, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "keepwarm.toml"
    if POSTGRES:
        extra += f'\ndatabase_url = "{fresh_postgres_database(POSTGRES)}"\n'
    config.write_text(
        f'as_of = "{as_of.isoformat()}"\n{extra}\n'
        '[owner]\nname = "Ada Lovelace"\n'
        f'addresses = ["{OWNER}"]\ndomains = ["analytical.example"]\n'
        'timezone = "Europe/London"\n\n'
        '[[accounts]]\nname = "demo"\nkind = "files"\ndrafts = "out/drafts"\n',
        encoding="utf-8",
    )
    return config


def fresh_postgres_database(server_url: str) -> str:
    """A new database on the test server, dropped when the test process ends (a CI cluster
    that is reused must not keep one database per queue test and run)."""
    url, name = create_database(server_url)
    atexit.register(drop_database, server_url, name)
    return url


def open_at(config: Path, *, now: datetime | None = None) -> Workspace:
    overrides: dict[str, Any] = {"as_of": now} if now else {}
    return open_workspace(load_settings(config, **overrides))


def seed(ws: Workspace, n: int, *, rule: str = "thank-you", expires_days: int = 14) -> list[int]:
    """`n` people, one meeting each, and one pending draft per person; returns draft ids."""
    now = ws.settings.now()
    with ws.session() as session:
        account = ensure_account(session, name="demo", kind="files", now=now)
        start = len(list(session.query(Person.id)))
        people: dict[str, int] = {}
        for i in range(start, start + n):
            address = f"peer{i}@org{i}.example"
            person = Person(
                key=address, name=f"Peer {i}", organisation=f"org{i}.example",
                classification="peer", stage="seeded", reasons=["met in a meeting"],
                first_seen=now - timedelta(days=3), last_seen=now - timedelta(days=2),
                updated_at=now,
            )  # fmt: skip
            session.add(person)
            session.flush()
            session.add(PersonAddress(address=address, person_id=person.id))
            people[address] = person.id
            meeting = InteractionRow(
                account_id=account.id, provider_id=f"ics:{i}", kind="meeting",
                occurred_at=now - timedelta(days=2), subject=f"Coffee {i}", references=[],
                headers={}, fingerprint="seed", ingested_at=now,
            )  # fmt: skip
            session.add(meeting)
            session.flush()
            session.add_all(
                [
                    ParticipantRow(interaction_id=meeting.id, address=OWNER, name="Ada",
                                   role="organizer"),
                    ParticipantRow(interaction_id=meeting.id, address=address,
                                   name=f"Peer {i}", role="attendee"),
                ]
            )  # fmt: skip
        ids = dict(session.execute(select(InteractionRow.provider_id, InteractionRow.id)).all())
        proposals = [
            ProposedDraft(
                key=f"{rule}:{address}",
                rule=rule,
                person_key=address,
                account="demo",
                to=(address,),
                subject=f"Thank you, {address}",
                body="Hi,\n\nThanks!\n\nAda",
                reasons=(f"new peer: meeting 'Coffee {i}'",),
                interaction_ids=(ids[f"ics:{i}"],),
                due_at=now - timedelta(minutes=1),
                expires_at=now + timedelta(days=expires_days),
            )
            for address, i in zip(people, range(start, start + n), strict=True)
        ]
        add_drafts(session, proposals=proposals, person_ids=people, now=now)
    with ws.session() as session:
        return [d.id for d, _, _ in filtered(session)][start:]
