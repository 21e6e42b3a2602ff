"""The command line's one error handler: any KeepwarmError, from any command, the same way."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from keepwarm.cli.context import KeepwarmGroup
from keepwarm.cli.main import app
from keepwarm.errors import KeepwarmError
from tests.queuedata import open_at, seed, write_config

runner = CliRunner()


class SomeoneElsesError(KeepwarmError):
    """A subclass this module's handler has never heard of (as another issue would add)."""


def test_any_keepwarm_error_from_a_nested_command_is_one_line_and_exit_1() -> None:
    """A command in a sub-group raising a new KeepwarmError subclass needs no wrapping."""
    root = typer.Typer(cls=KeepwarmGroup)
    group = typer.Typer()
    root.add_typer(group, name="peers")

    @root.callback()
    def main() -> None:
        pass

    @group.command("tag")
    def tag(json: bool = typer.Option(False, "--json")) -> None:
        raise SomeoneElsesError("peers.yaml:3: tag 'vip' is not defined")

    human = runner.invoke(root, ["peers", "tag"])
    assert human.exit_code == 1 and human.stdout == ""
    assert human.stderr == "error: peers.yaml:3: tag 'vip' is not defined\n"
    scripted = runner.invoke(root, ["peers", "tag", "--json"])
    assert scripted.exit_code == 1 and scripted.stdout == ""
    assert scripted.stderr == "error: peers.yaml:3: tag 'vip' is not defined\n"


def test_an_unknown_draft_is_an_error_on_stderr_and_stdout_stays_empty(tmp_path: Path) -> None:
    """`show 999 --json` prints no half document: stdout empty, the reason on stderr, exit 1."""
    config = write_config(tmp_path / "ws")
    ws = open_at(config)
    try:
        seed(ws, 1)
    finally:
        ws.close()
    result = runner.invoke(app, ["--config", str(config), "show", "999", "--json"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: no draft with id 999")
    ok = runner.invoke(app, ["--config", str(config), "show", "1", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["id"] == 1


def test_markup_in_an_error_message_is_printed_as_written(tmp_path: Path) -> None:
    """A message carrying [brackets] (a path, a rule name) is not eaten as Rich markup."""
    config = write_config(tmp_path / "ws")
    result = runner.invoke(app, ["--config", str(config), "queue", "--state", "[bold]x"])
    assert result.exit_code == 1
    assert "'[bold]x' is not a draft state" in result.stderr
