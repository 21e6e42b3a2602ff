"""The laws incremental detection rests on, checked on the pure code alone (no database).

If a change to `keepwarm.peers` or `keepwarm.rules.history` breaks one of these, cycles stop
equalling a full recompute: folding bucket by bucket (each with the rest as context) and
merging with `Evidence.absorb` must give the people `detect` gives; a person's history must be
their addresses' touches in time order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from keepwarm.incremental.buckets import OWNER, bucket_of
from keepwarm.incremental.folding import absorbed, fold_units, merged_history
from keepwarm.models import StoredInteraction
from keepwarm.peers import DetectionPolicy, detect, normalise
from keepwarm.peers.detection import people_from
from keepwarm.peers.evidence import Evidence
from keepwarm.rules.history import Touch, build_histories
from tests.services.incremental_world import ALIAS, ALIASES, Scenario, scenarios
from tests.services.incremental_world import OWNER as ADA

POLICY = DetectionPolicy(
    owner_addresses=frozenset({ADA, ALIAS}),
    owner_domains=("analytical.example",),
    personal_domains=frozenset({"gmail.com"}),
    aliases=tuple(tuple(a) for a in ALIASES),
)


def _stored(scenario: Scenario) -> list[StoredInteraction]:
    latest = {item.provider_id: item for item in scenario.items}  # updates replace
    items = [StoredInteraction(n + 1, "demo", item) for n, item in enumerate(latest.values())]
    return sorted(items, key=lambda s: (s.interaction.occurred_at, s.id))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_bucket_by_bucket_folding_gives_the_people_and_histories_of_one_fold(
    scenario: Scenario,
) -> None:
    items = _stored(scenario)
    now = scenario.clocks[-1] - timedelta(days=20)  # some meetings still ahead
    by_bucket: dict[int, list[StoredInteraction]] = defaultdict(list)
    for s in items:
        by_bucket[bucket_of(s.interaction.occurred_at)].append(s)
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    touches: dict[str, list[Touch]] = defaultdict(list)
    for _, mine in sorted(by_bucket.items()):
        rest = [s for s in items if s not in mine]
        folded = fold_units(mine, POLICY, now, context=rest)
        for (key, _), e in sorted(folded.evidence.items(), key=lambda kv: kv[0][1]):
            evidence[key].append(e)
        for (key, _), unit in folded.touches.items():
            touches[key].extend(unit)
    owner = absorbed(evidence.pop(OWNER, []))
    merged = {key: absorbed(pieces) for key, pieces in evidence.items()}
    people = detect(items, POLICY, now=now)
    assert people_from(merged, owner, POLICY, now) == people
    truth = build_histories(people, items, POLICY.owner_addresses)
    for person in people:
        if person.key in POLICY.owner_addresses:
            continue  # no units are kept for the owner's own addresses
        keys = sorted({normalise(a) for a in person.addresses} | {person.key})
        history = merged_history([touches[k] for k in keys if k in touches])
        assert list(history) == truth.get(person.key, [])
