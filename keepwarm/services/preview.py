"""`rules preview`: replay stored history day by day and show what each rule would have drafted.

Read-only: the queue is never touched. The replay starts from an empty queue and assumes
each previewed draft is dealt with when it falls due (so the one-pending-per-person policy
frees up again), while the daily cap and cooldowns apply as they would have.

Each replayed day sees only the interactions that had happened by then: people are detected
again from those (a cold sender answered later was still a candidate that day), and nothing
later — a reply, a meeting, a snippet — leaks into that day's drafts.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from keepwarm import peers
from keepwarm.errors import RuleError
from keepwarm.models import PersonView, ProposedDraft
from keepwarm.rules.evaluate import QueueState, plan, render_plan
from keepwarm.rules.history import History, build_histories
from keepwarm.services.pipeline import policy
from keepwarm.services.rulesio import load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store.interactions import load_interactions, load_snippets
from keepwarm.store.notes import known_tags
from keepwarm.store.people import people_views

#: People are detected again at least this often while replaying (stages drift with time alone).
REDETECT_EVERY = timedelta(days=7)


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
    detection = policy(ws)
    with ws.session() as session:
        interactions = load_interactions(session)
        # The owner's notes (tags, fields) are not interactions: today's apply to every day.
        noted = {a: (p.tags, p.fields) for p in people_views(session) for a in p.addresses}
    moments = [s.interaction.occurred_at for s in interactions]
    names: dict[str, str] = {}
    people: list[PersonView] = []
    history: History = {}
    seen, detected_at = -1, now - timedelta(days=days) - REDETECT_EVERY
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
        upto = bisect.bisect_right(moments, clock)
        if upto != seen or clock - detected_at >= REDETECT_EVERY:
            past = interactions[:upto]
            people = [_noted(p, noted) for p in peers.detect(past, detection, now=clock)]
            history = build_histories(
                people, past, detection.owner_addresses,
                mass_mail_recipients=detection.mass_mail_recipients,
                is_list=detection.is_list,
            )  # fmt: skip
            names.update((p.key, p.name or p.key) for p in people)
            seen, detected_at = upto, clock
        busy = frozenset(k for k, until in open_until.items() if until > clock)
        day = clock.date().isoformat()
        queue = QueueState(frozenset(keys), busy, dict(last), per_day.get(day, 0))
        decided = plan(
            rules, people, history, owner, now=clock, policies=ruleset.policies, queue=queue
        )
        with ws.session() as session:
            snippets = load_snippets(session, decided.snippet_ids()) if decided.candidates else {}
        found = render_plan(decided, owner, now=clock, snippets=snippets)
        result.problems.extend(p for p in found.problems if p not in result.problems)
        for draft in found.drafts:
            keys.add(draft.key)
            open_until[draft.person_key] = max(draft.due_at, clock)
            last[draft.person_key] = clock
            per_day[day] = per_day.get(day, 0) + 1
            result.rules[draft.rule] = result.rules.get(draft.rule, 0) + 1
            result.drafts.append(PreviewDraft(clock, draft, names.get(draft.person_key, "")))
    return result


def _noted(
    person: PersonView, noted: dict[str, tuple[frozenset[str], Mapping[str, str]]]
) -> PersonView:
    found = next((noted[a] for a in person.addresses if a in noted), None)
    return replace(person, tags=found[0], fields=found[1]) if found else person
