"""`detect`: interactions in, people out — classified, explained, merged and staged."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from keepwarm.collector import collector_paused
from keepwarm.models import Classification, PersonView, StoredInteraction
from keepwarm.peers.addresses import domain_of
from keepwarm.peers.classify import Labeller, classify
from keepwarm.peers.evidence import Evidence
from keepwarm.peers.folder import Folder
from keepwarm.peers.identity import best_name, group, preferred_spelling
from keepwarm.peers.policy import DetectionPolicy, matches
from keepwarm.peers.stages import stage

#: How many interaction ids a person keeps as evidence for `keepwarm why`.
EVIDENCE_IDS = 20
_RELATED = (Classification.PEER, Classification.PERSONAL_DOMAIN)


def detect(
    interactions: Iterable[StoredInteraction], policy: DetectionPolicy, *, now: datetime
) -> list[PersonView]:
    """Classify every address seen in `interactions` and stage the peers.

    Deterministic: the same interactions and policy give the same people in the same order.
    Forgotten addresses and domains produce nothing.
    """
    with collector_paused():  # detection allocates much and frees nothing cyclic
        return _detect(interactions, policy, now)


def _detect(
    interactions: Iterable[StoredInteraction], policy: DetectionPolicy, now: datetime
) -> list[PersonView]:
    folder = Folder(policy, now)
    evidence = folder.fold(interactions)
    return people_from(evidence, folder.owner_seen, policy, now)


def mergeable(labeller: Labeller, address: str) -> bool:
    """Whether identity may merge this address with others by name (no address-only label)."""
    return labeller.label(address) is None


def people_from(
    evidence: dict[str, Evidence], owner_seen: Evidence, policy: DetectionPolicy, now: datetime
) -> list[PersonView]:
    """People from folded evidence (the second half of `detect`).

    Evidence folded in slices and merged with `Evidence.absorb` gives the same people, so a
    caller may refold only what changed.
    """
    owner = policy.owner_addresses
    if any(k in owner for k in evidence):  # never two people for the owner: `_owner` is him
        evidence = {k: e for k, e in evidence.items() if k not in owner}
    if policy.forgotten:
        evidence = {
            a: e for a, e in evidence.items() if not matches(a, domain_of(a), policy.forgotten)
        }
    labeller = Labeller(policy)
    organisations: dict[str, str] = {}
    names: dict[str, str] = {}

    def organisation(domain: str) -> str:
        found = organisations.get(domain)
        if found is None:
            found = organisations[domain] = policy.organisation_of(domain)
        return found

    groups = group(
        evidence,
        aliases=policy.aliases,
        mergeable=lambda a: mergeable(labeller, a),
        organisation_of=organisation,
        role_words=policy.role_local_parts,
        names_out=names,
    )
    people = [_person(g, evidence, labeller, policy, now, organisation, names) for g in groups]
    me = _owner(owner_seen, policy)
    return [me, *people] if me is not None else people


def _person(
    addresses: list[str],
    evidence: dict[str, Evidence],
    labeller: Labeller,
    policy: DetectionPolicy,
    now: datetime,
    organisation: Callable[[str], str],
    names: dict[str, str],
) -> PersonView:
    if len(addresses) == 1:
        e = evidence[addresses[0]]
    else:
        e = Evidence()
        for a in addresses:
            e.absorb(evidence[a])
    assert e.first_seen is not None and e.last_seen is not None
    classification, reasons = classify(addresses, e, labeller)
    if len(addresses) > 1:
        reasons.append(f"one person with {len(addresses)} addresses: {', '.join(addresses)}")
    related = classification in _RELATED
    planted_at = planted_by = followed = last_two_way = stage_now = None
    if related:
        plantings = sorted(
            [(at, iid) for at, iid, _ in e.wrote_personally]
            + [(at, iid) for at, iid, _, _ in e.meetings]
            + e.replies
        )
        if plantings:
            planted_at, planted_by = plantings[0]
            followed = min((at for at, _, _ in e.wrote_personally if at > planted_at), default=None)
        two_way = [at for at, _ in e.replies] + [at for at, _, _, _ in e.meetings]
        last_two_way = max(two_way, default=None)
        stage_now = stage(
            policy=policy, now=now, first_seen=e.first_seen, last_seen=e.last_seen,
            followed_up_at=followed, last_two_way=last_two_way, two_way=len(two_way),
        )  # fmt: skip
    key = (
        addresses[0]
        if len(addresses) == 1
        else min(addresses, key=lambda a: (evidence[a].first_seen, a))
    )
    spellings = e.spellings
    if len(spellings) == 1:
        spelling, others = next(iter(spellings)), []
    else:
        spelling = preferred_spelling(spellings)
        others = sorted(s for s in spellings if s != spelling)
    return PersonView(
        key=key,
        name=_name(addresses, spelling, e, names, policy),
        addresses=(spelling, *others),
        classification=classification,
        reasons=tuple(reasons),
        stage=stage_now,
        first_seen=e.first_seen,
        last_seen=e.last_seen,
        planted_by=planted_by,
        planted_at=planted_at,
        last_two_way=last_two_way,
        followed_up_at=followed,
        organisation=organisation(domain_of(key)),
        counts={
            "meetings": e.meetings_seen,
            "sent": e.sent,
            "received": e.received,
            "replies": len(e.replies),
        },
        evidence=_evidence_ids(e),
        known=_known(planted_at, policy.baseline_at),
    )


def _name(
    addresses: list[str], spelling: str, e: Evidence, memo: dict[str, str], policy: DetectionPolicy
) -> str:
    if not e.names:
        return ""
    if len(addresses) == 1 and addresses[0] in memo and spelling == addresses[0]:
        return memo[addresses[0]]
    return best_name(spelling, e.names, policy.role_local_parts)


def _known(planted_at: datetime | None, baseline_at: datetime | None) -> bool:
    """Evidence older than the first sync: a relationship that already existed."""
    return planted_at is not None and baseline_at is not None and planted_at < baseline_at


def _evidence_ids(e: Evidence) -> tuple[int, ...]:
    """Evidence interactions first (meetings, personal mail, replies, bounces), then the latest."""
    first = [iid for _, iid, _, _ in e.meetings]
    first += [iid for _, iid, _ in e.wrote_personally]
    first += [iid for _, iid in e.replies] + [iid for _, iid in e.bounced]
    ordered = list(dict.fromkeys([*first, *reversed(e.ids[-2 * EVIDENCE_IDS :])]))
    return tuple(ordered[:EVIDENCE_IDS])


def _owner(seen: Evidence, policy: DetectionPolicy) -> PersonView | None:
    """The owner as one person labelled `self`, so `why` can answer for every alias."""
    if seen.first_seen is None or seen.last_seen is None:
        return None
    spellings = sorted(seen.spellings, key=lambda s: (-seen.spellings[s], s))
    return PersonView(
        key=min(policy.owner_addresses),
        name=policy.owner_name,
        addresses=tuple(spellings),
        classification=Classification.SELF,
        reasons=tuple(f"{a} is one of your own addresses" for a in spellings),
        stage=None,
        first_seen=seen.first_seen,
        last_seen=seen.last_seen,
        counts={"sightings": sum(seen.spellings.values())},
    )
