"""A draft with a `[[placeholder]]` never leaves: every approve path refuses it, with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keepwarm.errors import InvalidTransition
from keepwarm.services import queue as service
from keepwarm.services.approval import approval_plan, approve_available
from keepwarm.services.deliver import deliver
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from tests.queuedata import open_at, seed, write_config

LEFT = "[[one line of news]]"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_at(write_config(tmp_path / "ws"))
    yield w
    w.close()


def unfinished(ws: Workspace, draft_id: int) -> None:
    service.edit(ws, draft_id, body=f"Hi,\n\nOn my side {LEFT}.\n\nAda")


def state(ws: Workspace, draft_id: int) -> str:
    with ws.session() as session:
        return store.get_draft(session, draft_id).state


def test_approve_refuses_naming_the_draft_the_placeholder_and_the_rule(ws: Workspace) -> None:
    """`keepwarm approve` and the web's approve call this: nothing changes, the reason is exact."""
    first, second = seed(ws, 2)
    unfinished(ws, second)
    with pytest.raises(InvalidTransition) as info:
        service.approve(ws, [first, second])
    message = str(info.value)
    assert message.startswith(f"draft {second} cannot be approved: it still has a placeholder")
    assert LEFT in message and "rule thank-you" in message and f"keepwarm edit {second}" in message
    assert state(ws, first) == state(ws, second) == "pending"  # all or nothing
    assert service.show(ws, second)["placeholders"] == [LEFT]


def test_bulk_approve_approves_the_rest_and_lists_what_it_skipped(ws: Workspace) -> None:
    """By rule or by selection: finished drafts are approved, the others named with the reason;
    the preview of a bulk approve says so before anything happens."""
    a, b, c = seed(ws, 3)
    unfinished(ws, b)
    plan = approval_plan(ws, rule="thank-you")
    assert [x["id"] for x in plan["will"]] == [a, c]
    assert [x["id"] for x in plan["cannot"]] == [b] and LEFT in plan["cannot"][0]["reason"]
    result = approve_available(ws, rule="thank-you")
    assert result.approved == [a, c]
    assert [r.id for r in result.refused] == [b] and LEFT in result.refused[0].reason
    assert state(ws, b) == "pending"


def test_filling_the_placeholder_in_makes_it_approvable(ws: Workspace) -> None:
    """Once the text is the owner's own, approve works as usual."""
    [draft_id] = seed(ws, 1)
    unfinished(ws, draft_id)
    service.edit(ws, draft_id, body="Hi,\n\nOn my side the Engine shipped.\n\nAda")
    assert service.approve(ws, [draft_id]) == [draft_id]


def test_a_placeholder_typed_into_an_approved_draft_sends_it_back(ws: Workspace) -> None:
    """Approval covers the approved text; the outbox never delivers a placeholder either."""
    [draft_id] = seed(ws, 1)
    service.approve(ws, [draft_id])
    unfinished(ws, draft_id)
    assert state(ws, draft_id) == "pending"
    with ws.session() as session:  # forced past every guard: the outbox still refuses
        store.get_draft(session, draft_id).state = "approved"
    report = deliver(ws)
    assert report.delivered == 0 and report.skipped == 1
    assert state(ws, draft_id) == "pending"
    assert not list((ws.settings.base_dir / "out" / "drafts").glob("*/*"))
