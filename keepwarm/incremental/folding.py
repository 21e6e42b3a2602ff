"""Folding interactions into units with the pure detection and history code.

A unit's evidence is what `keepwarm.peers.folder.Folder` learns about one address from the
interactions of one bucket (the owner's sightings: of one day); its touches are what
`keepwarm.rules.history.build_histories` makes of them for that address alone. Both are exact
slices of a full pass: folding is a per-interaction step once the owner's messages are known
(learnt from `context`), `Evidence.absorb` merges slices
in time order into what one fold gives, and a history is a per-interaction map, so a person's
history is their addresses' touches in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, groupby

from keepwarm.incremental.buckets import OWNER, Unit, bucket_of, day_of
from keepwarm.models import Classification, PersonView, StoredInteraction
from keepwarm.peers import DetectionPolicy
from keepwarm.peers.addresses import normalise
from keepwarm.peers.evidence import Evidence
from keepwarm.peers.folder import Folder
from keepwarm.peers.policy import is_list_address
from keepwarm.rules.history import Touch, build_histories

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class Folded:
    """Units refolded from a set of interactions, and what each interaction touched."""

    evidence: dict[Unit, Evidence] = field(default_factory=dict)
    touches: dict[Unit, list[Touch]] = field(default_factory=dict)
    #: Interaction ids of each address unit (the store's index from address to interactions).
    members: dict[Unit, set[int]] = field(default_factory=dict)
    #: When a unit would fold differently with no new data (a meeting counts once it ended).
    due: dict[Unit, datetime] = field(default_factory=dict)
    #: interaction id -> the address keys it touched.
    touched: dict[int, set[str]] = field(default_factory=dict)

    def units(self) -> set[Unit]:
        return set(self.evidence) | set(self.touches)


def everything(unit: Unit) -> bool:
    """Fold every unit (the default of `fold_units`)."""
    return True


def fold_units(
    items: Sequence[StoredInteraction],
    policy: DetectionPolicy,
    now: datetime,
    *,
    context: Iterable[StoredInteraction] = (),
    lists: Mapping[str, str] | None = None,
    wanted: Callable[[Unit], bool] = everything,
) -> Folded:
    """Fold `items` (oldest first, by time then id) into the units `wanted` selects.

    A unit is exact only when `items` holds all of its interactions, `context` every other
    interaction they refer to (`keepwarm.store.links.context_ids`) and `lists` every list
    address known from the whole store (key -> list name, as the first message naming it said).
    """
    out = Folded()
    folder = Folder(policy, now)
    folder.lists.update(lists or {})
    context = list(context)
    #: Every spelling detection saw for each address (list authors included): whom to give touches.
    spelled: dict[str, set[str]] = {}
    learn: Iterable[StoredInteraction] | None = chain(context, items)
    for bucket, group in groupby(items, key=lambda s: bucket_of(s.interaction.occurred_at)):
        folder.evidence = {}
        for day, today in groupby(group, key=lambda s: day_of(s.interaction.occurred_at)):
            folder.owner_seen = Evidence()
            day_items = list(today)
            folder.fold(day_items, context=learn if learn is not None else ())
            learn = None
            if folder.owner_seen.first_seen is not None and wanted((OWNER, day)):
                out.evidence[(OWNER, day)] = folder.owner_seen
        for key, e in folder.evidence.items():
            spelled.setdefault(key, set()).update(e.spellings)
            for iid in e.ids:
                out.touched.setdefault(iid, set()).add(key)
            if wanted((key, bucket)):
                out.evidence[(key, bucket)] = e
                out.members[(key, bucket)] = set(e.ids)
    for key, touches in _touches(items, policy, spelled, lists or {}).items():
        for touch in touches:
            out.touched.setdefault(touch.interaction_id, set()).add(key)
            unit = (key, bucket_of(touch.at))
            if wanted(unit):
                out.touches.setdefault(unit, []).append(touch)
                out.members.setdefault(unit, set()).add(touch.interaction_id)
    _dues(out, items, context, policy, now, wanted, lists)
    return out


def _dues(
    out: Folded,
    items: Sequence[StoredInteraction],
    context: list[StoredInteraction],
    policy: DetectionPolicy,
    now: datetime,
    wanted: Callable[[Unit], bool],
    lists: Mapping[str, str] | None,
) -> None:
    """When each unit would fold differently with no new data: for every interaction with a
    time still ahead (a meeting not yet over), fold it alone at `now` and at each of its future
    times, and mark the units whose evidence changes (a meeting counts once it has ended; the
    owner's sightings do not change)."""
    ahead = [
        s
        for s in items
        if s.interaction.occurred_at > now
        or (s.interaction.ended_at is not None and s.interaction.ended_at > now)
    ]
    if not ahead:
        return
    probe = Folder(policy, now)
    probe.lists.update(lists or {})
    probe.fold([], context=chain(context, items))
    for stored in ahead:
        item = stored.interaction
        probe.now = now
        before = _alone(probe, stored)
        for moment in sorted({t for t in (item.occurred_at, item.ended_at) if t and t > now}):
            probe.now = moment
            after = _alone(probe, stored)
            changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            for key in changed:
                unit = (
                    (key, day_of(item.occurred_at))
                    if key == OWNER
                    else (key, bucket_of(item.occurred_at))
                )
                if wanted(unit) and (unit not in out.due or moment < out.due[unit]):
                    out.due[unit] = moment
            if changed:
                break


def _alone(folder: Folder, stored: StoredInteraction) -> dict[str, tuple[object, ...]]:
    """What folding this one interaction gives, address by address (the owner as `OWNER`)."""
    folder.evidence, folder.owner_seen = {}, Evidence()
    folder.fold([stored], context=())
    found = {key: _values(e) for key, e in folder.evidence.items()}
    found[OWNER] = _values(folder.owner_seen)
    return found


def _values(e: Evidence) -> tuple[object, ...]:
    return tuple(getattr(e, name) for name in Evidence.__slots__)


def _touches(
    items: Sequence[StoredInteraction],
    policy: DetectionPolicy,
    spelled: dict[str, set[str]],
    lists: Mapping[str, str],
) -> dict[str, list[Touch]]:
    """Each address's touches: `build_histories` with every address as its own person, known
    by the spellings detection saw for it (as a person's addresses are).

    The owner's own addresses are left out: they are in every interaction. A post is `listed`
    when any stored message names one of its recipients as a list, not only this slice's.
    """

    known: dict[str, bool] = {}

    def is_list(address: str) -> bool:
        found = known.get(address)
        if found is None:
            key = normalise(address)
            found = known[address] = key in lists or is_list_address(key, policy)
        return found

    alone = [
        PersonView(
            key=key,
            name="",
            addresses=tuple(sorted(found)),
            classification=Classification.CANDIDATE,
            reasons=(),
            stage=None,
            first_seen=_NEVER,
            last_seen=_NEVER,
        )
        for key, found in spelled.items()
        if key not in policy.owner_addresses
    ]
    return build_histories(
        alone, items, policy.owner_addresses,
        mass_mail_recipients=policy.mass_mail_recipients, is_list=is_list,
    )  # fmt: skip


def absorbed(slices: Iterable[Evidence]) -> Evidence:
    """One evidence from slices in time order (what one fold over all of them gives)."""
    merged = Evidence()
    for piece in slices:
        merged.absorb(piece)
    return merged


def merged_history(slices: Sequence[Sequence[Touch]]) -> Sequence[Touch]:
    """A person's history from their addresses' touches (each oldest first): time order, one
    touch per interaction."""
    if len(slices) == 1:
        return slices[0]
    seen: set[int] = set()
    out = []
    for touch in sorted(chain.from_iterable(slices), key=lambda t: (t.at, t.interaction_id)):
        if touch.interaction_id not in seen:
            seen.add(touch.interaction_id)
            out.append(touch)
    return out
