"""The store: idempotent upserts, cursors and quarantine, on real SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from keepwarm.models import Quarantined
from keepwarm.services import open_workspace
from keepwarm.settings import Settings
from keepwarm.store.accounts import ensure_account, load_cursors, quarantine, save_cursor
from keepwarm.store.interactions import load_interactions, upsert_interactions
from keepwarm.store.tables import InteractionRow, ParticipantRow
from tests.builders import NOW, OWNER, email, meeting


def _workspace(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    settings = Settings(
        owner={"name": "Ada", "addresses": [OWNER]}, base_dir=tmp_path, database_url=database_url
    )
    return open_workspace(settings)


def _counts(ws) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with ws.session() as s:
        return s.scalar(select(func.count()).select_from(InteractionRow)), s.scalar(
            select(func.count()).select_from(ParticipantRow)
        )


def test_upserting_the_same_data_twice_changes_nothing(tmp_path: Path, database_url: str) -> None:
    """Interactions are unique per (account, provider id); a replay is counted as unchanged."""
    ws = _workspace(tmp_path, database_url)
    items = [
        email("a@x.example", [OWNER]).interaction,
        meeting({OWNER: None, "b@y.example": None}).interaction,
    ]
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW)
        first = upsert_interactions(s, account_id=account.id, items=items, now=NOW)
    with ws.session() as s:
        second = upsert_interactions(s, account_id=account.id, items=items + items, now=NOW)
    assert (first.inserted, second.inserted, second.unchanged) == (2, 0, 2)
    assert _counts(ws) == (2, 5)


def test_a_changed_meeting_is_rewritten_in_place(tmp_path: Path, database_url: str) -> None:
    """A meeting cancelled after the first sync keeps its row and gets its new state."""
    ws = _workspace(tmp_path, database_url)
    m = meeting({OWNER: None, "b@y.example": None}).interaction
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW)
        upsert_interactions(s, account_id=account.id, items=[m], now=NOW)
    with ws.session() as s:
        result = upsert_interactions(
            s, account_id=account.id, items=[replace(m, cancelled=True)], now=NOW
        )
        [stored] = load_interactions(s)
    assert result.updated == 1 and stored.interaction.cancelled
    assert stored.interaction.occurred_at == m.occurred_at  # aware UTC round trip
    assert _counts(ws) == (1, 3)


def test_cursors_and_quarantine_round_trip(tmp_path: Path, database_url: str) -> None:
    """Cursors are per stream; quarantined items are recorded once."""
    ws = _workspace(tmp_path, database_url)
    bad = (Quarantined("inbox.mbox", "offset 10 (message 2)", "no From header"),)
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW)
        save_cursor(
            s, account_id=account.id, stream="mail:/a", value={"offset": 10}, summary={}, now=NOW
        )
        assert quarantine(s, account_id=account.id, items=bad, now=NOW) == 1
    with ws.session() as s:
        save_cursor(
            s, account_id=account.id, stream="mail:/a", value={"offset": 20}, summary={}, now=NOW
        )
        assert quarantine(s, account_id=account.id, items=bad, now=NOW) == 0
    with ws.session() as s:
        assert load_cursors(s, account_id=account.id) == {"mail:/a": {"offset": 20}}
