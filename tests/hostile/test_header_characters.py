"""One edited draft whose subject carries a line separator must not block every delivery."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from keepwarm.errors import ConfigError
from keepwarm.models import DraftState
from keepwarm.services import deliver as outbox
from keepwarm.services import queue as service
from keepwarm.services.drafttext import from_text
from keepwarm.services.workspace import Workspace
from keepwarm.store.tables import Draft
from tests.queuedata import seed

#: Every character Python's e-mail package splits a header on, and controls that never belong.
SEPARATORS = [
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\r",
    "\n",
    "\x00",
    "\x1b",
    "\x7f",
]


def test_edit_refuses_every_line_separator_in_the_subject(workspace: Workspace) -> None:
    [draft_id] = seed(workspace, 1)
    for char in SEPARATORS:
        with pytest.raises(ConfigError, match=f"U\\+{ord(char):04X}"):
            service.edit(workspace, draft_id, subject=f"Thanks{char}Bcc: spy@evil.example")
    assert service.show(workspace, draft_id)["subject"].startswith("Thank you")


def test_edit_text_form_refuses_a_separator() -> None:
    with pytest.raises(ConfigError, match="U\\+2028"):
        from_text("To: grace@navy.example\nSubject: Hi\u2028there\n\nBody\n")


def test_a_draft_that_cannot_be_delivered_fails_alone(workspace: Workspace) -> None:
    """Stored before the validator existed (or written around it): the others still go out."""
    ids = seed(workspace, 5)
    service.approve(workspace, ids)
    bad = ids[2]
    with workspace.session() as session:
        draft = session.get(Draft, bad)
        assert draft is not None
        draft.subject = "Thanks\u2028Bcc: spy@evil.example"

    report = outbox.deliver(workspace)

    assert report.delivered == 4 and report.failed == 1
    with workspace.session() as session:
        states = {row.id: row.state for row in session.execute(select(Draft.id, Draft.state))}
        error = session.get(Draft, bad).error  # type: ignore[union-attr]
    assert states[bad] == DraftState.FAILED.value
    assert all(states[i] == DraftState.DELIVERED.value for i in ids if i != bad)
    assert error is not None and "U+2028" in error and "Subject" in error
    # And the next run does not trip over it again.
    assert outbox.deliver(workspace).failed == 0


def test_the_web_edit_form_refuses_a_separator(workspace: Workspace) -> None:
    from fastapi.testclient import TestClient

    from keepwarm.web import create_app
    from tests.web.conftest import csrf_of

    [draft_id] = seed(workspace, 1)
    with TestClient(create_app(workspace.settings), base_url="http://127.0.0.1:8765") as client:
        token = csrf_of(client.get(f"/drafts/{draft_id}").text)
        page = client.post(
            f"/drafts/{draft_id}/edit",
            data={"csrf": token, "to": "grace@navy.example", "subject": "Hi\u2029x", "body": "b"},
            follow_redirects=True,
        ).text
    assert "U+2029" in page
    assert service.show(workspace, draft_id)["subject"].startswith("Thank you")
