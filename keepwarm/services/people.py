"""The user's overrides of detection (`peers block|allow|forget|merge`) and `why` with evidence.

Overrides live in the store, so they survive re-syncs; each one re-runs detection at once so
`peers` and the rules see the decision immediately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from keepwarm.errors import ConfigError, NotFound
from keepwarm.peers import normalise
from keepwarm.services.pipeline import detect
from keepwarm.services.workspace import Workspace
from keepwarm.store.interactions import load_interactions
from keepwarm.store.notes import Notes, notes_by_person
from keepwarm.store.people import (
    add_override,
    delete_people_of,
    find_person,
    forgotten_as,
    visible_addresses,
)

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^@?[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class OverrideResult:
    action: str
    target: str
    recorded: bool
    classification: str | None


def target_of(value: str, *, domains: bool = True) -> str:
    """An address, or `@domain`; anything else is a clear error naming the expected forms."""
    value = value.strip().lower()
    if _ADDRESS.match(value):
        return value
    if domains and _DOMAIN.match(value) and ("@" in value or "." in value):
        return value if value.startswith("@") else f"@{value}"
    forms = "an address like grace@navylabs.example or a domain like @navylabs.example"
    raise ConfigError(
        f"{value!r} is not {forms if domains else 'an address like grace@navylabs.example'}"
    )


def override(ws: Workspace, action: str, value: str, other: str | None = None) -> OverrideResult:
    """Record `block`, `allow`, `forget` or `merge`, then re-detect."""
    target = target_of(value, domains=action != "merge")
    second = target_of(other, domains=False) if other is not None else None
    now = ws.settings.now()
    with ws.session() as session:
        if action == "merge":
            assert second is not None
            for address in (target, second):
                if find_person(session, address=address) is None:
                    raise NotFound(
                        f"{address} does not appear in any synced interaction; check the "
                        "spelling, or run `keepwarm sync` first"
                    )
        recorded = add_override(session, action=action, target=target, other=second, now=now)
        if action == "forget":
            person = find_person(session, address=target) if not target.startswith("@") else None
            if person is not None:  # forget every address of that human, not just this one
                for address in visible_addresses(session, person.id):
                    add_override(session, action="forget", target=address, now=now)
            delete_people_of(session, target)
    detect(ws)
    with ws.session() as session:
        person = find_person(session, address=target) if "@" in target[1:] else None
        found = person.classification if person is not None and action != "forget" else None
    return OverrideResult(action, target, recorded, found)


def why(ws: Workspace, address: str) -> dict[str, Any]:
    """Classification, every reason, stage, counts and the evidence interactions of one address."""
    wanted = address.strip().lower()
    with ws.session() as session:
        person = find_person(session, address=wanted)
        if person is None:
            targets = [wanted, normalise(wanted), "@" + wanted.rpartition("@")[2]]
            if forgotten_as(session, targets):
                raise NotFound(
                    f"{wanted} was forgotten at your request (`keepwarm peers forget`); "
                    f"`keepwarm peers allow {wanted}` brings it back"
                )
            also = f" (nor as {normalise(wanted)})" if normalise(wanted) != wanted else ""
            raise NotFound(
                f"{wanted} does not appear in any synced interaction{also}; check the "
                "spelling, or run `keepwarm sync` first"
            )
        addresses = visible_addresses(session, person.id)
        noted = notes_by_person(session, {person.id: addresses}).get(person.id, Notes())
        evidence = load_interactions(session, ids=list(person.evidence or []))
    order = {iid: n for n, iid in enumerate(person.evidence or [])}
    return {
        "address": wanted,
        "name": person.name,
        "addresses": addresses,
        "organisation": person.organisation,
        "classification": person.classification,
        "stage": person.stage,
        "reasons": list(person.reasons),
        "first_seen": person.first_seen.isoformat(),
        "last_seen": person.last_seen.isoformat(),
        "last_two_way": person.last_two_way.isoformat() if person.last_two_way else None,
        "planted_at": person.planted_at.isoformat() if person.planted_at else None,
        "known_before_first_sync": person.known,
        "counts": person.counts or {},
        "tags": sorted(noted.tags),
        "fields": dict(sorted(noted.fields.items())),
        "evidence": [
            {
                "id": s.id,
                "account": s.account,
                "kind": s.interaction.kind.value,
                "date": s.interaction.occurred_at.isoformat(),
                "subject": s.interaction.subject,
                "from": s.interaction.sender.address if s.interaction.sender else None,
            }
            for s in sorted(evidence, key=lambda s: order.get(s.id, 0))
        ],
    }
