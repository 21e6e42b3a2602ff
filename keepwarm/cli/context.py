"""What every command shares: the chosen config, opening the workspace, printing, errors.

Errors have one handler for the whole command line: `KeepwarmGroup.invoke` wraps every command
(and every command group's callback), so a command simply lets a `KeepwarmError` of any kind
rise. It becomes `error: <message>` on stderr and exit code 1; stdout stays clean, so a
`--json` caller gets either one JSON document or nothing.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from keepwarm.errors import KeepwarmError
from keepwarm.redact import redact
from keepwarm.services import Workspace, open_workspace
from keepwarm.services.health import NOTHING_SYNCED
from keepwarm.settings import Settings, config_path, load_settings

out = Console()
err = Console(stderr=True)


@dataclass
class Options:
    config: Path | None = None
    verbose: bool = False


def options(ctx: typer.Context) -> Options:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Options) else Options()


def settings_for(ctx: typer.Context) -> Settings:
    return load_settings(options(ctx).config)


@contextmanager
def workspace(ctx: typer.Context) -> Iterator[Workspace]:
    ws = open_workspace(settings_for(ctx))
    try:
        yield ws
    finally:
        ws.close()


def report_error(exc: KeepwarmError, *, plain: bool = False) -> None:
    """`error: <message>` on stderr, one logical line per line of the message, never wrapped.

    `plain` (under `--json`) drops colour so a script reading stderr gets the bare text.
    """
    message = redact(str(exc)) or type(exc).__name__  # a credential is never printed
    if plain:
        sys.stderr.write(f"error: {message}\n")
        return
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


class KeepwarmGroup(TyperGroup):
    """The root command group: the command line's single error handler."""

    def invoke(self, ctx: Any) -> Any:
        wants_json = "--json" in [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except KeepwarmError as exc:
            report_error(exc, plain=wants_json)
            raise typer.Exit(1) from None


def command_name() -> str:
    """How to type keepwarm in this shell: `keepwarm` when that is this program on PATH, else
    the absolute path of this virtual environment's executable (works without activating it)."""
    ours = Path(sys.executable).parent / "keepwarm"
    on_path = shutil.which("keepwarm")
    if on_path and Path(on_path).resolve() == ours.resolve():
        return "keepwarm"
    return str(ours)


def run_hint(config: Path, *args: str) -> str:
    """A command line that works as printed: the executable, `--config` unless it is the
    default one in this folder, then `args`."""
    parts = [command_name()]
    if config.absolute() != config_path(None).absolute():  # the one found without --config
        parts += ["--config", shlex.quote(str(config.absolute()))]
    return " ".join(parts + [shlex.quote(a) for a in args])


def hint_nothing_synced(ctx: typer.Context) -> None:
    """On stderr (stdout may be JSON): why a view is empty before the first sync."""
    command = run_hint(config_path(options(ctx).config), "sync")
    err.print(NOTHING_SYNCED.format(command=command), highlight=False, markup=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
