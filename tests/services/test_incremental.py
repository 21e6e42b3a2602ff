"""Incremental detection and drafting equal a full recompute, whatever the order and the split.

Interactions are stored in a random order, split into cycles at increasing clocks, with the
user approving or rejecting drafts in between. After every cycle the people in the store must
equal pure `detect` over everything stored, and the queue must equal the queue of a twin store
where every cycle detects and drafts from scratch (`detect --full`, every person evaluated).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_cycles_in_any_order_and_split_equal_a_full_recompute(scenario: Scenario) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        workspace_at(Path(tmp, "a")) as incremental,
        workspace_at(Path(tmp, "b")) as full,
    ):
        for index in range(len(scenario.cycles)):
            cycle(incremental, scenario, index, full=False)
            cycle(full, scenario, index, full=True)
            now = scenario.clocks[index]
            assert people(at_clock(incremental, now)) == truth(at_clock(incremental, now))
            assert people(at_clock(full, now)) == truth(at_clock(full, now))
            assert queue(incremental) == queue(full)
