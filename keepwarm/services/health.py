"""Sync health: flow-run bookkeeping, stalled accounts, and the fix for each kind of error.

The cycle flow records each run here (through services, never Prefect in the store), and
`keepwarm status`, the digest and the web page read it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from keepwarm.services.workspace import Workspace
from keepwarm.store import accounts as accounts_store
from keepwarm.store import runs as store
from keepwarm.store.tables import FlowRun

#: How many missed intervals make an account "stalled".
STALL_INTERVALS = 3

_FIXES = {
    "AuthError": "run `keepwarm auth {account}` to sign in again",
    "RateLimited": "nothing to do: the provider asked to slow down; the next cycle resumes",
    "TransientError": "nothing to do if it passes: the provider was unreachable; the next cycle retries",
    "CursorExpired": "nothing to do: the next sync starts over from a full sync without duplicates",
    "PermanentError": "check the account's settings in keepwarm.toml (`keepwarm status` shows which)",
    "ConfigError": "edit keepwarm.toml as the message says, then run `keepwarm sync --account {account}`",
}
_UNEXPECTED = (
    "a keepwarm bug: run `keepwarm --verbose sync --account {account}` and report the output"
)


def fix_for(kind: str | None, account: str) -> str | None:
    """The action that clears an account's last error, or None when there is no error."""
    if kind is None:
        return None
    return _FIXES.get(kind, _UNEXPECTED).format(account=account)


def is_stalled(
    *,
    now: datetime,
    interval: timedelta,
    created_at: datetime | None,
    last_success: datetime | None,
) -> bool:
    """No successful sync for `STALL_INTERVALS` intervals (counted from creation if never)."""
    since = last_success or created_at
    return since is not None and now - since > STALL_INTERVALS * interval


#: What to say when a command has nothing to show because no account was ever synced.
NOTHING_SYNCED = "nothing synced yet: run `{command}`"


def synced_yet(ws: Workspace) -> bool:
    """Whether any account was ever synced, so an empty view means "nothing there"."""
    with ws.session() as session:
        return accounts_store.any_synced(session)


def start_run(ws: Workspace, *, flow: str, flow_run_id: str | None) -> int:
    with ws.session() as session:
        return store.start_run(session, flow=flow, flow_run_id=flow_run_id, now=ws.settings.now())


def finish_run(ws: Workspace, run_id: int, summary: dict[str, Any]) -> None:
    """Store what a cycle did: new interactions, peers, new drafts, deliveries and errors."""
    sync = summary.get("sync", {})
    errors = [
        {"account": name, "error": str(r["error"])} for name, r in sync.items() if r.get("error")
    ]
    errors += [
        {"stage": stage, "error": str(summary[stage]["error"])}
        for stage in ("detect", "draft", "deliver")
        if isinstance(summary.get(stage), dict) and summary[stage].get("error")
    ]
    with ws.session() as session:
        store.finish_run(
            session,
            run_id=run_id,
            now=ws.settings.now(),
            synced=sum(int(r.get("inserted", 0)) + int(r.get("updated", 0)) for r in sync.values()),
            detected=int(summary.get("detect", {}).get("by_classification", {}).get("peer", 0)),
            drafted=int(summary.get("draft", {}).get("created", 0)),
            delivered=int(summary.get("deliver", {}).get("delivered", 0)),
            errors=errors,
        )


def run_json(r: FlowRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "flow": r.flow,
        "flow_run_id": r.flow_run_id,
        "state": r.state,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "synced": r.synced,
        "detected": r.detected,
        "drafted": r.drafted,
        "delivered": r.delivered,
        "errors": list(r.errors),
    }


def recent_runs(
    ws: Workspace, *, limit: int = 10, since: datetime | None = None
) -> list[dict[str, Any]]:
    with ws.session() as session:
        return [run_json(r) for r in store.recent_runs(session, limit=limit, since=since)]
