"""Incremental detection and drafting equal a full recompute, whatever the order and the split.

Interactions are stored in a random order, split into cycles at increasing clocks, with the
user approving or rejecting drafts in between. After every cycle the people in the store must
equal pure `detect` over everything stored, and the queue must equal the queue of a twin store
where every cycle detects and drafts from scratch (`detect --full`, every person evaluated).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from keepwarm.models import PersonView
from keepwarm.peers import detect as pure_detect
from keepwarm.services import queue as queue_service
from keepwarm.services.pipeline import detect, draft, policy
from keepwarm.services.workspace import Workspace
from keepwarm.store.accounts import ensure_account
from keepwarm.store.interactions import load_interactions, upsert_interactions
from keepwarm.store.people import people_views
from keepwarm.store.tables import Draft
from tests.services.incremental_world import Scenario, at_clock, scenarios, workspace_at


def _people(ws: Workspace) -> dict[str, PersonView]:
    with ws.session() as s:
        return {p.key: p for p in people_views(s)}


def _truth(ws: Workspace) -> dict[str, PersonView]:
    with ws.session() as s:
        items = load_interactions(s)
    return {p.key: p for p in pure_detect(items, policy(ws), now=ws.settings.now())}


def _queue(ws: Workspace) -> list[tuple[Any, ...]]:
    with ws.session() as s:
        drafts = s.scalars(select(Draft).order_by(Draft.key))
        return [
            (d.key, d.state, d.rule, tuple(d.to), d.subject, d.body, d.due_at, d.expires_at,
             tuple(d.reasons), d.in_reply_to)
            for d in drafts
        ]  # fmt: skip


def _decide(ws: Workspace, decisions: list[str]) -> None:
    with ws.session() as s:
        pending = [
            d.id
            for d in s.scalars(select(Draft).where(Draft.state == "pending").order_by(Draft.key))
        ]
    for draft_id, decision in zip(pending, decisions, strict=False):
        if decision == "approve":
            queue_service.approve(ws, [draft_id])
        elif decision == "reject":
            queue_service.reject(ws, [draft_id])


def _cycle(ws: Workspace, scenario: Scenario, index: int, *, full: bool) -> None:
    now = scenario.clocks[index]
    ws = at_clock(ws, now)
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=now).id
        items = [scenario.items[i] for i in scenario.cycles[index]]
        upsert_interactions(s, account_id=account, items=items, now=now)
    queue_service.housekeeping(ws)
    detect(ws, full=full)
    draft(ws)
    _decide(ws, scenario.decisions[index])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_cycles_in_any_order_and_split_equal_a_full_recompute(scenario: Scenario) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        workspace_at(Path(tmp, "a")) as incremental,
        workspace_at(Path(tmp, "b")) as full,
    ):
        for index in range(len(scenario.cycles)):
            _cycle(incremental, scenario, index, full=False)
            _cycle(full, scenario, index, full=True)
            now = scenario.clocks[index]
            assert _people(at_clock(incremental, now)) == _truth(at_clock(incremental, now))
            assert _queue(incremental) == _queue(full)
