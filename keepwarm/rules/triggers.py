"""Triggers: what each one means in a rule file (its model) and when it fires (its function).

Each trigger yields at most one `Hit` per rule and person: the current instance (the
thank-you for the first meeting, the nudge for the latest unanswered email, …). The hit's
`instance` goes into the draft key, so the same instance never produces a second draft.
`keepwarm/rules/registry.py` ties each model to its function; add a trigger there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from keepwarm.models import PersonView
from keepwarm.rules.history import Touch
from keepwarm.rules.values import Duration, Strict, show

Source = Literal["meeting", "email"]
ALL_SOURCES: tuple[Source, ...] = ("meeting", "email")
#: An email to at most this many people besides the owner is personal: it can be owed a reply.
PERSONAL_RECIPIENTS = 3


@dataclass(frozen=True, slots=True)
class Hit:
    instance: str
    touch: Touch
    anchor: datetime
    reason: str
    reply_to: Touch | None = None


@dataclass(frozen=True, slots=True)
class Situation:
    """What a trigger looks at: one person, their touches up to `now` (oldest first), the zone."""

    person: PersonView
    touches: Sequence[Touch]
    now: datetime
    zone: ZoneInfo
    #: A meeting with the person is already in the calendar, soon after `now`.
    meeting_planned: bool = False


class TriggerBase(Strict):
    type: str


class NewPeerTrigger(TriggerBase):
    """Once per new peer: their first real interaction happened within `within` of now."""

    type: Literal["new_peer"]
    within: Duration = timedelta(days=14)
    source: list[Source] = Field(default_factory=lambda: list(ALL_SOURCES))


class NoReplyTrigger(TriggerBase):
    """The owner's latest email to the person got no answer (wait with the rule's `after`)."""

    type: Literal["no_reply"]
    within: Duration = timedelta(days=30)
    #: Only personal emails: at most this many recipients besides the owner.
    max_recipients: int = Field(default=3, ge=1)


class ReplyOwedTrigger(TriggerBase):
    """They wrote last and you have not answered: a reply in their thread (wait with `after`).

    Only a personal email counts (at most `max_recipients` people besides you, not an
    automatic reply or a list post); a later email from you, or a meeting, answers it.
    """

    type: Literal["reply_owed"]
    within: Duration = timedelta(days=14)
    max_recipients: int = Field(default=3, ge=1)


class QuietTrigger(TriggerBase):
    """No contact either way for `for`: the cadence that keeps a relationship alive."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["quiet"]
    quiet_for: Duration = Field(alias="for")
    until: Duration | None = None
    #: `any`: any contact resets the clock (your own unanswered emails too);
    #: `two_way`: only their emails and meetings do.
    since: Literal["any", "two_way"] = "any"

    @field_validator("until")
    @classmethod
    def _after_for(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        start = info.data.get("quiet_for")
        if value is not None and start is not None and value <= start:
            raise ValueError(
                f"until ({show(value)}) is not longer than for ({show(start)}), so the rule can "
                "never fire"
            )
        return value


class MeetingEndedTrigger(TriggerBase):
    """After a meeting with the person ended (not their first one unless `include_first`)."""

    type: Literal["meeting_ended"]
    within: Duration = timedelta(days=7)
    include_first: bool = False


#: `first_seen`, `first_met`, or `fields.NAME` (a date set with `keepwarm peers set`).
DATE_SOURCE = r"^(first_seen|first_met|fields\.[a-z][a-z0-9_]*)$"


class YearlyTrigger(TriggerBase):
    """Once a year, on the anniversary of a stored date (first met, or a date you set)."""

    type: Literal["yearly"]
    date: str = Field(pattern=DATE_SOURCE)
    #: A run that happens up to this long after the day still drafts (a missed day catches up).
    within: Duration = timedelta(days=7)


def new_peer(trigger: NewPeerTrigger, s: Situation) -> Hit | None:
    person, touches, now = s.person, s.touches, s.now
    if person.planted_by is None or person.planted_at is None:
        return None
    if person.known:
        return None  # met before keepwarm started watching: not new, whatever the window says
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


def no_reply(trigger: NoReplyTrigger, s: Situation) -> Hit | None:
    last = s.touches[-1] if s.touches else None
    if last is None or last.direction != "out" or last.size > trigger.max_recipients:
        return None
    if last.listed:
        return None  # a post to a mailing list (a review, an answer on a thread) is not a letter
    if last.at < s.now - trigger.within:
        return None
    return Hit(
        instance=last.message_id or last.provider_id,
        touch=last,
        anchor=last.at,
        reason=f"no reply: you wrote '{last.subject}' on {last.at:%Y-%m-%d}; no answer since",
        reply_to=last,
    )


def wrote_last(touches: Sequence[Touch], max_recipients: int = PERSONAL_RECIPIENTS) -> Touch | None:
    """Their personal email when it is the last contact (unanswered by email or a meeting).

    A mailing-list post is public discussion, answered (or not) on the list: never owed a reply.
    """
    last = touches[-1] if touches else None
    if last is None or last.direction != "in" or last.size > max_recipients or last.listed:
        return None
    return last


def reply_owed(trigger: ReplyOwedTrigger, s: Situation) -> Hit | None:
    if s.meeting_planned:
        return None  # a meeting with them is already in the calendar: that is the answer
    last = wrote_last(s.touches, trigger.max_recipients)
    if last is None or last.at < s.now - trigger.within:
        return None
    return Hit(
        instance=last.message_id or last.provider_id,
        touch=last,
        anchor=last.at,
        reason=f"reply owed: they wrote '{last.subject}' on {last.at:%Y-%m-%d}; "
        "no answer from you since",
        reply_to=last,
    )


def quiet_since(trigger: QuietTrigger, touches: Sequence[Touch]) -> Touch | None:
    """The contact the silence is counted from (any, or the last one they took part in)."""
    if trigger.since == "two_way":
        return next((t for t in reversed(touches) if t.direction != "out"), None)
    return touches[-1] if touches else None


def quiet(trigger: QuietTrigger, s: Situation) -> Hit | None:
    if all(t.listed for t in s.touches):
        return None  # a relationship that never left the mailing lists is kept warm there
    last = quiet_since(trigger, s.touches)
    if last is None:
        return None
    silence = s.now - last.at
    if silence < trigger.quiet_for or (trigger.until is not None and silence > trigger.until):
        return None
    return Hit(
        instance=f"quiet:{last.provider_id}",
        touch=last,
        # Noticed late (first run, or the tier just changed)? Then the check-in is due now.
        anchor=max(last.at + trigger.quiet_for, s.now),
        reason=f"quiet: no contact since {last.at:%Y-%m-%d} ({silence.days} days)",
    )


def meeting_ended(trigger: MeetingEndedTrigger, s: Situation) -> Hit | None:
    touches, now = s.touches, s.now
    for index in range(len(touches) - 1, -1, -1):
        touch = touches[index]
        if touch.direction != "meeting":
            continue
        ended = touch.ended_at or touch.at
        if ended > now:
            continue
        if ended < now - trigger.within:
            return None
        if not trigger.include_first and touch.interaction_id == s.person.planted_by:
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


_DATE = re.compile(r"^\s*(?:(\d{4})-)?(\d{1,2})-(\d{1,2})\s*$")


def stored_date(value: str) -> tuple[int | None, int, int] | None:
    """'1990-05-17' → (1990, 5, 17); '05-17' (no year: every year) → (None, 5, 17); else None."""
    match = _DATE.match(value)
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else None
    month, day = int(match.group(2)), int(match.group(3))
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 02-29 is a valid yearly date
    except ValueError:
        return None
    return year, month, day


def yearly_date(
    trigger: YearlyTrigger, s: Situation
) -> tuple[Touch | None, tuple[int | None, int, int] | None]:
    """The (year, month, day) whose anniversaries count, and the first meeting when that is
    the date; None when the person has no such date."""
    if trigger.date == "first_seen":
        local = s.person.first_seen.astimezone(s.zone)
        return None, (local.year, local.month, local.day)
    if trigger.date == "first_met":
        met = next((t for t in s.touches if t.direction == "meeting"), None)
        if met is None:
            return None, None
        local = met.at.astimezone(s.zone)
        return met, (local.year, local.month, local.day)
    return None, stored_date(s.person.fields.get(trigger.date.removeprefix("fields."), ""))


def yearly(trigger: YearlyTrigger, s: Situation) -> Hit | None:
    if not s.touches:
        return None
    met, when = yearly_date(trigger, s)
    if when is None:
        return None
    # The draft is about the relationship: it answers from the latest account (or the meeting).
    touch = met or s.touches[-1]
    year, month, day = when
    today = s.now.astimezone(s.zone).date()
    for candidate in (today.year, today.year - 1):  # the latest anniversary on or before today
        if year is not None and candidate <= year:
            continue  # the date itself is not an anniversary
        on = anniversary(candidate, month, day)
        start = datetime(on.year, on.month, on.day, tzinfo=s.zone).astimezone(UTC)
        if on <= today:
            if start < s.now - trigger.within:
                return None
            years = f", {candidate - year} year(s)" if year is not None else ""
            return Hit(
                instance=f"yearly:{trigger.date}:{candidate}",
                touch=touch,
                anchor=start,
                reason=f"yearly: {trigger.date} anniversary on {on:%Y-%m-%d}{years}",
            )
    return None


def anniversary(year: int, month: int, day: int) -> date:
    """The date in `year`; 29 February falls on the 28th in other years."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)
