"""The `digest` flow summarises the queue and the day's runs without message bodies."""

from __future__ import annotations

from pathlib import Path

from flows.cycle import cycle
from flows.digest import digest
from keepwarm.services.digest import digest_markdown
from tests.conftest import EXPECTED_DRAFTS


def test_the_digest_lists_pending_drafts_and_the_days_runs(demo_config: Path) -> None:
    """After one cycle: four drafts waiting, one run that synced 99 and drafted 4, no alarms."""
    cycle(config=str(demo_config))
    summary = digest(config=str(demo_config))
    assert {p["to"][0] for p in summary["pending"]} == EXPECTED_DRAFTS
    a = summary["activity"]
    assert (a["runs"], a["failed_runs"], a["synced"], a["drafted"], a["delivered"]) == (
        1,
        0,
        99,
        4,
        0,
    )
    assert a["detected"] >= len(EXPECTED_DRAFTS)  # every drafted person is a detected peer
    assert summary["attention"] == []
    text = digest_markdown(summary)
    assert text.startswith("# keepwarm digest — 4 drafts waiting for you")
    assert all("body" not in p for p in summary["pending"])
