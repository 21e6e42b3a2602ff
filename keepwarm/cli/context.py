"""What every command shares: the chosen config, opening the workspace, printing, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from keepwarm.errors import KeepwarmError
from keepwarm.redact import redact
from keepwarm.services import Workspace, open_workspace
from keepwarm.settings import Settings, load_settings

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


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


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body; a KeepwarmError becomes a message on stderr and exit code 1."""
    try:
        return fn()
    except KeepwarmError as exc:
        message = redact(str(exc))  # a credential in an error is never printed
        err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(1) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
