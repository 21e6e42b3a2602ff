"""Stored facts rules can now use: the meeting's location (from every connector, through the
store and migration 1501) and person notes (tags and fields), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text

from connectors.files.calendar import expand_file
from connectors.google import mapping as google
from connectors.microsoft import mapping as graph
from keepwarm.models import Classification, PersonView
from keepwarm.services import open_workspace
from keepwarm.settings import Settings
from keepwarm.store.accounts import ensure_account
from keepwarm.store.engine import alembic_config, make_engine
from keepwarm.store.interactions import load_interactions, upsert_interactions
from keepwarm.store.notes import add_tag, known_tags, remove_tag, set_field
from keepwarm.store.people import people_views, save_people
from tests.builders import NOW, OWNER, meeting

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VEVENT\r
UID:loc-1\r
DTSTART:20261117T140000Z\r
DTEND:20261117T143000Z\r
SUMMARY:Compiler chat\r
LOCATION:Jacquard Room\\, Analytical HQ\r
  / https://meet.example/x\r
ORGANIZER:mailto:ada@analytical.example\r
ATTENDEE;PARTSTAT=ACCEPTED:mailto:grace@navy.example\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _workspace(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    settings = Settings(
        owner={"name": "Ada", "addresses": [OWNER]}, base_dir=tmp_path, database_url=database_url
    )
    return open_workspace(settings)


def test_every_connector_reads_the_location_on_one_line() -> None:
    [found], _, _ = expand_file(
        ICS, "cal.ics", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert found.location == "Jacquard Room, Analytical HQ / https://meet.example/x"
    event = {
        "id": "e1",
        "summary": "Chat",
        "location": "Room 1\n 2nd floor",
        "start": {"dateTime": "2026-11-17T14:00:00Z"},
        "end": {"dateTime": "2026-11-17T15:00:00Z"},
        "organizer": {"email": OWNER},
    }
    assert google.event(event, calendar="primary", zone=None).location == "Room 1 2nd floor"
    assert google.event({**event, "location": None}, calendar="p", zone=None).location == ""
    item = {
        "id": "g1",
        "subject": "Chat",
        "location": {"displayName": "Teams\r\nMeeting"},
        "start": {"dateTime": "2026-11-17T14:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-17T15:00:00", "timeZone": "UTC"},
    }
    assert graph.event(item, source="calendar").location == "Teams Meeting"
    assert graph.event({**item, "location": "odd"}, source="calendar").location == ""


def test_location_is_stored_and_a_changed_location_is_an_update(
    tmp_path: Path, database_url: str
) -> None:
    ws = _workspace(tmp_path, database_url)
    item = replace(meeting({"grace@navy.example": None}).interaction, location="Room 1")
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW).id
        upsert_interactions(s, account_id=account, items=[item], now=NOW)
    with ws.session() as s:
        [stored] = load_interactions(s)
        assert stored.interaction.location == "Room 1"
        moved = upsert_interactions(
            s, account_id=account, items=[replace(item, location="Room 2")], now=NOW
        )
        assert (moved.updated, moved.unchanged) == (1, 0)
        assert load_interactions(s)[0].interaction.location == "Room 2"


def test_migration_1501_keeps_existing_interactions(tmp_path: Path, database_url: str) -> None:
    """A database at 0005 with an interaction upgrades; the row gets an empty location."""
    url = database_url
    engine = make_engine(url)
    config = alembic_config(engine)
    command.upgrade(config, "0005")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO accounts (id, name, kind, created_at, owner_addresses) "
                "VALUES (1, 'demo', 'files', '2026-11-01 00:00:00', '[]')"
            )
        )
        c.execute(
            text(
                "INSERT INTO interactions (account_id, provider_id, kind, occurred_at, subject, "
                '"references", headers, cancelled, source, fingerprint, ingested_at) VALUES '
                "(1, 'p1', 'meeting', '2026-11-01 10:00:00', 'Old', '[]', '{}', false, '', 'f', "
                "'2026-11-01 00:00:00')"
            )
        )
    command.upgrade(config, "head")
    with engine.begin() as c:
        assert c.execute(text("SELECT subject, location FROM interactions")).all() == [("Old", "")]
        assert c.execute(text("SELECT count(*) FROM person_notes")).scalar() == 0
    engine.dispose()


def view(key: str, *addresses: str) -> PersonView:
    return PersonView(
        key=key,
        name=key,
        addresses=addresses or (key,),
        classification=Classification.PEER,
        reasons=("r",),
        stage=None,
        first_seen=NOW,
        last_seen=NOW,
    )


def test_notes_by_address_and_domain_survive_redetection_and_merges(
    tmp_path: Path, database_url: str
) -> None:
    ws = _workspace(tmp_path, database_url)
    grace, alan = view("grace@navy.example"), view("alan@lab.bletchley.example")
    with ws.session() as s:
        save_people(s, people=[grace, alan], now=NOW)
        assert add_tag(s, target="grace@navy.example", tag="investor", now=NOW)
        assert not add_tag(s, target="grace@navy.example", tag="investor", now=NOW)
        add_tag(s, target="@bletchley.example", tag="partner", now=NOW)
        add_tag(s, target="g.hopper@home.example", tag="friend", now=NOW)
        set_field(s, targets=["grace@navy.example"], name="role", value="advisor", now=NOW)
        later = datetime(2026, 11, 21, tzinfo=UTC)
        set_field(s, targets=["grace@navy.example"], name="role", value="investor", now=later)
        set_field(s, targets=["grace@navy.example"], name="city", value="Zürich " * 60, now=NOW)
    with ws.session() as s:
        views = {v.key: v for v in people_views(s)}
        assert views["grace@navy.example"].tags == {"investor"}
        assert views["grace@navy.example"].fields["role"] == "investor"
        assert views["alan@lab.bletchley.example"].tags == {"partner"}
        assert known_tags(s) == {"investor", "partner", "friend"}
    # Detection runs again and merges Grace's home address into her: she has all her notes.
    with ws.session() as s:
        save_people(
            s,
            people=[
                view("grace@navy.example", "grace@navy.example", "g.hopper@home.example"),
                alan,
            ],
            now=NOW,
        )
    with ws.session() as s:
        merged = {v.key: v for v in people_views(s)}["grace@navy.example"]
        assert merged.tags == {"investor", "friend"}
        assert merged.fields["city"].startswith("Zürich Zürich")
        assert remove_tag(s, targets=["grace@navy.example"], tag="investor")
        set_field(s, targets=["grace@navy.example"], name="role", value="", now=NOW)
    with ws.session() as s:
        merged = {v.key: v for v in people_views(s)}["grace@navy.example"]
        assert merged.tags == {"friend"} and "role" not in merged.fields
