"""Whatever detection makes of hostile mail, the store saves it, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from keepwarm.models import StoredInteraction
from keepwarm.peers import DetectionPolicy, detect
from keepwarm.services import open_workspace
from keepwarm.settings import Settings
from keepwarm.store.people import load_people, save_people
from tests.builders import NOW
from tests.unit.test_peers_hostile import OWNER, RELAYED, mailboxes, policies

#: A rewritten list post whose X-Original-From carries NUL and control bytes (PostgreSQL
#: rejects NUL in text): found by this test.
NUL_AUTHOR = [
    replace(
        RELAYED[1],
        interaction=replace(
            RELAYED[1].interaction,
            headers={
                "x-original-from": "\x00Ja\x7fne <¸\x00\x9a@\x7fe>",
                "list-id": "<k.g.example>",
            },
        ),
    )
]


@pytest.fixture
def workspace(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    settings = Settings(
        owner={"name": "Ada", "addresses": [OWNER]}, base_dir=tmp_path, database_url=database_url
    )
    return open_workspace(settings)


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(mailboxes, policies)
@example(RELAYED, DetectionPolicy(owner_addresses=frozenset({OWNER})))
@example(NUL_AUTHOR, DetectionPolicy(owner_addresses=frozenset({OWNER})))
def test_detected_people_always_save(
    workspace, items: list[StoredInteraction], policy: DetectionPolicy
) -> None:  # type: ignore[no-untyped-def]
    """No `UNIQUE constraint failed: people.key`, and every person comes back once."""
    people = detect(items, policy, now=NOW)
    with workspace.session() as session:
        save_people(session, people=people, now=NOW)
    with workspace.session() as session:
        stored = load_people(session, peers_only=False)
    assert sorted(p.key for p, _ in stored) == sorted(p.key for p in people)
