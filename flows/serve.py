"""`keepwarm serve`: the `cycle` and `digest` schedules in one long-running process.

The one-machine alternative to a Prefect server with a work pool: `prefect.serve` registers
both deployments and runs their scheduled runs in this process (it polls about every 10 s).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from prefect import serve as prefect_serve
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.cycle import cycle
from flows.digest import digest
from keepwarm.errors import ConfigError

#: Deployments served in-process are named apart from prefect.yaml's (`cycle/cycle`), so both
#: can share one Prefect server without the worker's pull steps leaking into the served runs.
SERVE_NAME = "keepwarm-serve"


def serve(config: str, *, every: timedelta, digest_cron: str | None, timezone: str) -> None:
    """Block, running a cycle every `every` (never two at once) and the digest on its cron."""
    deployments = [
        cycle.to_deployment(
            name=SERVE_NAME,
            interval=every,
            parameters={"config": config},
        )
    ]
    if digest_cron:
        deployments.append(
            digest.to_deployment(
                name=SERVE_NAME,
                schedule=Cron(digest_cron, timezone=timezone),
                parameters={"config": config, "days": 1},
            )
        )
    # limit=1: this process runs one flow run at a time, so cycles never overlap (a late
    # tick waits for the running one instead of being cancelled).
    prefect_serve(*deployments, print_starting_message=False, limit=1)  # type: ignore[arg-type]


@contextmanager
def prefect_server(home: Path, *, startup_timeout: float = 120) -> Iterator[str]:
    """PREFECT_API_URL when set; else a `prefect server start` child on 127.0.0.1 for as long
    as we serve. (Prefect's temporary in-process server runs no scheduler: no tick would fire.)"""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    url = f"http://127.0.0.1:{port}/api"
    home.mkdir(parents=True, exist_ok=True)
    with (home / "server.log").open("ab") as log:
        server = subprocess.Popen(
            [Path(sys.executable).parent / "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--analytics-off"],
            stdout=log, stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal reaches `keepwarm serve` only, which
            # stops its runner while the server is still there, then stops the server.
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    with urllib.request.urlopen(url + "/health", timeout=5):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise ConfigError(
                            f"the local Prefect server did not start; see {home / 'server.log'}, "
                            "or set PREFECT_API_URL to a running server"
                        ) from None
                    time.sleep(0.5)
            os.environ["PREFECT_API_URL"] = url  # for the flow-run processes the runner starts
            # Prefect read its settings when it was imported: tell this process too, or its
            # client would start a second, ephemeral server of its own.
            with temporary_settings(updates={PREFECT_API_URL: url}):
                yield url
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
