"""`keepwarm serve`: keep everything in sync from one process, on the schedules of prefect.yaml."""

from __future__ import annotations

from datetime import timedelta

import typer

from keepwarm.cli.context import err, options
from keepwarm.errors import ConfigError
from keepwarm.prefect_env import quiet_prefect
from keepwarm.settings import config_path, load_settings


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

        Uses the Prefect server in PREFECT_API_URL, else starts one on 127.0.0.1 while it runs. Stop with Ctrl-C.
        Example: keepwarm serve --every 15
        """
        path = config_path(options(ctx).config).resolve()
        settings = load_settings(path)
        if not settings.accounts:
            raise ConfigError(f"{path}: no [[accounts]] configured; nothing to keep in sync")
        minutes = every if every is not None else settings.cycle_interval_minutes
        quiet_prefect(settings.state_path)
        from flows.serve import prefect_server
        from flows.serve import serve as serve_flows  # Prefect only when serving

        digest = f", digest at '{digest_cron}' ({settings.owner.timezone})" if digest_cron else ""
        with prefect_server(settings.state_path / "prefect") as url:
            err.print(
                f"keepwarm serve: a cycle every {minutes:g} min{digest}; "
                f"Prefect at {url}; Ctrl-C to stop",
                highlight=False,
            )
            serve_flows(
                str(path),
                every=timedelta(minutes=minutes),
                digest_cron=digest_cron or None,
                timezone=settings.owner.timezone,
            )
