"""`keepwarm init` on a mailbox of one's own: found addresses, a config that loads, next steps."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli import init as init_module
from keepwarm.cli.main import app
from keepwarm.settings import load_settings
from tests.cli.mailboxes import ALIAS, OWNER, own_maildir

runner = CliRunner()
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def kw(*args: str, code: int = 0, stdin: str | None = None) -> tuple[str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, result.stdout + result.stderr
    return result.stdout, result.stderr


def test_init_finds_the_owner_in_sent_mail_and_the_first_cycle_drafts(tmp_path: Path) -> None:
    """From the mail alone: name, main address and its alias, the organisation domain; the
    config loads, the rules are copied beside it, and sync → draft fills the queue with
    follow-ups to peers only."""
    own_maildir(tmp_path / "Mail", now=NOW)
    config = tmp_path / "keepwarm.toml"
    out, _ = kw("--config", str(config), "init", "--mail", str(tmp_path / "Mail"),
                "--timezone", "Europe/Berlin", "--yes")  # fmt: skip
    settings = load_settings(config)
    assert settings.owner.name == OWNER[0]
    assert settings.owner.addresses == [OWNER[1], ALIAS[1]]
    assert settings.owner.domains == ["tester-lab.example"]
    assert settings.owner.timezone == "Europe/Berlin"
    assert tomllib.loads(config.read_text())["accounts"][0]["mail"] == ["Mail"]  # relative
    assert (tmp_path / "rules" / "new-peer-thank-you.yaml").is_file()
    assert "found in 5 messages of your sent mail" in out
    assert f"--config {config} run" in out and f"--config {config} web" in out
    config.write_text(f'as_of = "{NOW.isoformat()}"\n' + config.read_text())
    for stage in ("sync", "detect", "draft"):
        kw("--config", str(config), stage)
    peers = json.loads(kw("--config", str(config), "peers", "--json")[0])
    # Tom only ever got mail from the alias: he is a peer because init found the alias.
    assert {p["addresses"][0] for p in peers} == {
        "marco@ferrowind.example", "lena@kleinbau.example", "sam@elsewhere.example",
        "tom@field.example",
    }  # fmt: skip
    queue = json.loads(kw("--config", str(config), "queue", "--json")[0])
    assert queue and {d["to"][0] for d in queue} <= {p["addresses"][0] for p in peers}


def test_init_never_overwrites_without_force_and_keeps_a_backup(tmp_path: Path) -> None:
    """An existing config is refused; --force replaces it and keeps the old one as .bak."""
    own_maildir(tmp_path / "Mail", now=NOW)
    config = tmp_path / "keepwarm.toml"
    config.write_text("# mine\n")
    args = ("--config", str(config), "init", "--mail", str(tmp_path / "Mail"), "--yes")
    _, errors = kw(*args, code=1)
    assert "already exists" in errors and "--force" in errors
    assert config.read_text() == "# mine\n"
    kw(*args, "--force")
    assert (tmp_path / "keepwarm.toml.bak").read_text() == "# mine\n"
    assert load_settings(config).owner.addresses[0] == OWNER[1]


def test_init_mistakes_name_the_flag(tmp_path: Path) -> None:
    """A mail path that is not there, an unknown zone, nothing to go on: one clear error each."""
    config = str(tmp_path / "keepwarm.toml")
    _, errors = kw("--config", config, "init", "--mail", str(tmp_path / "nope"), "--yes", code=1)
    assert f"--mail {tmp_path / 'nope'}: does not exist" in errors
    own_maildir(tmp_path / "Mail", now=NOW)
    _, errors = kw("--config", config, "init", "--mail", str(tmp_path / "Mail"),
                   "--timezone", "Mars/Olympus", "--yes", code=1)  # fmt: skip
    assert "--timezone 'Mars/Olympus': unknown" in errors
    _, errors = kw("--config", config, "init", "--provider", "google", "--yes", code=1)
    assert "pass --name" in errors
    assert not Path(config).exists()


def test_init_for_a_provider_account_says_to_sign_in_first(tmp_path: Path) -> None:
    """With --provider google the config has a google account and the next step is `auth`."""
    config = tmp_path / "keepwarm.toml"
    out, _ = kw("--config", str(config), "init", "--provider", "google", "--name", "Rosa",
                "--address", "rosa@gmail.com", "--timezone", "UTC", "--yes")  # fmt: skip
    settings = load_settings(config)
    assert settings.accounts[0].kind == "google" and settings.owner.domains == []
    assert f"--config {config} auth google" in out


def test_init_asks_when_someone_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal it asks for the mail and offers what it found as the defaults."""
    own_maildir(tmp_path / "Mail", now=NOW)
    monkeypatch.setattr(init_module, "interactive", lambda: True)
    config = tmp_path / "keepwarm.toml"
    answers = f"{tmp_path / 'Mail'}\n\nrosa@tester-lab.example\nEurope/Vienna\n-\n"
    out, _ = kw("--config", str(config), "init", stdin=answers)
    assert f"Your name [{OWNER[0]}]" in out
    settings = load_settings(config)
    assert settings.owner.name == OWNER[0] and settings.owner.addresses == [OWNER[1]]
    assert settings.owner.timezone == "Europe/Vienna"
    assert settings.owner.domains == []  # "-": no organisation
