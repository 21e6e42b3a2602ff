"""`keepwarm serve`: the `cycle` and `digest` schedules in one long-running process.

The one-machine alternative to a Prefect server with a work pool: `prefect.serve` registers
both deployments and runs their scheduled runs in this process (it polls about every 10 s).
"""

from __future__ import annotations

from datetime import timedelta

from prefect import serve as prefect_serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.cycle import cycle
from flows.digest import digest

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
            concurrency_limit=ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
            ),
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
    prefect_serve(*deployments, print_starting_message=False)  # type: ignore[arg-type]
