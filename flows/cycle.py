"""The `cycle` flow: sync every account, detect people, draft follow-ups, deliver approved ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows.tasks import deliver_task, digest_task, refresh_task, sync_account_task
from keepwarm.services import open_workspace
from keepwarm.services.health import finish_run, start_run
from keepwarm.settings import Settings, load_settings


@flow(name="cycle", log_prints=False)
def cycle(config: str | None = None) -> dict[str, Any]:
    """One full pass. Accounts sync concurrently, one task each; a failing account is recorded
    and shown, and never blocks the others or the later stages."""
    logger = get_run_logger()
    settings = load_settings(Path(config) if config else None)
    run_id = _record(settings, None, flow_run_id=str(flow_run.get_id() or "") or None)
    summary: dict[str, Any] = {"sync": {}, "detect": {}, "draft": {}, "deliver": {}}
    try:
        futures = {
            a.name: sync_account_task.with_options(tags=[f"keepwarm-{a.kind}"]).submit(
                config, a.name
            )
            for a in settings.accounts
        }
        for name, future in futures.items():
            future.wait()
            state = future.state
            if state.is_completed():
                summary["sync"][name] = future.result()
            else:
                error = str(state.result(raise_on_failure=False))
                summary["sync"][name] = {"account": name, "error": error}
                logger.error("account %s failed to sync: %s", name, error)
        summary.update(refresh_task(config))
        summary["deliver"] = deliver_task(config)
    except BaseException as exc:
        for stage in ("detect", "draft", "deliver"):
            if not summary[stage]:
                summary[stage] = {"error": f"{type(exc).__name__}: {exc}"}
                break
        _record(settings, (run_id, summary))
        raise
    _record(settings, (run_id, summary))
    create_markdown_artifact(
        key="cycle-summary", markdown=_markdown(summary), description="keepwarm cycle"
    )
    create_markdown_artifact(
        key="digest", markdown=digest_task(config), description="new peers and drafts waiting"
    )
    return summary


def _record(
    settings: Settings, finished: tuple[int, dict[str, Any]] | None, flow_run_id: str | None = None
) -> int:
    """Start (finished=None) or finish the run's row in keepwarm's own database."""
    ws = open_workspace(settings)
    try:
        if finished is None:
            return start_run(ws, flow="cycle", flow_run_id=flow_run_id)
        finish_run(ws, *finished)
        return finished[0]
    finally:
        ws.close()


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
