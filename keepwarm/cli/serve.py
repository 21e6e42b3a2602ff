"""`keepwarm serve`: keep everything in sync from one process, on the schedules of prefect.yaml.

It prints one line per finished cycle (read back from keepwarm's own run records, so it works
whatever process Prefect runs the flow in) and stops cleanly on Ctrl-C, `kill -INT` or
`kill -TERM`: the runner stops while the Prefect server is still up, then the server; exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType

import typer

from keepwarm.cli.context import err, options, out
from keepwarm.cli.statusview import run_line
from keepwarm.errors import ConfigError
from keepwarm.prefect_env import quiet_prefect
from keepwarm.services import Workspace, open_workspace
from keepwarm.services.health import recent_runs
from keepwarm.settings import Settings, config_path, load_settings

log = logging.getLogger(__name__)
#: How often the run printer looks for finished runs (a cheap indexed query).
POLL_SECONDS = 2.0


class RunPrinter(threading.Thread):
    """Prints each cycle that finishes after it started, one line each."""

    def __init__(self, settings: Settings, *, every: float = POLL_SECONDS) -> None:
        super().__init__(name="keepwarm-run-printer", daemon=True)
        self.settings, self.every, self.stopping = settings, every, threading.Event()
        ws = open_workspace(settings)
        try:
            self.seen = {r["id"] for r in recent_runs(ws, limit=50)}
        finally:
            ws.close()

    def run(self) -> None:
        ws = open_workspace(self.settings)
        try:
            while not self.stopping.wait(self.every):
                self.print_new(ws)
            self.print_new(ws)  # a run that finished while we were stopping
        finally:
            ws.close()

    def print_new(self, ws: Workspace) -> None:
        try:
            runs = recent_runs(ws, limit=20)
        except Exception:  # the database is busy or briefly unreachable: try next time
            log.debug("could not read recent runs", exc_info=True)
            return
        for r in reversed(runs):
            if r["id"] not in self.seen and r["finished_at"] is not None:
                self.seen.add(r["id"])
                out.print(
                    run_line(r, self.settings.owner.timezone, errors=True),
                    highlight=False,
                    soft_wrap=True,
                )

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Stop serving. Once Prefect's runner has started it handles SIGTERM by shutting down
    gracefully (in-flight runs cancelled, loops stopped, `serve` returns): SIGINT does the
    same. Before that, and after, a KeyboardInterrupt unwinds the start-up or shut-down."""
    takeover = signal.getsignal(signal.SIGTERM)
    if callable(takeover) and takeover is not _interrupt:
        takeover(signum, frame)
        return
    raise KeyboardInterrupt


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        ctx: typer.Context,
        every: float | None = typer.Option(
            None,
            "--every",
            help="Minutes between cycles (default: cycle_interval_minutes, 15).",
            min=0.1,
        ),
        digest_cron: str = typer.Option(
            "30 7 * * 1-5",
            "--digest-cron",
            help="When the daily digest runs, as cron in the owner's time zone ('' for never).",
        ),
    ) -> None:
        """Run the `cycle` on a schedule (and the daily digest) in this process until stopped.

        Prints one line per cycle. Uses the Prefect server in PREFECT_API_URL, else starts one on
        127.0.0.1 while it runs. Stop with Ctrl-C (or SIGINT/SIGTERM): exit code 0.
        Example: keepwarm serve --every 15
        """
        path = config_path(options(ctx).config).resolve()
        settings = load_settings(path)
        if not settings.accounts:
            raise ConfigError(f"{path}: no [[accounts]] configured; nothing to keep in sync")
        minutes = every if every is not None else settings.cycle_interval_minutes
        quiet_prefect(settings.state_path)
        # Even when started with SIGINT ignored (a background job of a script), Ctrl-C and
        # kill -INT stop it; SIGTERM before the runner takes it over does the same.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        from flows.serve import prefect_server
        from flows.serve import serve as serve_flows  # Prefect only when serving

        digest = f", digest at '{digest_cron}' ({settings.owner.timezone})" if digest_cron else ""
        printer = RunPrinter(settings)
        try:
            with prefect_server(settings.state_path / "prefect") as url:
                err.print(
                    f"keepwarm serve: a cycle every {minutes:g} min{digest}; "
                    f"Prefect at {url}; Ctrl-C to stop",
                    highlight=False,
                    soft_wrap=True,
                )
                printer.start()
                serve_flows(
                    str(path),
                    every=timedelta(minutes=minutes),
                    digest_cron=digest_cron or None,
                    timezone=settings.owner.timezone,
                )
        except KeyboardInterrupt:
            pass  # a stop asked for while starting or stopping: the servers are shut down
        finally:
            if printer.is_alive():
                printer.stop()
        err.print("keepwarm serve: stopped", highlight=False)
