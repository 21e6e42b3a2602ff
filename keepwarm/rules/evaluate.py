"""Evaluating rules against detected people: which follow-ups should exist now.

Pure: people, interactions, the owner and `now` come in; proposed drafts go out. The store
turns proposals into queued drafts exactly once (by key), so evaluating again is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from keepwarm.models import (
    Classification,
    Kind,
    Owner,
    PersonView,
    ProposedDraft,
    StoredInteraction,
)
from keepwarm.rules.render import render_body, render_subject
from keepwarm.rules.schema import Rule


@dataclass(frozen=True, slots=True)
class LoadedRule:
    rule: Rule
    source: str


def propose(
    rules: Sequence[LoadedRule],
    people: Sequence[PersonView],
    interactions: Mapping[int, StoredInteraction],
    owner: Owner,
    *,
    now: datetime,
) -> list[ProposedDraft]:
    proposals = []
    for loaded in rules:
        if not loaded.rule.enabled:
            continue
        for person in people:
            proposal = _new_peer(loaded, person, interactions, owner, now)
            if proposal is not None:
                proposals.append(proposal)
    return proposals


def _new_peer(
    loaded: LoadedRule,
    person: PersonView,
    interactions: Mapping[int, StoredInteraction],
    owner: Owner,
    now: datetime,
) -> ProposedDraft | None:
    rule, trigger = loaded.rule, loaded.rule.trigger
    if person.classification is not Classification.PEER or person.planted_by is None:
        return None
    if person.followed_up_at is not None or person.planted_at is None:
        return None
    if not (now - trigger.within <= person.planted_at <= now):
        return None
    stored = interactions.get(person.planted_by)
    if stored is None or stored.interaction.kind.value not in trigger.source:
        return None
    due = person.planted_at + rule.after
    expires = due + rule.expires_after if rule.expires_after is not None else None
    if expires is not None and expires <= now:
        return None
    context = template_context(owner, person, stored)
    where = f"{loaded.source} (rule {rule.name})"
    kind = "meeting" if stored.interaction.kind is Kind.MEETING else "email"
    return ProposedDraft(
        key=f"{rule.name}:{person.key}:{stored.interaction.provider_id}",
        rule=rule.name,
        person_key=person.key,
        account=stored.account,
        to=(person.addresses[0],),
        subject=render_subject(rule.draft.subject, context, where=where),
        body=render_body(rule.draft.body, context, where=where, signature=owner.signature),
        reasons=(
            f"new peer: {kind} '{stored.interaction.subject}' on {person.planted_at:%Y-%m-%d}; "
            "nothing from you since",
            *person.reasons,
        ),
        interaction_ids=(stored.id,),
        due_at=due,
        expires_at=expires,
    )


def template_context(owner: Owner, person: PersonView, stored: StoredInteraction) -> dict[str, Any]:
    """The variables a draft template can use (documented in rules/README.md)."""
    zone = ZoneInfo(owner.timezone)
    item = stored.interaction
    local = item.occurred_at.astimezone(zone)
    return {
        "owner": {
            "name": owner.name,
            "first_name": _first_name(owner.name),
            "address": owner.addresses[0],
            "signature": owner.signature,
        },
        "person": {
            "name": person.name,
            "first_name": _first_name(person.name) or "there",
            "address": person.addresses[0],
            "organisation": person.organisation,
            "stage": person.stage.value if person.stage else "",
        },
        "interaction": {
            "kind": item.kind.value,
            "subject": item.subject,
            "date": local.strftime("%A %-d %B"),
            "weekday": local.strftime("%A"),
        },
    }


def _first_name(name: str) -> str:
    parts = name.replace(",", " ").split()
    return parts[0] if parts else ""
