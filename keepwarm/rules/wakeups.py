"""When to evaluate a person again if nothing new arrives: each rule's next possible moment.

Drafting evaluates only the people whose data changed and those whose time has come, so for
every rule and person this answers "when could this rule propose something it cannot propose
now, with this same history?". Each trigger answers for itself (`TriggerSpec.wakes` in the
registry); the waits that hold across triggers (`after` for triggers that wait first, cooldowns,
"they wrote recently", a touch still ahead, a meeting coming into the planning horizon) are
added here once. A wait alone never wakes anyone: only a trigger that holds now, or one that
may start later, does — at the latest of those moments.

Pure: people, histories, the queue and `now` come in; moments go out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from keepwarm.models import Owner, PersonView
from keepwarm.rules.conditions import person_tags
from keepwarm.rules.evaluate import ANSWERS, PLANNED_AHEAD, LoadedRule, QueueState
from keepwarm.rules.history import Touch
from keepwarm.rules.registry import WAIT_FIRST, fire, wakes
from keepwarm.rules.schema import Policies
from keepwarm.rules.timing import add_delay
from keepwarm.rules.triggers import Situation

#: The wake-up of what holds for every rule (a touch still ahead, which may also withdraw a draft).
ANY_RULE = "*"
_TICK = timedelta(microseconds=1)


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

    `touches` is the whole history, oldest first (touches after `now` included).
    """
    cut = bisect.bisect_right(touches, now, key=lambda t: t.at)
    visible, ahead = touches[:cut], touches[cut:]
    found: dict[str, datetime] = {}
    moments = [ahead[0].at] if ahead else []
    planned = [t.at - PLANNED_AHEAD for t in ahead if t.direction == "meeting"]
    moments += [at for at in planned if at > now][:1]  # `meeting_planned` turns true then
    if moments:
        found[ANY_RULE] = min(moments)
    recent: datetime | None = None
    if policies.recent_inbound is not None:
        last_in = next((t for t in reversed(visible) if t.direction == "in"), None)
        if last_in is not None and last_in.at + policies.recent_inbound >= now:
            recent = last_in.at + policies.recent_inbound + _TICK
    zone = ZoneInfo(owner.timezone)
    tagged = replace(person, tags=person_tags(person, policies)) if policies.tags else person
    situation = Situation(
        tagged, visible, now, zone,
        meeting_planned=any(t.direction == "meeting" and t.at <= now + PLANNED_AHEAD for t in ahead),
    )  # fmt: skip
    last_draft = queue.last_draft_at.get(person.key)
    for loaded in rules:
        rule = loaded.rule
        if not rule.enabled or person.classification.value not in rule.when.classification:
            continue
        waits: list[datetime] = []
        if recent is not None and rule.trigger.type not in ANSWERS:
            waits.append(recent)
        if (
            rule.cooldown is not None
            and last_draft is not None
            and last_draft + rule.cooldown > now
        ):
            waits.append(last_draft + rule.cooldown)
        starts: list[datetime] = []
        current = fire(rule.trigger, situation)
        if current is not None:
            starts.append(now)
            if rule.trigger.type in WAIT_FIRST:
                ready = add_delay(current.anchor, rule.after, zone, policies.holidays)
                if ready > now:
                    waits.append(ready)
        later = wakes(rule.trigger, situation)
        if later is not None:
            starts.append(later)
        due = [max([start, *waits]) for start in starts if waits or start > now]
        if due:
            found[rule.name] = min(due)
    return found
