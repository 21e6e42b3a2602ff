"""Triggers and conditions: does a rule apply to a person now, and on which interaction?

Each trigger yields at most one `Hit` per rule and person: the current instance (the
thank-you for the first meeting, the nudge for the latest unanswered email, …). The hit's
`instance` goes into the draft key, so the same instance never produces a second draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from keepwarm.models import PersonView
from keepwarm.rules.history import Touch
from keepwarm.rules.schema import (
    MeetingEndedTrigger,
    NewPeerTrigger,
    NoReplyTrigger,
    QuietTrigger,
    ReplyOwedTrigger,
    Rule,
    When,
)

#: An email to at most this many people besides the owner is personal: it can be owed a reply.
PERSONAL_RECIPIENTS = 3


@dataclass(frozen=True, slots=True)
class Hit:
    instance: str
    touch: Touch
    anchor: datetime
    reason: str
    reply_to: Touch | None = None


def hit(
    rule: Rule,
    person: PersonView,
    touches: Sequence[Touch],
    now: datetime,
    *,
    meeting_planned: bool = False,
) -> Hit | None:
    """The trigger's current instance for this person, given touches up to `now` (oldest first).

    `meeting_planned`: a meeting with them is already in the calendar after `now`.
    """
    trigger = rule.trigger
    if isinstance(trigger, NewPeerTrigger):
        return _new_peer(trigger, person, touches, now)
    if isinstance(trigger, NoReplyTrigger):
        return _no_reply(trigger, touches, now)
    if isinstance(trigger, ReplyOwedTrigger):
        return None if meeting_planned else _reply_owed(trigger, touches, now)
    if isinstance(trigger, QuietTrigger):
        return _quiet(trigger, touches, now)
    return _meeting_ended(trigger, person, touches, now)


def _new_peer(
    trigger: NewPeerTrigger, person: PersonView, touches: Sequence[Touch], now: datetime
) -> Hit | None:
    if person.planted_by is None or person.planted_at is None:
        return None
    if not (now - trigger.within <= person.planted_at <= now):
        return None
    start = next((i for i, t in enumerate(touches) if t.interaction_id == person.planted_by), None)
    if start is None:
        return None
    # The first contact of the wanted kind: the planting one, or (say) the first meeting after
    # an email exchange made them a peer.
    first = next((t for t in touches[start:] if t.kind.value in trigger.source), None)
    if first is None or first.at < now - trigger.within:
        return None
    if first.direction == "out":
        return None  # your own email: their reply is owed an answer, or it is the nudge's job
    if any(t.direction == "out" and t.at > first.at for t in touches[start:]):
        return None  # the owner already followed up
    if wrote_last(touches) is not None:
        return None  # they wrote last: the owner owes a reply, not a thank-you
    what = "meeting" if first.direction == "meeting" else "email"
    return Hit(
        instance=first.provider_id,
        touch=first,
        anchor=first.ended_at or first.at,
        reason=f"new peer: {what} '{first.subject}' on {first.at:%Y-%m-%d}; nothing from you since",
    )


def _no_reply(trigger: NoReplyTrigger, touches: Sequence[Touch], now: datetime) -> Hit | None:
    last = touches[-1] if touches else None
    if last is None or last.direction != "out" or last.size > trigger.max_recipients:
        return None
    if last.at < now - trigger.within:
        return None
    return Hit(
        instance=last.message_id or last.provider_id,
        touch=last,
        anchor=last.at,
        reason=f"no reply: you wrote '{last.subject}' on {last.at:%Y-%m-%d}; no answer since",
        reply_to=last,
    )


def wrote_last(touches: Sequence[Touch], max_recipients: int = PERSONAL_RECIPIENTS) -> Touch | None:
    """Their personal email when it is the last contact (unanswered by email or a meeting)."""
    last = touches[-1] if touches else None
    if last is None or last.direction != "in" or last.size > max_recipients:
        return None
    return last


def _reply_owed(trigger: ReplyOwedTrigger, touches: Sequence[Touch], now: datetime) -> Hit | None:
    last = wrote_last(touches, trigger.max_recipients)
    if last is None or last.at < now - trigger.within:
        return None
    return Hit(
        instance=last.message_id or last.provider_id,
        touch=last,
        anchor=last.at,
        reason=f"reply owed: they wrote '{last.subject}' on {last.at:%Y-%m-%d}; "
        "no answer from you since",
        reply_to=last,
    )


def _quiet(trigger: QuietTrigger, touches: Sequence[Touch], now: datetime) -> Hit | None:
    if trigger.since == "two_way":
        last = next((t for t in reversed(touches) if t.direction != "out"), None)
    else:
        last = touches[-1] if touches else None
    if last is None:
        return None
    silence = now - last.at
    if silence < trigger.quiet_for or (trigger.until is not None and silence > trigger.until):
        return None
    return Hit(
        instance=f"quiet:{last.provider_id}",
        touch=last,
        # Noticed late (first run, or the tier just changed)? Then the check-in is due now.
        anchor=max(last.at + trigger.quiet_for, now),
        reason=f"quiet: no contact since {last.at:%Y-%m-%d} ({silence.days} days)",
    )


def _meeting_ended(
    trigger: MeetingEndedTrigger, person: PersonView, touches: Sequence[Touch], now: datetime
) -> Hit | None:
    for index in range(len(touches) - 1, -1, -1):
        touch = touches[index]
        if touch.direction != "meeting":
            continue
        ended = touch.ended_at or touch.at
        if ended > now:
            continue
        if ended < now - trigger.within:
            return None
        if not trigger.include_first and touch.interaction_id == person.planted_by:
            return None
        if any(t.direction == "out" and t.at >= ended for t in touches[index + 1 :]):
            return None  # already followed up
        if wrote_last(touches) is not None:
            return None  # they wrote since: a reply is owed, not a follow-up
        return Hit(
            instance=touch.provider_id,
            touch=touch,
            anchor=ended,
            reason=f"meeting ended: '{touch.subject}' on {touch.at:%Y-%m-%d}",
        )
    return None


def matches(
    when: When,
    person: PersonView,
    touch: Touch,
    count: int,
    tags: frozenset[str] = frozenset(),
) -> bool:
    """Whether every condition of `when` holds for this person and triggering interaction."""
    if person.classification.value not in when.classification:
        return False
    return _holds(when, person, touch, count, tags)


def _holds(when: When, person: PersonView, touch: Touch, count: int, tags: frozenset[str]) -> bool:
    if when.stage is not None and (person.stage is None or person.stage.value not in when.stage):
        return False
    if when.organisation is not None and person.organisation.lower() not in {
        o.lower() for o in when.organisation
    }:
        return False
    if when.domain is not None:
        domains = {a.rpartition("@")[2] for a in person.addresses}
        wanted = {d.lower() for d in when.domain}
        if not any(d == w or d.endswith("." + w) for d in domains for w in wanted):
            return False
    if when.tags is not None and not tags.intersection(when.tags):
        return False
    if when.account is not None and touch.account not in when.account:
        return False
    if when.source is not None and touch.kind.value not in when.source:
        return False
    if when.meeting_size is not None and (
        touch.direction != "meeting" or not when.meeting_size.holds(touch.size + 1)
    ):
        return False
    if when.interactions is not None and not when.interactions.holds(count):
        return False
    return when.negate is None or not _holds(when.negate, person, touch, count, tags)
