"""A full detection pass folded on worker processes equals the same pass folded here.

The worker reads its bucket through its own connection and sends back what it folded; the pass
writes it. Same people, same stored units and the same queue, whatever the world — and the
workers really did the folding (their answers are counted).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text

from keepwarm import workers
from keepwarm.services import detection, open_workspace
from keepwarm.services.pipeline import detect
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import Workspace
from keepwarm.settings import load_settings
from tests.conftest import use_database
from tests.services.incremental_world import (
    Scenario,
    at_clock,
    cycle,
    people,
    queue,
    scenarios,
    truth,
    workspace_at,
)

#: What a full pass writes besides people: the units, who is in them, every address seen.
_STORED = (
    "SELECT key, bucket, evidence, touches, touch_count, due_at FROM units ORDER BY key, bucket",
    "SELECT * FROM unit_members ORDER BY 1, 2, 3",
    "SELECT * FROM address_keys ORDER BY 1",
)


def _units(ws: Workspace) -> list[list[tuple[Any, ...]]]:
    with ws.session() as s:
        return [[tuple(row) for row in s.execute(text(sql))] for sql in _STORED]


def _stored(ws: Workspace) -> int:
    with ws.session() as s:
        return int(s.execute(text("SELECT COUNT(*) FROM interactions")).scalar_one())


def _worker_answers(patch: pytest.MonkeyPatch) -> list[int]:
    """Two workers even on a one-core machine; the returned list grows by one for each batch a
    worker answered (not for one done here)."""
    answers: list[int] = []
    real = workers._result

    def counted(entry: Any, job: workers.Job) -> Any:
        if entry[0] is not None:
            answers.append(1)
        return real(entry, job)

    patch.setattr(workers, "_result", counted)
    patch.setattr(workers, "workers", lambda: 2)
    return answers


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_full_pass_on_workers_equals_one_folded_here(scenario: Scenario) -> None:
    with (
        pytest.MonkeyPatch.context() as patch,
        tempfile.TemporaryDirectory() as tmp,
        workspace_at(Path(tmp, "here")) as here,
        workspace_at(Path(tmp, "wide")) as wide,
    ):
        answers = _worker_answers(patch)
        for index in range(len(scenario.cycles)):
            patch.setattr(detection, "PARALLEL_FOLD", 1 << 40)
            cycle(here, scenario, index, full=True)
            patch.setattr(detection, "PARALLEL_FOLD", 0)
            before = len(answers)
            cycle(wide, scenario, index, full=True)
            if _stored(wide):
                assert len(answers) > before  # the buckets went to the workers
            now = scenario.clocks[index]
            assert people(at_clock(wide, now)) == people(at_clock(here, now))
            assert people(at_clock(wide, now)) == truth(at_clock(wide, now))
            assert _units(wide) == _units(here)
            assert queue(wide) == queue(here)


def test_the_demo_folded_on_workers_equals_it_folded_here_on_both_databases(
    demo_config: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker opens the database by URL (a SQLite file, or PostgreSQL) and reads what the
    sync committed while the pass's own transaction stays open."""
    answers = _worker_answers(monkeypatch)
    ws = open_workspace(load_settings(use_database(demo_config, database_url)))
    try:
        sync_account(ws, "demo")
        monkeypatch.setattr(detection, "PARALLEL_FOLD", 1 << 40)
        here = detect(ws, full=True)
        folded_here = (_units(ws), people(ws))
        assert answers == []
        monkeypatch.setattr(detection, "PARALLEL_FOLD", 0)
        wide = detect(ws, full=True)
        assert len(answers) >= 2  # the demo spans several weeks: several buckets
        assert (_units(ws), people(ws)) == folded_here
        assert wide.by_classification == here.by_classification
        assert wide.interactions == here.interactions > 0
    finally:
        ws.close()
