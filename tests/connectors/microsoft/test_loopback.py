"""The whole path over a real loopback socket: settings → build_connector → sync service → store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from fakes.graph import serve
from fakes.graph_sync import mailbox, run
from keepwarm.cli.main import app


def test_sync_over_loopback_then_idle_run(tmp_path: Path) -> None:
    """300 messages, 50 events: every stream fits one page, so both runs are one $batch each."""
    result = run(mailbox(300, 50), tmp_path, label="loopback")
    assert result["initial"]["inserted"] == 350
    assert result["initial"]["requests"] == 1  # two folders, the calendar and /me in one $batch
    assert result["idle"]["requests"] == 1 and result["idle"]["inserted"] == 0
    assert result["initial"]["429s"] == 0


def test_faults_over_loopback_reach_the_same_state(tmp_path: Path) -> None:
    """Dropped connections and 429/503 on a real socket: the stored state equals a clean run."""
    clean = run(mailbox(300, 50), tmp_path / "a", label="clean")
    faulty = run(mailbox(300, 50, fault_rate=0.2, seed=3), tmp_path / "b", label="faulty")
    assert faulty["faults"] > 0 and faulty["state"] == clean["state"]


def test_revoked_account_fails_alone_with_the_command_to_run(tmp_path: Path) -> None:
    """`keepwarm sync`: the account whose sign-in fails reports `keepwarm auth NAME`; the other syncs."""
    failing = f"{sys.executable} -c \"import sys; sys.exit('AADSTS700082: refresh token expired')\""
    working = f"{sys.executable} -c \"print('t')\""
    with serve(mailbox(20, 5)) as root:
        config = tmp_path / "keepwarm.toml"
        config.write_text(
            '[owner]\nname = "Ada"\naddresses = ["ada@analytical.example"]\n\n'
            f'[[accounts]]\nname = "stale"\nkind = "microsoft"\ngraph_endpoint = "{root}"\n'
            f"token_command = '''{failing}'''\n\n"
            f'[[accounts]]\nname = "office"\nkind = "microsoft"\ngraph_endpoint = "{root}"\n'
            f"token_command = '''{working}'''\n"
        )
        result = CliRunner().invoke(app, ["--config", str(config), "sync", "--json"])
    assert result.exit_code == 1
    stale, office = json.loads(result.stdout)
    assert "AADSTS700082" in stale["error"] and "failed (exit 1)" in stale["error"]
    assert office["inserted"] == 25
