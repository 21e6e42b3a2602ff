"""Evaluating rules: which follow-ups should exist now, and which queued ones to withdraw.

Pure: people, their contact histories, the owner, what the queue holds and `now` come in;
proposed drafts and withdrawals go out. The store turns proposals into queued drafts exactly
once (by key), so evaluating again is harmless. Policies that hold across rules (one pending
draft per person, a daily cap, waiting after someone wrote) are applied here, in one place.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from keepwarm.errors import TemplateError
from keepwarm.models import Owner, PersonView, ProposedDraft
from keepwarm.rules.conditions import Facts, excluded, matches, person_tags
from keepwarm.rules.context import first_name, template_context
from keepwarm.rules.history import History, Touch
from keepwarm.rules.names import greeting_name
from keepwarm.rules.registry import WAIT_FIRST, fire
from keepwarm.rules.render import render_body, render_subject
from keepwarm.rules.schema import Policies, Rule
from keepwarm.rules.subjects import reply_subject
from keepwarm.rules.timing import add_delay, next_slot
from keepwarm.rules.triggers import PERSONAL_RECIPIENTS, Hit, Situation

#: Triggers that answer someone who wrote: `recent_inbound` does not hold them back, and their
#: draft always goes into that person's thread.
ANSWERS = frozenset({"reply_owed"})
#: A meeting with the person this soon in the calendar already answers their email.
PLANNED_AHEAD = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class LoadedRule:
    rule: Rule
    source: str


@dataclass(frozen=True, slots=True)
class QueueState:
    """What the queue already holds, as plain data."""

    #: Every draft key ever queued, whatever its state: a rejected or delivered draft stays done.
    keys: frozenset[str] = frozenset()
    #: People with an open (pending, approved, snoozed) draft.
    busy: frozenset[str] = frozenset()
    #: When each person's latest draft was created (for `cooldown`).
    last_draft_at: Mapping[str, datetime] = field(default_factory=dict)
    #: Drafts already created today (owner's day), counted against the daily cap.
    created_today: int = 0


@dataclass(frozen=True, slots=True)
class Evaluation:
    drafts: list[ProposedDraft]
    #: Held back by the daily cap (they come back on a later run).
    capped: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Candidate:
    loaded: LoadedRule
    person: PersonView
    hit: Hit
    key: str
    due: datetime
    expires: datetime | None
    previous: Sequence[Touch]


@dataclass(frozen=True, slots=True)
class Plan:
    """The drafts to make, decided but not yet rendered (rendering may want stored snippets)."""

    candidates: list[_Candidate]
    capped: int = 0
    #: Keys of the people whose draft the daily cap held back.
    held: tuple[str, ...] = ()

    def snippet_ids(self) -> set[int]:
        """Interactions whose snippets the drafts may show: the triggering one, their last."""
        wanted: set[int] = set()
        for c in self.candidates:
            wanted.add(c.hit.touch.interaction_id)
            theirs = next((t for t in reversed(c.previous) if t.direction == "in"), None)
            if theirs is not None:
                wanted.add(theirs.interaction_id)
        return wanted


def evaluate(
    rules: Sequence[LoadedRule],
    people: Sequence[PersonView],
    history: History,
    owner: Owner,
    *,
    now: datetime,
    policies: Policies | None = None,
    queue: QueueState | None = None,
    snippets: Mapping[int, str] | None = None,
) -> Evaluation:
    """Which follow-ups should exist now, rendered (`plan` then `render_plan`)."""
    decided = plan(rules, people, history, owner, now=now, policies=policies, queue=queue)
    return render_plan(decided, owner, now=now, snippets=snippets or {})


def plan(
    rules: Sequence[LoadedRule],
    people: Sequence[PersonView],
    history: History,
    owner: Owner,
    *,
    now: datetime,
    policies: Policies | None = None,
    queue: QueueState | None = None,
) -> Plan:
    policies = policies or Policies()
    queue = queue or QueueState()
    zone = ZoneInfo(owner.timezone)
    active = sorted((r for r in rules if r.rule.enabled), key=lambda r: -r.rule.priority)
    wanted = {c for r in active for c in r.rule.when.classification}
    owner_addresses = frozenset(owner.addresses)
    candidates: list[_Candidate] = []
    for person in people:
        if person.classification.value not in wanted:
            continue
        if policies.one_pending_per_person and person.key in queue.busy:
            continue
        every = history.get(person.key, ())
        touches = _until(every, now)
        planned = _meeting_planned(every[len(touches) :], now)
        recent = policies.recent_inbound is not None and _wrote_recently(
            touches, now - policies.recent_inbound
        )
        tagged = replace(person, tags=person_tags(person, policies)) if policies.tags else person
        situation = Situation(tagged, touches, now, zone, meeting_planned=planned)
        for loaded in active:
            if recent and loaded.rule.trigger.type not in ANSWERS:
                continue  # they just wrote: only an answer to them may be drafted now
            candidate = _candidate(loaded, situation, owner_addresses, policies, queue)
            if candidate is not None:
                candidates.append(candidate)
                if policies.one_pending_per_person:
                    break  # rules are in priority order: the first that applies wins
    candidates.sort(key=lambda c: (-c.loaded.rule.priority, c.due, c.key))
    capped = 0
    held: tuple[str, ...] = ()
    if policies.daily_cap is not None:
        room = max(0, policies.daily_cap - queue.created_today)
        capped = max(0, len(candidates) - room)
        held = tuple(c.person.key for c in candidates[room:])
        candidates = candidates[:room]
    return Plan(candidates, capped, held)


def render_plan(
    decided: Plan, owner: Owner, *, now: datetime, snippets: Mapping[int, str]
) -> Evaluation:
    """Render the planned drafts; a template that fails is reported and skipped, never fatal."""
    drafts, problems = [], []
    for c in decided.candidates:
        try:
            drafts.append(_render(c, owner, now, snippets))
        except TemplateError as exc:  # this draft is skipped; the others go on
            problems.append(f"{exc} (drafting for {c.person.key})")
    return Evaluation(drafts=drafts, capped=decided.capped, problems=problems)


def propose(
    rules: Sequence[LoadedRule],
    people: Sequence[PersonView],
    history: History,
    owner: Owner,
    *,
    now: datetime,
    policies: Policies | None = None,
    queue: QueueState | None = None,
) -> list[ProposedDraft]:
    """The drafts `evaluate` proposes (problems dropped): for callers that only need drafts."""
    return evaluate(rules, people, history, owner, now=now, policies=policies, queue=queue).drafts


def _until(touches: Sequence[Touch], now: datetime) -> Sequence[Touch]:
    """Touches that happened by `now` (replays evaluate at past clocks)."""
    if not touches or touches[-1].at <= now:
        return touches
    return touches[: bisect.bisect_right(touches, now, key=lambda t: t.at)]


def _meeting_planned(ahead: Sequence[Touch], now: datetime) -> bool:
    """Whether a meeting with the person is already in the calendar, soon after `now`."""
    return any(t.direction == "meeting" and t.at <= now + PLANNED_AHEAD for t in ahead)


def _wrote_recently(touches: Sequence[Touch], since: datetime) -> bool:
    for touch in reversed(touches):
        if touch.at < since:
            return False
        if touch.direction == "in":
            return True
    return False


def _candidate(
    loaded: LoadedRule,
    situation: Situation,
    owner_addresses: Collection[str],
    policies: Policies,
    queue: QueueState,
) -> _Candidate | None:
    rule, person, now, zone = loaded.rule, situation.person, situation.now, situation.zone
    if person.classification.value not in rule.when.classification:
        return None
    found = fire(rule.trigger, situation)
    if found is None:
        return None
    facts = Facts(person, found.touch, situation.touches, person.tags, owner_addresses, now)
    if not matches(rule.when, facts) or (policies.exclude and excluded(policies, facts)):
        return None
    key = f"{rule.name}:{person.key}:{found.instance}"
    if key in queue.keys:
        return None
    last = queue.last_draft_at.get(person.key)
    if rule.cooldown is not None and last is not None and last > now - rule.cooldown:
        return None
    ready = add_delay(found.anchor, rule.after, zone, policies.holidays)
    if ready > now and rule.trigger.type in WAIT_FIRST:
        return None  # "no answer within N days" is only true once the N days have passed
    due = next_slot(
        ready,
        rule.window,
        zone,
        policies.holidays,
    )
    expires = due + rule.expires_after if rule.expires_after is not None else None
    stale = min(policies.stale_after, rule.expires_after or policies.stale_after)
    if due + stale <= now:
        return None  # due so long ago (a first sync over old mail) that it is no longer worth it
    return _Candidate(loaded, person, found, key, due, expires, situation.touches)


def _render(
    c: _Candidate, owner: Owner, now: datetime, snippets: Mapping[int, str]
) -> ProposedDraft:
    rule = c.loaded.rule
    uses_previous = "previous" in rule.draft.subject or "previous" in (rule.draft.body or "")
    context = template_context(
        owner,
        c.person,
        c.hit.touch,
        c.previous,
        rule=rule.name,
        trigger=rule.trigger.type,
        now=now,
        with_previous=uses_previous,
        snippets=snippets,
    )
    where = f"{c.loaded.source} (rule {rule.name})"
    body = rule.draft.body or ""
    subject = render_subject(rule.draft.subject, context, where=where)
    in_thread = rule.draft.reply_in_thread or rule.trigger.type in ANSWERS
    reply_to = c.hit.reply_to if in_thread else None
    if in_thread and reply_to is None and c.hit.touch.direction != "meeting":
        reply_to = c.hit.touch
    if reply_to is not None and not reply_to.message_id and rule.trigger.type not in ANSWERS:
        reply_to = None  # nothing to thread on: a new message with the rule's subject
    if reply_to is not None:  # an answer quotes their subject even with no Message-ID to cite
        subject = reply_subject(reply_to.subject)
    names = (first_name(owner.name), greeting_name(owner.name), owner.name)
    return ProposedDraft(
        key=c.key,
        rule=rule.name,
        person_key=c.person.key,
        account=c.hit.touch.account,
        to=(c.person.addresses[0],),
        subject=subject,
        body=render_body(body, context, where=where, signature=owner.signature, owner_names=names),
        reasons=(c.hit.reason, *c.person.reasons),
        interaction_ids=(c.hit.touch.interaction_id,),
        due_at=c.due,
        expires_at=c.expires,
        in_reply_to=_header_safe(reply_to.message_id if reply_to is not None else None),
    )


def _header_safe(value: str | None) -> str | None:
    """A Message-ID goes into a header: one with a line break or space is dropped, not sent."""
    if value is None or any(c.isspace() for c in value):
        return None
    return value


@dataclass(frozen=True, slots=True)
class OpenDraft:
    """A queued draft not yet delivered, as the withdrawal check needs it."""

    id: int
    person_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Withdrawal:
    draft_id: int
    reason: str


def withdrawals(
    drafts: Sequence[OpenDraft], history: History, *, now: datetime
) -> list[Withdrawal]:
    """Open drafts to withdraw because, after it was made, the person wrote or met the owner,
    or the owner wrote to them personally (answered them without keepwarm)."""
    out = []
    for draft in drafts:
        for touch in _until(history.get(draft.person_key, ()), now):
            if touch.at <= draft.created_at:
                continue
            if touch.direction == "out" and touch.size > PERSONAL_RECIPIENTS:
                continue  # an announcement to many is no follow-up to this person
            what = {"in": "wrote to you", "out": "you wrote to them"}.get(
                touch.direction, "met you"
            )
            out.append(Withdrawal(draft.id, f"{what} on {touch.at:%Y-%m-%d} ('{touch.subject}')"))
            break
    return out
