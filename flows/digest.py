"""The `digest` flow: once a day, summarise the approval queue and the runs since yesterday."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from keepwarm.services import open_workspace
from keepwarm.services.digest import digest as digest_service
from keepwarm.services.digest import digest_markdown
from keepwarm.settings import load_settings


@flow(name="digest", log_prints=False)
def digest(config: str | None = None, days: int = 1) -> dict[str, Any]:
    """Read-only: one workspace, one query set, one Markdown artifact (`keepwarm-digest`)."""
    ws = open_workspace(load_settings(Path(config) if config else None))
    try:
        summary = digest_service(ws, days=days)
    finally:
        ws.close()
    create_markdown_artifact(
        key="keepwarm-digest", markdown=digest_markdown(summary), description="keepwarm digest"
    )
    get_run_logger().info(
        "digest: %d drafts pending, %d accounts need attention",
        len(summary["pending"]),
        len(summary["attention"]),
    )
    return summary
