"""Folding stored interactions with the interactions they refer to, here or on a worker.

A full detection pass folds the store bucket by bucket; the buckets are independent, so a big
pass hands them to worker processes (`keepwarm.workers`), which read their bucket from the store
through their own connection and send back what they folded, in order. The pass's own process
only writes the units, so a first import's detection runs on every core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from keepwarm.collector import collect_young, collector_paused
from keepwarm.incremental.buckets import Unit, bucket_span
from keepwarm.incremental.folding import Folded, everything, fold_units
from keepwarm.models import StoredInteraction
from keepwarm.peers import DetectionPolicy
from keepwarm.store import loading
from keepwarm.store.engine import make_engine
from keepwarm.store.links import context_ids


def fold_with_context(
    session: Session,
    items: list[StoredInteraction],
    pol: DetectionPolicy,
    now: datetime,
    *,
    lists: dict[str, str],
    wanted: Callable[[Unit], bool] = everything,
) -> Folded:
    """Fold `items` with every interaction they refer to as context."""
    mine = {s.id for s in items}
    context = loading.load_interactions(session, ids=context_ids(session, items) - mine)
    return fold_units(items, pol, now, context=context, lists=lists, wanted=wanted)


@dataclass(frozen=True)
class BucketJob:
    """One bucket of a full pass, with everything folding it needs (it is pickled)."""

    database_url: str
    policy: DetectionPolicy
    now: datetime
    lists: dict[str, str]
    bucket: int


def fold_bucket_in(session: Session, job: BucketJob) -> tuple[int, Folded]:
    """(interactions folded, what they fold into) for one bucket; `touched` is left empty (a
    full pass does not need it)."""
    items = loading.load_between(session, *bucket_span(job.bucket))
    if not items:
        return 0, Folded()
    folded = fold_with_context(session, items, job.policy, job.now, lists=job.lists)
    folded.touched = {}
    return len(items), folded


_engines: dict[str, Engine] = {}


def fold_bucket(job: BucketJob) -> tuple[int, Folded]:
    """`fold_bucket_in` on a worker: through this process's own connection to the store, which
    sees what the pass's process committed (the interactions), never its open transaction."""
    engine = _engines.get(job.database_url)
    if engine is None:
        engine = _engines[job.database_url] = make_engine(job.database_url)
    with collector_paused(), Session(engine) as session:
        try:
            return fold_bucket_in(session, job)
        finally:
            session.rollback()
            collect_young()


def shareable(engine: Engine) -> str | None:
    """The URL another process can open the same database with, or None (an in-memory SQLite
    database is this process's alone)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return make_url(url).render_as_string(hide_password=False)
