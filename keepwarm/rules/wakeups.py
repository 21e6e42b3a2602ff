"""When to evaluate a person again if nothing new arrives: each rule's next possible moment.

Drafting evaluates only the people whose data changed and those whose time has come, so for
every rule and person this answers "when could this rule propose something it cannot propose
now, with this same history?". Each trigger answers for itself through `WAKEUPS` (a new trigger
adds its function there); a trigger without one is looked at on every pass, which is always
correct, only slower. Waits that hold across triggers (`after` for no-reply, cooldowns, "they
wrote recently", a touch still in the future) are added here once.

Pure: people, histories, the queue and `now` come in; moments go out.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from keepwarm.models import Owner, PersonView
from keepwarm.rules.evaluate import WAIT_FIRST, LoadedRule, QueueState
from keepwarm.rules.history import Touch
from keepwarm.rules.schema import Policies
from keepwarm.rules.timing import add_delay
from keepwarm.rules.triggers import hit

#: The wake-up of what holds for every rule (a touch still ahead, which may also withdraw a draft).
ANY_RULE = "*"
_TICK = timedelta(microseconds=1)

#: trigger type -> (trigger, person, touches up to now, now) -> the next moment it may fire anew.
Wakeup = Callable[[Any, PersonView, Sequence[Touch], datetime], datetime | None]


def _new_peer(
    trigger: Any, person: PersonView, touches: Sequence[Touch], now: datetime
) -> datetime | None:
    """Fires for the planting itself, so only a planting still ahead can start it later."""
    planted = person.planted_at
    return planted if planted is not None and planted > now else None


def _no_reply(
    trigger: Any, person: PersonView, touches: Sequence[Touch], now: datetime
) -> datetime | None:
    """Only a new email starts one; waiting for `after` is the shared no-reply wait below."""
    return None


def _quiet(
    trigger: Any, person: PersonView, touches: Sequence[Touch], now: datetime
) -> datetime | None:
    if trigger.since == "two_way":
        last = next((t for t in reversed(touches) if t.direction != "out"), None)
    else:
        last = touches[-1] if touches else None
    if last is None:
        return None
    moment: datetime = last.at + trigger.quiet_for
    return moment if moment > now else None


def _meeting_ended(
    trigger: Any, person: PersonView, touches: Sequence[Touch], now: datetime
) -> datetime | None:
    ahead = [
        t.ended_at or t.at
        for t in touches
        if t.direction == "meeting" and (t.ended_at or t.at) > now
    ]
    return min(ahead, default=None)


WAKEUPS: dict[str, Wakeup] = {
    "new_peer": _new_peer,
    "no_reply": _no_reply,
    "quiet": _quiet,
    "meeting_ended": _meeting_ended,
}


def wakeups(
    rules: Sequence[LoadedRule],
    person: PersonView,
    touches: Sequence[Touch],
    owner: Owner,
    *,
    now: datetime,
    policies: Policies,
    queue: QueueState,
) -> dict[str, datetime]:
    """Rule name (or `ANY_RULE`) -> the first moment after `now` worth evaluating again.

    `touches` is the whole history, oldest first (touches after `now` included). A rule may
    draft once its trigger holds and every wait is over (`after` for no-reply, the cooldown,
    "they wrote recently"), so a wait alone never wakes anyone: only a trigger that holds now,
    or one that may start later, does — at the latest of those moments.
    """
    cut = bisect.bisect_right(touches, now, key=lambda t: t.at)
    visible, ahead = touches[:cut], touches[cut:]
    found: dict[str, datetime] = {}
    if ahead:
        found[ANY_RULE] = ahead[0].at
    shared: list[datetime] = []
    if policies.recent_inbound is not None:
        last_in = next((t for t in reversed(visible) if t.direction == "in"), None)
        if last_in is not None and last_in.at + policies.recent_inbound >= now:
            shared.append(last_in.at + policies.recent_inbound + _TICK)
    zone = ZoneInfo(owner.timezone)
    last_draft = queue.last_draft_at.get(person.key)
    for loaded in rules:
        rule = loaded.rule
        if not rule.enabled or person.classification.value not in rule.when.classification:
            continue
        waits = list(shared)
        if (
            rule.cooldown is not None
            and last_draft is not None
            and last_draft + rule.cooldown > now
        ):
            waits.append(last_draft + rule.cooldown)
        starts: list[datetime] = []
        current = hit(rule, person, visible, now)
        if current is not None:
            starts.append(now)
            if rule.trigger.type in WAIT_FIRST:
                ready = add_delay(current.anchor, rule.after, zone, policies.holidays)
                if ready > now:
                    waits.append(ready)
        wake = WAKEUPS.get(rule.trigger.type)
        later = now if wake is None else wake(rule.trigger, person, visible, now)
        if later is not None:
            starts.append(later)
        moments = [max([start, *waits]) for start in starts if waits or start > now]
        if wake is None:
            moments.append(max([now, *waits]))  # unknown trigger: look at it on every pass
        if moments:
            found[rule.name] = min(moments)
    return found
