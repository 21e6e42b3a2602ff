"""The `cycle` flow: sync every account, detect people, draft follow-ups, deliver approved ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.tasks import deliver_task, detect_task, digest_task, draft_task, sync_account_task
from keepwarm.settings import load_settings


@flow(name="cycle", log_prints=False)
def cycle(config: str | None = None) -> dict[str, Any]:
    """One full pass. A failing account is recorded and skipped; the others go on."""
    logger = get_run_logger()
    settings = load_settings(Path(config) if config else None)
    futures = {a.name: sync_account_task.submit(config, a.name) for a in settings.accounts}
    synced: dict[str, Any] = {}
    for name, future in futures.items():
        state = future.wait() or future.state
        if state.is_completed():
            synced[name] = future.result()
        else:
            error = str(state.result(raise_on_failure=False))
            synced[name] = {"account": name, "error": error}
            logger.error("account %s failed to sync: %s", name, error)
    summary = {
        "sync": synced,
        "detect": detect_task(config),
        "draft": draft_task(config),
        "deliver": deliver_task(config),
    }
    create_markdown_artifact(
        key="cycle-summary", markdown=_markdown(summary), description="keepwarm cycle"
    )
    create_markdown_artifact(
        key="digest", markdown=digest_task(config), description="new peers and drafts waiting"
    )
    return summary


def _markdown(summary: dict[str, Any]) -> str:
    lines = ["| account | new | changed | quarantined | error |", "|---|---|---|---|---|"]
    for name, r in summary["sync"].items():
        lines.append(
            f"| {name} | {r.get('inserted', 0)} | {r.get('updated', 0)} | {r.get('quarantined', 0)} "
            f"| {r.get('error') or ''} |"
        )
    d = summary["draft"]
    lines.append(
        f"\n{summary['detect']['people']} people; {d['created']} new drafts in the queue; "
        f"{summary['deliver']['delivered']} delivered."
    )
    return "\n".join(lines)
