"""Detect and draft: the two pure stages, fed from and written back to the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import tldextract
from sqlalchemy import func, select

from keepwarm import peers
from keepwarm.data import personal_domains, role_local_parts
from keepwarm.rules.evaluate import propose
from keepwarm.services.rulesio import load_rules
from keepwarm.services.workspace import Workspace
from keepwarm.store.drafts import add_drafts
from keepwarm.store.interactions import load_interactions
from keepwarm.store.people import overrides, people_views, person_ids, save_people
from keepwarm.store.tables import Account, InteractionRow, Person


@dataclass
class DetectReport:
    people: int = 0
    by_classification: dict[str, int] = field(default_factory=dict)


@dataclass
class DraftReport:
    proposed: int = 0
    created: int = 0


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
    )


def detect(ws: Workspace) -> DetectReport:
    """Classify everyone in the store afresh and save people with their reasons and stages."""
    with ws.session() as session:
        interactions = load_interactions(session)
    people = peers.detect(interactions, policy(ws), now=ws.settings.now())
    with ws.session() as session:
        save_people(session, people=people, now=ws.settings.now())
    counts = Counter(p.classification.value for p in people)
    return DetectReport(people=len(people), by_classification=dict(sorted(counts.items())))


def draft(ws: Workspace) -> DraftReport:
    """Evaluate every rule against the detected people and queue new drafts (idempotent by key).

    Detection runs first when interactions arrived after it last ran, so `keepwarm draft`
    straight after `keepwarm sync` never works from stale people.
    """
    rules = load_rules(ws.settings.rules_path)
    now = ws.settings.now()
    with ws.session() as session:
        last_ingest = session.scalar(select(func.max(InteractionRow.ingested_at)))
        last_detect = session.scalar(select(func.max(Person.updated_at)))
    if last_ingest is not None and (last_detect is None or last_ingest >= last_detect):
        detect(ws)
    with ws.session() as session:
        people = people_views(session)
        planted = {p.planted_by for p in people if p.planted_by is not None}
        by_id = {s.id: s for s in load_interactions(session, ids=planted)}
    proposals = propose(rules, people, by_id, ws.settings.owner, now=now)
    with ws.session() as session:
        created = add_drafts(session, proposals=proposals, person_ids=person_ids(session), now=now)
    return DraftReport(proposed=len(proposals), created=created)
