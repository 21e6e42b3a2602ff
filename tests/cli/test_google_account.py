"""A Google account that needs re-authorisation: reported with the command, others keep syncing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app

runner = CliRunner()


def test_unsigned_google_account_does_not_stop_other_accounts(demo_config: Path) -> None:
    """`sync` fails for `work` with `keepwarm auth work`, still syncs `demo`; status shows it."""
    text = demo_config.read_text()
    text += '\n[[accounts]]\nname = "work"\nkind = "google"\napi_endpoint = "http://127.0.0.1:9"\n'
    demo_config.write_text(text)
    result = runner.invoke(app, ["--config", str(demo_config), "sync", "--json"])
    assert result.exit_code == 1
    reports = {r["account"]: r for r in json.loads(result.stdout)}
    assert reports["demo"]["inserted"] > 0
    assert "keepwarm auth work" in reports["work"]["error"]
    status = runner.invoke(app, ["--config", str(demo_config), "status", "--json"])
    accounts = {a["name"]: a for a in json.loads(status.stdout)["accounts"]}
    assert "keepwarm auth work" in accounts["work"]["last_error"]
