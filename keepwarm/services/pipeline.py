"""Detect and draft: the two pure stages, fed from and written back to the store."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import tldextract
from sqlalchemy import func, select

from keepwarm import peers
from keepwarm.data import list_hosts, personal_domains, relay_hosts, role_local_parts
from keepwarm.rules.evaluate import OpenDraft, QueueState, plan, render_plan, withdrawals
from keepwarm.rules.history import build_histories
from keepwarm.services.rulesio import load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store import meta
from keepwarm.store.drafts import add_drafts, queue_facts, withdraw, withdrawable
from keepwarm.store.interactions import load_interactions, load_snippets
from keepwarm.store.notes import known_tags
from keepwarm.store.people import overrides, people_views, person_ids, save_people
from keepwarm.store.tables import Account, InteractionRow

log = logging.getLogger(__name__)


@dataclass
class DetectReport:
    people: int = 0
    by_classification: dict[str, int] = field(default_factory=dict)


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


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: never fetch the list over the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def organisation_of(domain: str) -> str:
    """The registrable domain (`mail.eng.example.co.uk` → `example.co.uk`)."""
    parts = _extractor()(domain)
    return parts.top_domain_under_public_suffix or domain


def policy(ws: Workspace) -> peers.DetectionPolicy:
    """Settings, shipped lists, connector-discovered aliases and the user's overrides, as one policy."""
    settings, d = ws.settings, ws.settings.detection
    with ws.session() as session:
        discovered = {
            a.lower() for row in session.scalars(select(Account.owner_addresses)) for a in row or []
        }
        baseline_at = session.scalar(select(func.min(InteractionRow.ingested_at)))
        decided = overrides(session)
    free_mail = (personal_domains() | frozenset(d.personal_domains)) - frozenset(
        d.not_personal_domains
    )
    return peers.DetectionPolicy(
        owner_addresses=frozenset(settings.owner.addresses) | frozenset(discovered),
        owner_name=settings.owner.name,
        owner_domains=tuple(settings.owner.domains),
        personal_domains=free_mail,
        role_local_parts=role_local_parts() | frozenset(d.role_local_parts),
        blocked=(*d.blocked, *(t for t, _ in decided["block"])),
        allowed=(*d.allowed, *(t for t, _ in decided["allow"])),
        forgotten=tuple(t for t, _ in decided["forget"]),
        aliases=(
            *(tuple(g) for g in d.aliases),
            *((t, o) for t, o in decided["merge"] if o is not None),
        ),
        max_meeting_size=d.max_meeting_size,
        mass_mail_recipients=d.mass_mail_recipients,
        dormant_after_days=d.dormant_after_days,
        growing_after=d.growing_after,
        established_after=d.established_after,
        established_days=d.established_days,
        baseline_at=baseline_at,
        organisation_of=organisation_of,
        lists=tuple(sorted(list_hosts())),
        relays=tuple(sorted(relay_hosts())),
    )


def detect(ws: Workspace) -> DetectReport:
    """Classify everyone in the store afresh and save people with their reasons and stages."""
    with ws.session() as session:
        seen = meta.read(session, meta.INGEST)
        interactions = load_interactions(session)
    people = peers.detect(interactions, policy(ws), now=ws.settings.now())
    del interactions
    with ws.session() as session:
        save_people(session, people=people, now=ws.settings.now())
        meta.write(session, meta.DETECTED, seen)
    counts = Counter(p.classification.value for p in people)
    return DetectReport(people=len(people), by_classification=dict(sorted(counts.items())))


def ensure_detected(ws: Workspace) -> None:
    """Run detection when interactions changed since it last ran, so rules never see stale people."""
    with ws.session() as session:
        stale = meta.read(session, meta.INGEST) != meta.read(session, meta.DETECTED)
    if stale:
        detect(ws)


def draft(ws: Workspace) -> DraftReport:
    """Evaluate every rule against the detected people and queue new drafts (idempotent by key).

    Detection runs first when interactions arrived after it last ran, so `keepwarm draft`
    straight after `keepwarm sync` never works from stale people.
    """
    with ws.session() as session:
        tags = known_tags(session)
    ruleset = load_rules(ws.settings.rules_path, known_tags=tags)
    for file_problem in ruleset.errors:
        log.warning("rule file problem, file skipped: %s", file_problem)
    for warning in ruleset.warnings:
        log.info("rule file warning: %s", warning)
    now = ws.settings.now()
    ensure_detected(ws)
    owner = ws.settings.owner
    with ws.session() as session:
        people = people_views(session)
        rules_policy = policy(ws)
        history = build_histories(
            people, load_interactions(session), rules_policy.owner_addresses,
            mass_mail_recipients=rules_policy.mass_mail_recipients,
            is_list=rules_policy.is_list,
        )  # fmt: skip
        open_drafts = [OpenDraft(*row) for row in withdrawable(session)]
        day_start = _day_start(now, owner.timezone)
        keys, busy, last, today = queue_facts(session, day_start=day_start)
    gone = withdrawals(open_drafts, history, now=now)
    with ws.session() as session:
        withdrawn = withdraw(session, reasons={w.draft_id: w.reason for w in gone}, now=now)
    busy -= {d.person_key for d in open_drafts if d.id in {w.draft_id for w in gone}}
    queue = QueueState(frozenset(keys), frozenset(busy), last, today)
    decided = plan(
        ruleset.rules, people, history, owner, now=now, policies=ruleset.policies, queue=queue
    )
    with ws.session() as session:  # only the few snippets these drafts can show
        snippets = load_snippets(session, decided.snippet_ids())
    result = render_plan(decided, owner, now=now, snippets=snippets)
    for problem in result.problems:
        log.warning("template problem, draft skipped: %s", problem)
    with ws.session() as session:
        created = add_drafts(
            session, proposals=result.drafts, person_ids=person_ids(session), now=now
        )
    return DraftReport(
        proposed=len(result.drafts), created=created, withdrawn=withdrawn, capped=result.capped,
        skipped_files=ruleset.skipped,
        problems=[str(p) for p in ruleset.errors] + result.problems,
    )  # fmt: skip


def _day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of `now`'s day in the owner's zone (the daily cap counts from there)."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
