"""keepwarm as a new user runs it: `init` with flags, then `sync`, `detect`, `draft`, and the
JSON listings — in this process, through the real command line (Typer's runner)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.realistic.truth import Truth

_runner = CliRunner()


@dataclass
class Outcome:
    people: list[dict[str, Any]]
    queue: list[dict[str, Any]]
    config: Path
    seconds: dict[str, float] = field(default_factory=dict)
    init_output: str = ""


def keepwarm(config: Path, *args: str, code: int | None = 0) -> str:
    result = _runner.invoke(app, ["--config", str(config), *args])
    if code is not None and result.exit_code != code:
        raise AssertionError(
            f"keepwarm {' '.join(args)} exited {result.exit_code}:\n{result.stdout}\n{result.stderr}"
            + (f"\n{result.exception!r}" if result.exception else "")
        )
    return result.stdout


def setup(truth: Truth, workdir: Path, *, flags: bool = True) -> tuple[Path, str]:
    """`keepwarm init` for the truth's owner (`flags=False`: let init find the owner itself)."""
    config = workdir / "keepwarm.toml"
    args = ["init", "--yes", "--timezone", truth.timezone]
    for path in truth.mail:
        args += ["--mail", str(path)]
    for path in truth.calendars:
        args += ["--calendar", str(path)]
    if flags:
        args += ["--name", truth.owner_name]
        for a in truth.owner_addresses:
            args += ["--address", a]
        for d in truth.owner_domains or ["-"]:
            args += ["--domain", d]
    out = keepwarm(config, *args)
    return config, out


def pin(config: Path, now: datetime) -> None:
    """Pin the clock (`as_of`), as a replay does: the truth is written for that moment."""
    config.write_text(f'as_of = "{now.isoformat()}"\n' + config.read_text())


def cycle(config: Path, seconds: dict[str, float] | None = None) -> None:
    for stage in ("sync", "detect", "draft"):
        started = time.perf_counter()
        keepwarm(config, stage, code=None)
        if seconds is not None:
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def listings(config: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    people = json.loads(keepwarm(config, "peers", "--all", "--json"))
    queue = json.loads(keepwarm(config, "queue", "--json"))
    return people, queue


def run(truth: Truth, workdir: Path, *, flags: bool = True, as_of: datetime | None = None) -> Outcome:
    """init → (pin the clock) → sync → detect → draft → peers/queue."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    config, out = setup(truth, workdir, flags=flags)
    seconds["init"] = time.perf_counter() - started
    pin(config, as_of or truth.now)
    cycle(config, seconds)
    people, queue = listings(config)
    return Outcome(people, queue, config, seconds, out)
