"""The approval queue's use cases, shared by the CLI and the web page.

Every change goes through `keepwarm.store.drafts`, which checks the move against the one state
machine (`keepwarm.queue_states`) and records who did what in the draft's history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from keepwarm.errors import ConfigError, InvalidTransition, NotFound
from keepwarm.models import DraftState
from keepwarm.rules import placeholders
from keepwarm.services.drafttext import validate_fields
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from keepwarm.store import draftviews as views
from keepwarm.store.tables import Draft, Person

ACTOR = "you"
STATES = [s.value for s in DraftState]


def _states(state: str | Sequence[str] | None) -> list[str]:
    wanted = [state] if isinstance(state, str) else list(state or [])
    for s in wanted:
        if s not in STATES:
            raise ConfigError(f"{s!r} is not a draft state; use one of: {', '.join(STATES)}")
    return wanted


def check_state(state: str | None) -> None:
    """Raise a clear error for a state name that is not a draft state."""
    _states(state)


def housekeeping(ws: Workspace) -> tuple[int, int]:
    """Wake snoozed drafts whose date came and expire stale ones (automatic transitions)."""
    with ws.session() as session:
        return store.wake_and_expire(session, now=ws.settings.now())


def queue(
    ws: Workspace,
    *,
    state: str | Sequence[str] | None = None,
    rule: str | None = None,
    account: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """Drafts as the JSON contract of `keepwarm queue --json` (DESIGN.md §9)."""
    states = _states(state)
    housekeeping(ws)
    with ws.session() as session:
        rows = views.filtered(session, states=states, rule=rule, account=account, person=person)
        return [draft_json(d, p, a) for d, p, a in rows]


def summaries(
    ws: Workspace,
    *,
    state: str | Sequence[str] | None = None,
    rule: str | None = None,
    person: str | None = None,
) -> list[dict[str, Any]]:
    """A light list for the web page: who, subject, first reason, state, rule, due."""
    states = _states(state)
    housekeeping(ws)
    with ws.session() as session:
        return views.summaries(session, states=states, rule=rule, person=person)


def counts(ws: Workspace) -> dict[str, int]:
    """Drafts per state, every state present (zero when empty)."""
    with ws.session() as session:
        found = views.counts(session)
    return {s: found.get(s, 0) for s in STATES}


def draft_json(d: Draft, p: Person, account: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "state": d.state,
        "rule": d.rule,
        "account": account,
        "to": list(d.to),
        "subject": d.subject,
        "body": d.body,
        "person": {
            "name": p.name,
            "address": p.key,
            "organisation": p.organisation,
            "classification": p.classification,
            "stage": p.stage,
            "reasons": list(p.reasons),
        },
        "due": d.due_at.isoformat(),
        "expires": d.expires_at.isoformat() if d.expires_at else None,
        "snoozed_until": d.snoozed_until.isoformat() if d.snoozed_until else None,
        "reasons": list(d.reasons),
        "placeholders": placeholders.find(d.subject, d.body),
        "in_reply_to": d.in_reply_to,
        "interactions": list(d.interaction_ids),
        "created": d.created_at.isoformat(),
        "updated": d.updated_at.isoformat(),
        "provider_ref": d.provider_ref,
        "error": d.error,
    }


def _lines(session: Session, ids: Sequence[int], *, snippets: bool = False) -> list[dict[str, Any]]:
    """Interactions as JSON; `snippets` only for a draft's own evidence (they are private)."""
    return [
        {
            "id": x.id,
            "kind": x.kind,
            "subject": x.subject,
            "date": x.occurred_at.isoformat(),
            "from": x.sender,
            "who": list(x.who),
            **({"snippet": x.snippet} if snippets else {}),
        }
        for x in views.interaction_lines(session, ids)
    ]


def show(ws: Workspace, draft_id: int) -> dict[str, Any]:
    """One draft with everything needed to judge it: person, rule, evidence, history, window."""
    housekeeping(ws)
    with ws.session() as session:
        rows = views.filtered(session, ids=[draft_id])
        if not rows:
            raise NotFound(f"no draft with id {draft_id}; list them with `keepwarm queue`")
        d, p, account = rows[0]
        data = draft_json(d, p, account)
        data["person"]["addresses"] = views.person_addresses(session, p.id)
        data["evidence"] = _lines(session, list(d.interaction_ids), snippets=True)
        data["previous"] = [
            {"id": o.id, "state": o.state, "rule": o.rule, "subject": o.subject,
             "created": o.created_at.isoformat()}
            for o in views.person_drafts(session, p.id) if o.id != d.id
        ]  # fmt: skip
        data["window"] = {"from": data["due"], "until": data["expires"]}
        data["history"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in store.history(session, d.id)
        ]
        return data


def person(ws: Workspace, key: str) -> dict[str, Any]:
    """A read-only timeline of one person: interactions and follow-ups, newest first."""
    with ws.session() as session:
        p = views.person_by_key(session, key)
        if p is None:
            raise NotFound(f"no person with address {key}; list people with `keepwarm peers --all`")
        drafts = views.person_drafts(session, p.id)
        return {
            "key": p.key,
            "name": p.name,
            "organisation": p.organisation,
            "classification": p.classification,
            "stage": p.stage,
            "reasons": list(p.reasons),
            "addresses": views.person_addresses(session, p.id),
            "first_seen": p.first_seen.isoformat(),
            "last_seen": p.last_seen.isoformat(),
            "interactions": _lines(session, views.person_interaction_ids(session, p.id)),
            "followups": [
                {
                    "id": d.id,
                    "state": d.state,
                    "rule": d.rule,
                    "subject": d.subject,
                    "due": d.due_at.isoformat(),
                    "updated": d.updated_at.isoformat(),
                }
                for d in reversed(drafts)
            ],
        }


def _ids_of_rule(session: Session, rule: str) -> list[int]:
    rows = views.filtered(
        session, states=[DraftState.PENDING.value, DraftState.SNOOZED.value], rule=rule
    )
    return [d.id for d, _, _ in rows]


@dataclass(frozen=True, slots=True)
class DraftText:
    """What an approval check looks at."""

    id: int
    to: tuple[str, ...]
    subject: str
    body: str
    #: The rule that wrote the draft (a refusal names it).
    rule: str = ""


#: Checks a draft must pass to be approved, besides its state (the state machine says that):
#: each returns why the draft cannot be approved, or None. `approve`, bulk approval and its
#: preview all run them, so a check added here (unfilled placeholders, say) holds everywhere.
ApprovalCheck = Callable[[DraftText], "str | None"]


def unfilled_placeholders(text: DraftText) -> str | None:
    """A `[[placeholder]]` left in the subject or body: never approved as is."""
    found = placeholders.find(text.subject, text.body)
    return placeholders.reason(text.rule, found, text.id) if found else None


APPROVAL_CHECKS: list[ApprovalCheck] = [unfilled_placeholders]


def approval_problems(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Why each of these drafts cannot be approved, for the ones that cannot (checks only)."""
    if not APPROVAL_CHECKS or not ids:
        return {}
    problems: dict[int, str] = {}
    for d, _, _ in views.filtered(session, ids=list(ids)):
        text = DraftText(d.id, tuple(d.to), d.subject, d.body, d.rule)
        reasons = [r for r in (check(text) for check in APPROVAL_CHECKS) if r]
        if reasons:
            problems[d.id] = "; ".join(reasons)
    return problems


def approve(ws: Workspace, ids: Sequence[int] = (), *, rule: str | None = None) -> list[int]:
    """Approve drafts by id, or every pending/snoozed draft of `rule`; all or nothing.

    A draft with a `[[placeholder]]` left is refused (`UnfinishedDraft`, naming the draft, the
    placeholder and the rule); `approve_bulk` approves the rest of a batch instead.
    """
    now = ws.settings.now()
    with ws.session() as session:
        wanted = list(ids) + (_ids_of_rule(session, rule) if rule else [])
        if not wanted:
            raise NotFound(
                f"no pending drafts of rule {rule!r}" if rule else "name at least one draft id"
            )
        problems = approval_problems(session, wanted)
        if problems:
            draft_id, reason = next(iter(problems.items()))
            raise InvalidTransition(f"draft {draft_id} cannot be approved: {reason}")
        done = store.transition(
            session, ids=list(dict.fromkeys(wanted)), to=DraftState.APPROVED, actor=ACTOR, now=now
        )
        return [d.id for d in done]


def pending_of_rule(ws: Workspace, rule: str) -> list[int]:
    """The pending and snoozed drafts of `rule` (what "approve all of a rule" means)."""
    with ws.session() as session:
        return _ids_of_rule(session, rule)


def reject(
    ws: Workspace,
    ids: Sequence[int],
    *,
    reason: str = "",
    forget: bool = False,
    mute_rule: bool = False,
) -> list[int]:
    """Reject drafts; `forget` stops every rule for the person, `mute_rule` just this rule."""
    now = ws.settings.now()
    with ws.session() as session:
        done = store.transition(
            session, ids=ids, to=DraftState.REJECTED, actor=ACTOR, now=now, detail=reason
        )
        for d in done:
            if forget or mute_rule:
                rule = store.EVERY_RULE if forget else d.rule
                store.mute(session, person_id=d.person_id, rule=rule, reason=reason, now=now)
                action, what = ("forgot person", "") if forget else ("muted rule", d.rule)
                detail = ": ".join(x for x in (what, reason) if x)
                store.log(session, draft_id=d.id, now=now, action=action, detail=detail)
        return [d.id for d in done]


def snooze(ws: Workspace, ids: Sequence[int], *, until: datetime) -> list[int]:
    with ws.session() as session:
        done = store.snooze(session, ids=ids, until=until, actor=ACTOR, now=ws.settings.now())
        return [d.id for d in done]


def edit(
    ws: Workspace,
    draft_id: int,
    *,
    to: Sequence[str] | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """Change a draft's recipients, subject or body after validating them (no header injection)."""
    clean_to, clean_subject, clean_body = validate_fields(to, subject, body)
    with ws.session() as session:
        store.edit(
            session, draft_id=draft_id, actor=ACTOR, now=ws.settings.now(),
            to=clean_to, subject=clean_subject, body=clean_body,
        )  # fmt: skip
    return show(ws, draft_id)


def parse_until(ws: Workspace, text: str) -> datetime:
    """`--until` as the user writes it: a date (09:00 that day, owner's time zone), a local
    date-time, an aware ISO 8601 time, or `Nd` / `Nh` from now."""
    raw = text.strip()
    now = ws.settings.now()
    tz = ZoneInfo(ws.settings.owner.timezone)
    try:
        if raw[-1:] in ("d", "h") and raw[:-1].isdigit():
            n = int(raw[:-1])
            return now + (timedelta(days=n) if raw.endswith("d") else timedelta(hours=n))
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time(9, 0), tzinfo=tz).astimezone(UTC)
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(
            f"--until {text!r} is not a date; write e.g. 2026-12-01, '2026-12-01 14:00' or 3d"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(UTC)
