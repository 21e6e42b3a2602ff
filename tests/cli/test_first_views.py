"""What a new user sees: hints before the first sync, status per folder, local times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.cli.mailboxes import own_maildir
from tests.queuedata import open_at, seed, write_config

runner = CliRunner()
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def invoke(config: Path, *args: str) -> tuple[str, str]:
    result = runner.invoke(app, ["--config", str(config), *args])
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout, result.stderr


def test_views_before_any_sync_say_what_to_run(tmp_path: Path) -> None:
    """queue, peers and status point to `keepwarm sync` on stderr; JSON on stdout stays valid."""
    config = write_config(tmp_path / "ws")
    for command in ("queue", "peers", "status"):
        _, errors = invoke(config, command)
        assert "nothing synced yet: run `" in errors and " sync`" in errors, command
        out, errors = invoke(config, command, "--json")
        json.loads(out)
        assert "nothing synced yet" in errors
    invoke(config, "sync")
    for command in ("queue", "peers", "status"):
        assert "nothing synced yet" not in invoke(config, command)[1], command


def test_status_sums_inputs_per_configured_folder_and_lists_them_under_verbose(
    tmp_path: Path,
) -> None:
    """A Maildir with a .Sent subfolder is one line with its total; --verbose lists both."""
    own_maildir(tmp_path / "Mail", now=NOW)
    config = tmp_path / "keepwarm.toml"
    config.write_text(
        '[owner]\nname = "Rosa"\naddresses = ["rosa@tester-lab.example"]\n'
        'timezone = "Europe/Berlin"\n\n[[accounts]]\nname = "home"\nkind = "files"\n'
        'mail = ["Mail"]\n'
    )
    invoke(config, "sync")
    out, _ = invoke(config, "status")
    assert "  Mail: 8 messages, in 2 files or folders\n" in out
    assert "Mail/.Sent" not in out
    verbose, _ = invoke(config, "status", "--verbose")
    assert "  Mail: messages 3, quarantined 0" in verbose
    assert "  Mail/.Sent: messages 5, quarantined 0" in verbose
    [account] = json.loads(invoke(config, "status", "--json")[0])["accounts"]
    assert account["folders"] == [
        {"key": "accounts.0.mail[0]", "path": str(tmp_path / "Mail"), "exists": True,
         "inputs": 2, "messages": 8, "events": 0, "quarantined": 0}
    ]  # fmt: skip


def test_human_times_are_local_to_the_owner_and_to_the_minute(tmp_path: Path) -> None:
    """A draft due 17:59 UTC shows as 18:59 for an owner in Berlin; JSON keeps UTC ISO."""
    config = write_config(tmp_path / "ws")
    config.write_text(config.read_text().replace("Europe/London", "Europe/Berlin"))
    ws = open_at(config)
    try:
        seed(ws, 1)
    finally:
        ws.close()
    out, _ = invoke(config, "queue")
    assert "2026-11-20 18:59" in out and "times in Europe/Berlin" in out
    shown, _ = invoke(config, "show", "1")
    assert "Due 2026-11-20 18:59, expires 2026-12-04 19:00 (Europe/Berlin)" in shown
    assert ":59:" not in shown  # no seconds anywhere
    [item] = json.loads(invoke(config, "queue", "--json")[0])
    assert item["due"] == "2026-11-20T17:59:00+00:00"
