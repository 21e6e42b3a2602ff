"""When each trigger may fire anew if nothing new happens: its part of drafting's wake-ups.

For a trigger and a person's situation (touches up to `now`), the first moment after `now` at
which the trigger could give a hit it does not give now — with these same touches. Only time
makes triggers start here: a deadline passing (quiet for 90 days), a meeting ending, an
anniversary coming round, a planting dated ahead. Waits common to all triggers (`after`,
cooldowns, "they wrote recently", touches still ahead) are `keepwarm.rules.wakeups`' job.
Registered beside each trigger in `keepwarm.rules.registry`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from keepwarm.rules.triggers import (
    MeetingEndedTrigger,
    NewPeerTrigger,
    NoReplyTrigger,
    QuietTrigger,
    ReplyOwedTrigger,
    Situation,
    YearlyTrigger,
    anniversary,
    quiet_since,
    yearly_date,
)


def new_peer(trigger: NewPeerTrigger, s: Situation) -> datetime | None:
    """It fires for the planting itself: only a planting still ahead can start it later."""
    planted = s.person.planted_at
    if s.person.known:
        return None  # known before the first sync: never new
    return planted if planted is not None and planted > s.now else None


def no_reply(trigger: NoReplyTrigger, s: Situation) -> datetime | None:
    """Only a new email starts one (the wait for `after` is shared)."""
    return None


def reply_owed(trigger: ReplyOwedTrigger, s: Situation) -> datetime | None:
    """Only their new email starts one (the wait for `after` is shared)."""
    return None


def quiet(trigger: QuietTrigger, s: Situation) -> datetime | None:
    if all(t.listed for t in s.touches):
        return None  # list-only relationships get no check-in, whenever
    last = quiet_since(trigger, s.touches)
    if last is None:
        return None
    moment: datetime = last.at + trigger.quiet_for
    return moment if moment > s.now else None


def meeting_ended(trigger: MeetingEndedTrigger, s: Situation) -> datetime | None:
    """A meeting that started but has not ended yet counts once it ends."""
    ahead = [
        t.ended_at or t.at
        for t in reversed(s.touches)
        if t.direction == "meeting" and (t.ended_at or t.at) > s.now
    ]
    return min(ahead, default=None)


def yearly(trigger: YearlyTrigger, s: Situation) -> datetime | None:
    """The start of the next anniversary (midnight in the owner's zone)."""
    _, when = yearly_date(trigger, s)
    if when is None:
        return None
    year, month, day = when
    today = s.now.astimezone(s.zone).date()
    for candidate in (today.year, today.year + 1):
        if year is not None and candidate <= year:
            continue
        on = anniversary(candidate, month, day)
        start = datetime(on.year, on.month, on.day, tzinfo=s.zone).astimezone(UTC)
        if start > s.now:
            return start
    return None
