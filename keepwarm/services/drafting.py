"""Drafting as a service: evaluate the rules for the people whose data or time changed.

Detection marks the people it recomputed; each evaluation stores, per person and rule, the next
moment the rule could propose something with no new data (`keepwarm.rules.wakeups`); people
whose open draft was closed become free again. A pass evaluates exactly those, which proposes
the same drafts as evaluating everyone. Everyone is evaluated on the first pass, after a full
detection, and whenever the rules, the owner or the rule code changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import keepwarm
from keepwarm.collector import collector_paused
from keepwarm.incremental.folding import merged_history
from keepwarm.models import Classification, PersonView, ProposedDraft
from keepwarm.rules.evaluate import OpenDraft, Plan, QueueState, plan, render_plan, withdrawals
from keepwarm.rules.history import Touch, build_histories
from keepwarm.rules.wakeups import wakeups
from keepwarm.services.detection import Shared, detect
from keepwarm.services.detectpolicy import policy
from keepwarm.services.rulesio import RuleSet, load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store import changes, units
from keepwarm.store.drafts import add_drafts, open_people, queue_facts, withdraw, withdrawable
from keepwarm.store.interactions import load_interactions, load_snippets
from keepwarm.store.locks import serialize
from keepwarm.store.notes import known_tags
from keepwarm.store.people import address_keys_of, people_views, person_ids, person_keys

log = logging.getLogger(__name__)

#: People evaluated together on a full pass (their histories are in memory at once).
CHUNK = 500
#: The wake-up of people whose draft the daily cap held back.
DAILY_CAP = "daily_cap"


@dataclass
class DraftReport:
    proposed: int = 0
    created: int = 0
    withdrawn: int = 0
    #: Held back by the daily cap; they come back on a later run.
    capped: int = 0
    #: Rule files left out because they have problems (each listed in `problems`).
    skipped_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: "full", "incremental" or "idle"; and how many people the rules looked at.
    mode: str = "idle"
    evaluated: int = 0


def draft(ws: Workspace, *, shared: Shared | None = None) -> DraftReport:
    """Evaluate the rules where something changed and queue new drafts (idempotent by key).

    Detection runs first unless this cycle already ran it, so `keepwarm draft` straight after
    `keepwarm sync` never works from stale people.
    """
    with ws.session() as session:
        tags = known_tags(session)
    ruleset = load_rules(ws.settings.rules_path, known_tags=tags)
    for file_problem in ruleset.errors:
        log.warning("rule file problem, file skipped: %s", file_problem)
    for warning in ruleset.warnings:
        log.info("rule file warning: %s", warning)
    if shared is None or not shared.detected:
        shared = shared or Shared()
        detect(ws, shared=shared)
    now = ws.settings.now()
    with ws.session() as session, collector_paused():
        serialize(session, "drafts")
        report = _pass(ws, session, ruleset, now, shared)
    for problem in report.problems:
        log.warning("template problem, draft skipped: %s", problem)
    report.skipped_files = ruleset.skipped
    report.problems = [str(p) for p in ruleset.errors] + report.problems
    return report


def _pass(
    ws: Workspace, session: Session, ruleset: RuleSet, now: datetime, shared: Shared
) -> DraftReport:
    owner = ws.settings.owner
    state = changes.read_state(session)
    print_ = _fingerprint(ruleset, ws)
    last = state.get("drafted_at")
    full = (
        bool(state.get("draft_full"))
        or state.get("drafts") != print_
        or (last is not None and now < datetime.fromisoformat(last))
    )
    keys, busy, last_at, today = queue_facts(session, day_start=_day_start(now, owner.timezone))
    if full:
        wanted = set(person_keys(session))
    else:
        freed = set(state.get("busy") or ()) - busy
        wanted = changes.redraft(session) | changes.due_wakeups(session, now=now) | freed
    report = DraftReport(mode="full" if full else "incremental" if wanted else "idle")
    if wanted:
        opened = [OpenDraft(*row) for row in withdrawable(session)]
        queue = QueueState(frozenset(keys), frozenset(busy), last_at, today)
        proposals, wakes, held = _evaluate(
            session, ruleset, sorted(wanted), opened, queue, ws, now, shared, report
        )
        ids = person_ids(session)
        report.created = add_drafts(session, proposals=proposals, person_ids=ids, now=now)
        changes.clear_redraft(session, None if full else wanted)
        if held:  # the daily cap held them back: room comes back at the owner's midnight
            if today + report.created < (ruleset.policies.daily_cap or 0):
                changes.mark_redraft(session, held)  # room left today (a draft was skipped)
            else:
                tomorrow = _day_start(now + timedelta(days=1), owner.timezone)
                wakes.update(((key, DAILY_CAP), tomorrow) for key in held)
        changes.replace_wakeups(session, person_keys=None if full else wanted, wakeups=wakes)
    changes.write_state(
        session,
        {
            "drafts": print_,
            "drafted_at": now.isoformat(),
            "draft_full": None,
            "busy": sorted(open_people(session)),
        },
    )
    return report


def _evaluate(
    session: Session,
    ruleset: RuleSet,
    wanted: list[str],
    opened: list[OpenDraft],
    queue: QueueState,
    ws: Workspace,
    now: datetime,
    shared: Shared,
    report: DraftReport,
) -> tuple[list[ProposedDraft], dict[tuple[str, str], datetime], set[str]]:
    """Plan `wanted` people in chunks (the daily cap applied across all chunks), render the
    drafts chosen; returns them, everyone's wake-ups, and who the cap held back."""
    owner, policies = ws.settings.owner, ruleset.policies
    wakes: dict[tuple[str, str], datetime] = {}
    chosen: list[Plan] = []
    winners: list[tuple[PersonView, Sequence[Touch]]] = []
    held: set[str] = set()
    candidates = 0
    busy = set(queue.busy)
    classes = {c for r in ruleset.rules if r.rule.enabled for c in r.rule.when.classification}
    waiting = {d.person_key for d in opened}
    for start in range(0, len(wanted), CHUNK):
        people = people_views(session, keys=wanted[start : start + CHUNK])
        # Only people some rule may draft for, or with a draft to withdraw, need a history.
        needed = [p for p in people if p.classification.value in classes or p.key in waiting]
        history = _histories(session, needed, shared, ruleset, ws)
        mine = {p.key for p in people}
        gone = withdrawals([d for d in opened if d.person_key in mine], history, now=now)
        if gone:
            reasons = {w.draft_id: w.reason for w in gone}
            report.withdrawn += withdraw(session, reasons=reasons, now=now)
            busy -= {d.person_key for d in opened if d.id in reasons}
        chunk_queue = QueueState(
            queue.keys, frozenset(busy), queue.last_draft_at, queue.created_today
        )
        decided = plan(
            ruleset.rules, people, history, owner, now=now, policies=policies, queue=chunk_queue
        )
        candidates += len(decided.candidates) + decided.capped
        chosen.append(decided)
        held.update(decided.held)
        drafting = {c.person.key for c in decided.candidates}
        winners.extend((p, history.get(p.key, ())) for p in people if p.key in drafting)
        for person in needed:
            for rule, at in wakeups(
                ruleset.rules, person, history.get(person.key, ()), owner,
                now=now, policies=policies, queue=chunk_queue,
            ).items():  # fmt: skip
                wakes[(person.key, rule)] = at
    final_queue = QueueState(queue.keys, frozenset(busy), queue.last_draft_at, queue.created_today)
    if len(chosen) == 1:
        final = chosen[0]
    elif policies.daily_cap is not None:
        # Each chunk kept its best `room` candidates; the best overall are among them.
        people = [p for p, _ in winners]
        history = {p.key: touches for p, touches in winners}
        final = plan(
            ruleset.rules, people, history, owner, now=now, policies=policies, queue=final_queue
        )
        held = (held - {p.key for p in people}) | set(final.held)
    else:
        final = Plan([c for decided in chosen for c in decided.candidates])
    snippets = load_snippets(session, final.snippet_ids())
    result = render_plan(final, owner, now=now, snippets=snippets)
    report.problems.extend(result.problems)
    room = (
        max(0, policies.daily_cap - queue.created_today) if policies.daily_cap is not None else None
    )
    report.capped = max(0, candidates - room) if room is not None else 0
    report.proposed = len(result.drafts)
    report.evaluated = len(wanted)
    return result.drafts, wakes, held


def _histories(
    session: Session, people: Sequence[PersonView], shared: Shared, ruleset: RuleSet, ws: Workspace
) -> dict[str, Sequence[Touch]]:
    """Each person's touches, from their addresses' units (or this cycle's full pass).

    The owner's own addresses are in every interaction, so no units are kept for them: the
    owner's history is only built (from everything) when a rule asks for `self`.
    """
    found: dict[str, Sequence[Touch]] = {}
    me = [p for p in people if p.classification is Classification.SELF]
    if me and any("self" in r.rule.when.classification for r in ruleset.rules):
        pol = policy(ws, session)
        mine = build_histories(
            me, load_interactions(session), pol.owner_addresses,
            mass_mail_recipients=pol.mass_mail_recipients, is_list=pol.is_list,
        )  # fmt: skip
        found.update(mine)
    people = [p for p in people if p.classification is not Classification.SELF]
    keys = address_keys_of(session, [p.key for p in people])
    pool = shared.touches
    pieces: Mapping[str, Sequence[Touch]] = (
        pool
        if pool is not None
        else units.touches_of(session, {k for found in keys.values() for k in found})
    )
    found.update(
        (p.key, merged_history([pieces[k] for k in sorted(keys.get(p.key, ())) if k in pieces]))
        for p in people
    )
    return found


@cache
def _rules_code() -> str:
    root = Path(keepwarm.__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*(root / "rules").glob("*.py"), root / "models.py"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(ruleset: RuleSet, ws: Workspace) -> str:
    """Changes whenever the same people and histories could draft differently."""
    text = repr((ruleset.rules, ruleset.policies, ws.settings.owner.model_dump_json()))
    return hashlib.sha256(f"{_rules_code()}\n{text}".encode()).hexdigest()


def _day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of `now`'s day in the owner's zone (the daily cap counts from there)."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
