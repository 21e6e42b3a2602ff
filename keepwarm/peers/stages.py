"""Stages of a relationship: seeded → watered → growing → established, or dormant when quiet."""

from __future__ import annotations

from datetime import datetime, timedelta

from keepwarm.models import Stage
from keepwarm.peers.policy import DetectionPolicy


def stage(
    *,
    policy: DetectionPolicy,
    now: datetime,
    first_seen: datetime,
    last_seen: datetime,
    followed_up_at: datetime | None,
    last_two_way: datetime | None,
    two_way: int,
) -> Stage:
    """The stage from two-way contacts (meetings, replies) and follow-ups; thresholds are settings."""
    latest = max(d for d in (last_two_way, followed_up_at, last_seen) if d is not None)
    if now - latest > timedelta(days=policy.dormant_after_days):
        return Stage.DORMANT
    span = (last_two_way - first_seen) if last_two_way is not None else timedelta(0)
    if two_way >= policy.established_after and span >= timedelta(days=policy.established_days):
        return Stage.ESTABLISHED
    if two_way >= policy.growing_after:
        return Stage.GROWING
    if followed_up_at is not None:
        return Stage.WATERED
    return Stage.SEEDED


def stage_changes_at(
    *,
    policy: DetectionPolicy,
    now: datetime,
    last_seen: datetime,
    followed_up_at: datetime | None,
    last_two_way: datetime | None,
) -> datetime | None:
    """The first moment after `now` at which `stage` gives another answer if nothing new
    happens (time alone only ever makes a relationship dormant); None when it never will."""
    latest = max(d for d in (last_two_way, followed_up_at, last_seen) if d is not None)
    dormant = latest + timedelta(days=policy.dormant_after_days, microseconds=1)
    return dormant if dormant > now else None
