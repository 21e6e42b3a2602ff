"""Bulk approval: a preview that changes nothing, then every draft that can be, the rest skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.errors import InvalidTransition
from keepwarm.services import queue as service
from keepwarm.services.approval import approval_plan, approve_available
from keepwarm.services.queue import DraftText
from tests.queuedata import open_at, seed, write_config


def bracketed(draft: DraftText) -> str | None:
    """A stand-in for a check another issue adds (unfilled placeholders)."""
    return "it still has a placeholder [one line of news]" if "[" in draft.body else None


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "ws")
    ws = open_at(path)
    try:
        seed(ws, 4)
        service.reject(ws, [2])
        service.edit(ws, 3, body="Hi,\n\nOn my side [one line of news].\n\nAda")
    finally:
        ws.close()
    return path


def states(config: Path) -> dict[int, str]:
    ws = open_at(config)
    try:
        return {d["id"]: d["state"] for d in service.queue(ws)}
    finally:
        ws.close()


def test_the_preview_names_what_will_be_approved_and_why_not_the_rest(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "APPROVAL_CHECKS", [bracketed])
    ws = open_at(config)
    try:
        plan = approval_plan(ws, [1, 2, 3, 4])
    finally:
        ws.close()
    assert [d["id"] for d in plan["will"]] == [1, 4]
    reasons = {d["id"]: d["reason"] for d in plan["cannot"]}
    assert reasons[2].startswith("draft 2 is rejected and cannot be approved")
    assert reasons[3] == "draft 3 cannot be approved: it still has a placeholder [one line of news]"
    assert set(states(config).values()) == {"pending", "rejected"}  # nothing changed


def test_bulk_approval_skips_what_cannot_be_approved_and_approves_the_rest(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "APPROVAL_CHECKS", [bracketed])
    ws = open_at(config)
    try:
        result = approve_available(ws, [1, 2, 3, 4])
        with pytest.raises(InvalidTransition, match="placeholder"):
            service.approve(ws, [3])  # one at a time: refused the same way
    finally:
        ws.close()
    assert result.approved == [1, 4]
    assert [(r.id, r.reason.split(":")[0]) for r in result.refused] == [
        (2, "draft 2 is rejected and cannot be approved"),
        (3, "draft 3 cannot be approved"),
    ]
    assert states(config) == {1: "approved", 2: "rejected", 3: "pending", 4: "approved"}


def test_cli_approve_reports_each_skipped_draft_and_exits_1(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "APPROVAL_CHECKS", [bracketed])
    result = CliRunner().invoke(app, ["--config", str(config), "approve", "1", "3", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["approved"] == [1] and document["skipped"][0]["id"] == 3
    assert "skipped 3: draft 3 cannot be approved: it still has a placeholder" in result.stderr
