"""Flow runs and their counts, so `keepwarm status` can say what each scheduled run did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keepwarm.redact import redact
from keepwarm.store.tables import FlowRun


def start_run(session: Session, *, flow: str, flow_run_id: str | None, now: datetime) -> int:
    """Record a run as `running` before it does anything: a crash leaves a visible trace."""
    row = FlowRun(
        flow=flow, flow_run_id=flow_run_id, state="running", started_at=now,
        synced=0, detected=0, drafted=0, delivered=0, errors=[],
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def finish_run(
    session: Session,
    *,
    run_id: int,
    now: datetime,
    synced: int,
    detected: int,
    drafted: int,
    delivered: int,
    errors: list[dict[str, str]],
) -> None:
    row = session.get(FlowRun, run_id)
    if row is None:  # pragma: no cover - the row is written by the same run
        return
    row.finished_at = now
    row.state = "failed" if errors else "completed"
    row.synced, row.detected, row.drafted, row.delivered = synced, detected, drafted, delivered
    row.errors = [{k: redact(v) for k, v in e.items()} for e in errors]


def recent_runs(
    session: Session, *, limit: int = 10, since: datetime | None = None
) -> list[FlowRun]:
    """The newest runs first."""
    query = select(FlowRun).order_by(FlowRun.started_at.desc(), FlowRun.id.desc()).limit(limit)
    if since is not None:
        query = query.where(FlowRun.started_at >= since)
    return list(session.scalars(query))
