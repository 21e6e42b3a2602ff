"""`keepwarm demo`: the bundled examples only read, the state in a cache folder or beside --config."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.conftest import ROOT

runner = CliRunner()


def test_demo_keeps_its_state_out_of_the_source_tree_and_prints_commands_that_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --config the demo lives in $XDG_CACHE_HOME/keepwarm/demo; examples/ gains
    nothing; the hint names an absolute executable and the demo's config, and running it
    as printed shows the same four drafts."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    before = sorted(p.name for p in (ROOT / "examples").iterdir())
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (ROOT / "examples").iterdir()) == before
    home = tmp_path / "cache" / "keepwarm" / "demo"
    assert (home / ".keepwarm").is_dir()
    [hint] = [line for line in result.stdout.splitlines() if line.startswith("See it again")]
    words = shlex.split(hint.split(": ", 1)[1])
    assert Path(words[0]).is_absolute() and Path(words[0]).name == "keepwarm"
    assert words[1:] == ["--config", str(home / "keepwarm.toml"), "queue"]
    again = runner.invoke(app, [*words[1:], "--json"])
    assert again.exit_code == 0 and again.stdout.count('"state": "pending"') == 4


def test_demo_honours_config_and_never_overwrites_a_real_one(tmp_path: Path) -> None:
    """--config PATH: the demo's config is written there, state beside it; an existing config
    that is not a demo's is refused untouched."""
    mine = tmp_path / "mine.toml"
    mine.write_text("# my real config\n")
    refused = runner.invoke(app, ["--config", str(mine), "demo"])
    assert refused.exit_code == 1 and "not a keepwarm demo config" in refused.stderr
    assert mine.read_text() == "# my real config\n"
    target = tmp_path / "try" / "demo.toml"
    result = runner.invoke(app, ["--config", str(target), "demo"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (tmp_path / "try" / ".keepwarm" / "keepwarm.db").is_file()
    assert f"--config {target} queue" in result.stdout
