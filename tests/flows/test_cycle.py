"""The `cycle` flow end to end through Prefect, on the bundled examples."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flows.cycle import cycle
from keepwarm.cli.main import app
from tests.conftest import EXPECTED_DRAFTS


def test_cycle_twice_drafts_once(demo_config: Path) -> None:
    """Two cycles over the same data: the second syncs nothing new and queues no new draft."""
    first = cycle(config=str(demo_config))
    second = cycle(config=str(demo_config))
    assert first["sync"]["demo"]["inserted"] == 65 + 34
    assert first["draft"]["created"] == 4
    assert second["sync"]["demo"]["inserted"] == 0
    assert second["draft"]["created"] == 0
    queue = json.loads(
        CliRunner().invoke(app, ["--config", str(demo_config), "queue", "--json"]).stdout
    )
    assert {d["to"][0] for d in queue} == EXPECTED_DRAFTS


def test_a_missing_input_is_the_accounts_error_and_the_cycle_goes_on(demo_config: Path) -> None:
    """A configured mail folder that does not exist is reported by its key as the account's
    error (not a quarantined file); the account's other inputs still sync and draft."""
    text = demo_config.read_text().replace('mail = ["mail"]', 'mail = ["mail", "missing-folder"]')
    demo_config.write_text(text)
    summary = cycle(config=str(demo_config))
    assert "accounts.0.mail[1]:" in summary["sync"]["demo"]["error"]
    assert "missing-folder does not exist" in summary["sync"]["demo"]["error"]
    assert summary["draft"]["created"] == 4
