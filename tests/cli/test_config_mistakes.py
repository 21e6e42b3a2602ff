"""Loud, precise configuration mistakes: misspelt keys and mail paths that are not there."""

from __future__ import annotations

import json
import mailbox
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.models import Quarantined
from keepwarm.services import open_workspace
from keepwarm.settings import load_settings
from keepwarm.store.accounts import ensure_account, quarantine

runner = CliRunner()
OWNER = '[owner]\nname = "Rosa"\naddresses = ["rosa@lab.example"]\ntimezone = "Europe/Berlin"\n'


def invoke(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def write_mbox(path: Path, count: int) -> None:
    """`count` messages to Rosa, with Message-IDs unique to this file."""
    box = mailbox.mbox(str(path))
    for i in range(count):
        m = EmailMessage()
        m["From"] = f"Peer {i} <peer{i}@org.example>"
        m["To"] = "rosa@lab.example"
        m["Subject"] = f"Hello {i}"
        m["Date"] = "Tue, 10 Nov 2026 10:00:00 +0000"
        m["Message-ID"] = f"<{path.stem}.{i}@org.example>"
        m.set_content("hi")
        box.add(m)
    box.close()


def test_misspelt_keys_get_the_closest_real_key(tmp_path: Path) -> None:
    """Each misspelling is named by its key as written, with a suggestion from the model."""
    config = tmp_path / "keepwarm.toml"
    config.write_text(
        'rule_dir = "r"\n' + OWNER.replace("addresses", "adresses") + "\n"
        '[[accounts]]\nname = "home"\nkind = "files"\nmial = ["Mail"]\n'
        "[detection]\nmax_meting_size = 3\n"
        "[web]\nzzz = 1\n"
    )
    code, out, errors = invoke(config, "queue")
    assert code == 1 and out == ""
    assert "owner.adresses: unknown key; did you mean 'addresses'?" in errors
    assert "owner.addresses: required but missing" in errors
    assert "accounts.0.mial: unknown key; did you mean 'mail'?" in errors
    assert "detection.max_meting_size: unknown key; did you mean 'max_meeting_size'?" in errors
    assert "rule_dir: unknown key; did you mean 'rules_dir'?" in errors
    assert "web.zzz: unknown key; allowed here: host, port, access_token" in errors


def test_a_missing_mail_path_is_an_error_naming_its_key_and_the_rest_syncs(tmp_path: Path) -> None:
    """sync exits 1 naming `accounts.0.mail[1]`; the present mbox is read; status shows the
    error rather than a success; once the file exists the next sync succeeds."""
    write_mbox(tmp_path / "inbox.mbox", 3)
    config = tmp_path / "keepwarm.toml"
    config.write_text(
        OWNER + '\n[[accounts]]\nname = "home"\nkind = "files"\n'
        'mail = ["inbox.mbox", "Archive.mbox"]\n'
    )
    code, _, errors = invoke(config, "sync")
    missing = tmp_path / "Archive.mbox"
    assert code == 1
    assert f"accounts.0.mail[1]: {missing} does not exist" in errors
    code, out, _ = invoke(config, "status", "--json")
    [account] = json.loads(out)["accounts"]
    assert account["interactions"] == 3
    assert account["last_success"] is None and "accounts.0.mail[1]" in account["last_error"]
    assert account["quarantined"] == []  # reported as the error, not as a quarantined file
    write_mbox(missing, 2)
    code, _, errors = invoke(config, "sync")
    assert code == 0, errors
    [account] = json.loads(invoke(config, "status", "--json")[1])["accounts"]
    assert account["interactions"] == 5
    assert account["last_error"] is None and account["last_success"] is not None


def test_stale_quarantine_of_an_input_is_cleared_once_it_reads(tmp_path: Path) -> None:
    """A whole-file problem recorded by an earlier sync (the file was unreadable) disappears
    from status when the file reads again; a bad message inside it stays reported."""
    inbox = tmp_path / "inbox.mbox"
    write_mbox(inbox, 2)
    config = tmp_path / "keepwarm.toml"
    config.write_text(
        OWNER + '\n[[accounts]]\nname = "home"\nkind = "files"\nmail = ["inbox.mbox"]\n'
    )
    ws = open_workspace(load_settings(config))
    try:
        now = ws.settings.now()
        with ws.session() as session:
            account = ensure_account(session, name="home", kind="files", now=now)
            quarantine(
                session, account_id=account.id, now=now,
                items=(Quarantined(str(inbox), "", f"permission denied: {inbox}"),
                       Quarantined(str(inbox), "byte 10", "not a message")),
            )  # fmt: skip
    finally:
        ws.close()
    assert invoke(config, "sync")[0] == 0
    [account] = json.loads(invoke(config, "status", "--json")[1])["accounts"]
    assert [q["position"] for q in account["quarantined"]] == ["byte 10"]
