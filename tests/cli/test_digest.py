"""`keepwarm digest`: new peers and drafts waiting, as markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.services.digest import markdown
from tests.conftest import EXPECTED_DRAFTS, EXPECTED_RULES

runner = CliRunner()


def kw(config: Path, *args: str) -> str:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def test_digest_lists_new_peers_and_waiting_drafts(demo_config: Path) -> None:
    """After a pass over the samples, the month's digest names the four peers and their drafts."""
    for stage in ("sync", "detect", "draft"):
        kw(demo_config, stage)
    data = json.loads(kw(demo_config, "digest", "--days", "30", "--json"))
    assert {p["address"] for p in data["new_peers"]} >= EXPECTED_DRAFTS
    assert {w["to"][0] for w in data["waiting"]} == EXPECTED_DRAFTS
    text = kw(demo_config, "digest", "--days", "30")
    assert text.startswith("# keepwarm digest — 2026-11-20 18:00 UTC")
    assert "## Drafts waiting for you (4)" in text and "grace.hopper@navylabs.example" in text
    kw(demo_config, "approve", *[str(w["id"]) for w in data["waiting"]])
    assert "Nothing waiting." in kw(demo_config, "digest")


def test_markdown_cells_cannot_break_the_table() -> None:
    """A pipe or a newline in a subject is escaped so each draft stays one table row."""
    text = markdown(
        {
            "generated": "2026-11-20T18:00:00+00:00", "since": "2026-11-19T18:00:00+00:00",
            "new_peers": [],
            "waiting": [{"id": 1, "rule": "r", "to": ["a@b.example"], "subject": "x | y\nz",
                         "reason": "", "due": ""}],
            "counts": {"pending": 1, "approved": 0, "snoozed": 0, "delivered": 0, "failed": 0},
            "activity": {"runs": 0, "failed_runs": 0, "synced": 0, "detected": 0, "drafted": 0,
                         "delivered": 0},
            "attention": [{"account": "a|b", "error": "x\ny", "fix": "run it", "stalled": False}],
        }
    )  # fmt: skip
    assert "| 1 | a@b.example | x \\| y z | r |  |" in text
    assert "- **a\\|b**: x y — run it" in text


def test_digest_email_is_one_draft_to_the_owner_per_day(demo_config: Path) -> None:
    """--email writes the digest into the owner's drafts once; a second run finds it."""
    for stage in ("sync", "detect", "draft"):
        kw(demo_config, stage)
    first = json.loads(kw(demo_config, "digest", "--email", "--json"))["email"]
    second = json.loads(kw(demo_config, "digest", "--email", "--json"))["email"]
    assert (first["existed"], second["existed"]) == (False, True)
    assert first["provider_ref"] == second["provider_ref"]
    drafts = list((demo_config.parent / ".keepwarm" / "drafts" / "cur").iterdir())
    assert len(drafts) == 1
    text = drafts[0].read_text()
    assert "To: ada@analytical.example" in text and "Drafts waiting for you (4)" in text


def test_new_peers_agree_with_the_new_peer_drafts_waiting(demo_config: Path) -> None:
    """A one-day digest no longer says "New peers (0)" while four first follow-ups to new peers
    wait (two thank-yous, two replies owed)."""
    for stage in ("sync", "detect", "draft"):
        kw(demo_config, stage)
    data = json.loads(kw(demo_config, "digest", "--json"))
    waiting = {w["to"][0] for w in data["waiting"]}
    assert {w["to"][0]: w["rule"] for w in data["waiting"]} == EXPECTED_RULES
    assert {p["address"] for p in data["new_peers"]} == waiting
    assert "awaiting your first follow-up (4)" in kw(demo_config, "digest")
