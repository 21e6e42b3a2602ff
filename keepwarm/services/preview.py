"""`rules preview`: replay stored history day by day and show what each rule would have drafted.

Read-only: the queue is never touched. The replay starts from an empty queue and assumes
each previewed draft is dealt with when it falls due (so the one-pending-per-person policy
frees up again), while the daily cap and cooldowns apply as they would have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from keepwarm.errors import RuleError
from keepwarm.models import ProposedDraft
from keepwarm.rules.evaluate import QueueState, evaluate
from keepwarm.rules.history import build_histories
from keepwarm.services.pipeline import ensure_detected, policy
from keepwarm.services.rulesio import load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store.interactions import load_interactions
from keepwarm.store.notes import known_tags
from keepwarm.store.people import people_views


@dataclass(frozen=True, slots=True)
class PreviewDraft:
    proposed_at: datetime
    draft: ProposedDraft
    person: str


@dataclass
class Preview:
    start: datetime
    end: datetime
    rules: dict[str, int] = field(default_factory=dict)
    drafts: list[PreviewDraft] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Rule-file warnings: the rules load, but may not do what they say.
    warnings: list[str] = field(default_factory=list)


def preview(ws: Workspace, *, days: int = 90, rule: str | None = None) -> Preview:
    with ws.session() as session:
        tags = known_tags(session)
    ruleset = load_rules(ws.settings.rules_path, known_tags=tags)
    rules = ruleset.rules
    if rule is not None:
        rules = [r for r in rules if r.rule.name == rule]
        if not rules:
            known = ", ".join(sorted(r.rule.name for r in ruleset.rules)) or "none loaded"
            raise RuleError(f"no rule named {rule!r} (rules: {known}); see `keepwarm rules check`")
    now = ws.settings.now()
    owner = ws.settings.owner
    ensure_detected(ws)
    with ws.session() as session:
        people = people_views(session)
        rules_policy = policy(ws)
        history = build_histories(
            people, load_interactions(session), rules_policy.owner_addresses,
            mass_mail_recipients=rules_policy.mass_mail_recipients,
        )  # fmt: skip
    names = {p.key: p.name or p.key for p in people}
    result = Preview(
        start=now - timedelta(days=days),
        end=now,
        rules={r.rule.name: 0 for r in rules},
        problems=[str(p) for p in ruleset.errors],
        warnings=[str(p) for p in ruleset.warnings],
    )
    keys: set[str] = set()
    open_until: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    per_day: dict[str, int] = {}
    for step in range(days, -1, -1):
        clock = now - timedelta(days=step)
        busy = frozenset(k for k, until in open_until.items() if until > clock)
        day = clock.date().isoformat()
        queue = QueueState(frozenset(keys), busy, dict(last), per_day.get(day, 0))
        found = evaluate(
            rules, people, history, owner, now=clock, policies=ruleset.policies, queue=queue
        )
        result.problems.extend(p for p in found.problems if p not in result.problems)
        for draft in found.drafts:
            keys.add(draft.key)
            open_until[draft.person_key] = max(draft.due_at, clock)
            last[draft.person_key] = clock
            per_day[day] = per_day.get(day, 0) + 1
            result.rules[draft.rule] = result.rules.get(draft.rule, 0) + 1
            result.drafts.append(PreviewDraft(clock, draft, names.get(draft.person_key, "")))
    return result
