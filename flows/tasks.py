"""Thin tasks: open the workspace from a config path, call one service, return plain counts.

Parameters and results are plain values (paths, names, dicts) so runs are cheap to serialise;
one task per account or stage, never per message (a task call costs milliseconds).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import Task, get_run_logger, task
from prefect.client.schemas.objects import State, TaskRun

from keepwarm.errors import is_transient
from keepwarm.services import open_workspace
from keepwarm.services.deliver import deliver
from keepwarm.services.digest import digest, markdown
from keepwarm.services.pipeline import refresh
from keepwarm.services.sync import sync_account
from keepwarm.settings import load_settings


def _retry_transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only what may succeed next time: rate limits and transient provider errors."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


def _config(config: str | None) -> Path | None:
    return Path(config) if config else None


@task(
    name="sync-account",
    task_run_name="sync-{account}",
    retries=3,
    retry_delay_seconds=[10, 60, 300],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
)
def sync_account_task(config: str | None, account: str) -> dict[str, Any]:
    ws = open_workspace(load_settings(_config(config)))
    try:
        report = sync_account(ws, account)
    finally:
        ws.close()
    get_run_logger().info(
        "account %s: %d new, %d changed, %d unchanged, %d quarantined",
        account, report.inserted, report.updated, report.unchanged, report.quarantined,
    )  # fmt: skip
    return asdict(report)


@task(name="detect-and-draft")
def refresh_task(config: str | None) -> dict[str, dict[str, Any]]:
    """Detect then draft in one task: drafting reuses what detection read, and both only
    look at what changed since the last cycle."""
    ws = open_workspace(load_settings(_config(config)))
    try:
        detected, drafted = refresh(ws)
    finally:
        ws.close()
    logger = get_run_logger()
    logger.info(
        "detection (%s): %d people, %d recomputed: %s",
        detected.mode, detected.people, detected.recomputed, detected.by_classification,
    )  # fmt: skip
    logger.info(
        "drafting (%s): %d people evaluated, %d drafts proposed, %d new in the queue",
        drafted.mode, drafted.evaluated, drafted.proposed, drafted.created,
    )  # fmt: skip
    return {"detect": asdict(detected), "draft": asdict(drafted)}


@task(name="deliver")
def deliver_task(config: str | None) -> dict[str, Any]:
    ws = open_workspace(load_settings(_config(config)))
    try:
        report = deliver(ws)
    finally:
        ws.close()
    get_run_logger().info(
        "delivered %d approved drafts, %d failed", report.delivered, report.failed
    )
    return asdict(report)


@task(name="digest")
def digest_task(config: str | None) -> str:
    """The digest's markdown (new peers, drafts waiting), for the cycle's artifact."""
    ws = open_workspace(load_settings(_config(config)))
    try:
        return markdown(digest(ws))
    finally:
        ws.close()
