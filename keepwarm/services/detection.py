"""Detection as a service: refold only what changed, regroup only whom it may touch.

A pass reads what ingest left pending, finds the stored interactions whose meaning that may
change (`keepwarm.store.links`), refolds the units they fall in with the pure detection code,
and reclassifies the addresses identity ties to them (`keepwarm.incremental.closure`). Time
alone changes some results (a meeting ends, a relationship goes dormant): each unit and person
carries the moment it may, and is looked at again then. A full pass refolds everything; it runs
on `keepwarm detect --full`, on the first pass, and whenever the policy or the detection code
changed — so results always equal a full recompute.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from keepwarm.collector import collect_young, collector_paused
from keepwarm.incremental.buckets import OWNER, Unit, bucket_of, bucket_span, day_of, day_start
from keepwarm.incremental.closure import closure
from keepwarm.incremental.folding import Folded, absorbed
from keepwarm.models import PersonView, StoredInteraction
from keepwarm.peers import DetectionPolicy, Labeller, domain_of, normalise
from keepwarm.peers.detection import mergeable, people_from
from keepwarm.peers.evidence import Evidence
from keepwarm.peers.stages import stage_changes_at
from keepwarm.rules.history import Touch
from keepwarm.services.bucketfold import (
    BucketJob,
    fold_bucket,
    fold_bucket_in,
    fold_with_context,
    shareable,
)
from keepwarm.services.detectpolicy import baseline, fingerprint, policy
from keepwarm.services.workspace import Workspace
from keepwarm.store import changes, lists, loading, units
from keepwarm.store.interactions import file_links
from keepwarm.store.links import dependent_ids
from keepwarm.store.locks import serialize
from keepwarm.store.people import classification_counts, due_people, save_people
from keepwarm.workers import Job, ordered_map

#: A full pass keeps every touch in memory for drafting only up to this many interactions.
SHARE_LIMIT = 300_000
#: More new interactions than this at once (a first import): a full pass, whose memory does not
#: grow with the store, is cheaper than refolding them incrementally.
INCREMENTAL_LIMIT = 20_000
#: From this many stored interactions a full pass folds its buckets on worker processes (fewer
#: do not pay for the workers' start and the pickling).
PARALLEL_FOLD = 20_000


@dataclass
class DetectReport:
    people: int = 0
    by_classification: dict[str, int] = field(default_factory=dict)
    #: "full", "incremental" or "idle" (nothing to do).
    mode: str = "idle"
    #: Interactions folded (new or changed) and units refolded in this pass.
    interactions: int = 0
    units: int = 0
    #: People recomputed.
    recomputed: int = 0


@dataclass
class Shared:
    """What one cycle's detection hands to its drafting, so nothing is read twice."""

    detected: bool = False
    #: After a small full pass: every address's touches, oldest first.
    touches: dict[str, list[Touch]] | None = None


def detect(ws: Workspace, *, full: bool = False, shared: Shared | None = None) -> DetectReport:
    """Bring people up to date with what was stored since the last pass (or refold all)."""
    with collector_paused():
        return _detect(ws, full=full, shared=shared)


def _detect(ws: Workspace, *, full: bool, shared: Shared | None) -> DetectReport:
    now = ws.settings.now()
    with ws.session() as session:
        serialize(session, "detect")
        state = changes.read_state(session)
        first = baseline(session)
        pol = policy(ws, session, baseline_at=first)
        print_ = fingerprint(pol)
        last = state.get("detected_at")
        stale = (
            full
            or state.get("detection") != print_
            or bool(state.get("links_missing"))
            or (last is not None and now < datetime.fromisoformat(last))
            or changes.pending_count(session) > INCREMENTAL_LIMIT
        )
        if stale:
            last = changes.last_pending(session)
            report = _full(session, pol, now, shared, relink=bool(state.get("links_missing")))
            changes.done_upto(session, last)
        else:
            pending = changes.pending(session)
            report = _incremental(session, pol, now, pending)
            changes.done(session, pending.rows)
        changes.write_state(
            session,
            {
                "detection": print_,
                "detected_at": now.isoformat(),
                "baseline_at": first.isoformat() if first is not None else None,
                "links_missing": None,
                **({"draft_full": True} if stale else {}),
            },
        )
        counts = classification_counts(session)
    if shared is not None:
        shared.detected = True
    report.people = sum(counts.values())
    report.by_classification = counts
    return report


# --- full pass -------------------------------------------------------------------------------


def _full(
    session: Session, pol: DetectionPolicy, now: datetime, shared: Shared | None, *, relink: bool
) -> DetectReport:
    """Refold every bucket, in time order, each with the interactions it refers to.

    A small store keeps every address's evidence (and touches, for drafting) in memory as it
    goes; a big one reads the units back one identity neighbourhood at a time, so memory does
    not grow with the store. From `PARALLEL_FOLD` interactions the buckets are folded on worker
    processes (`keepwarm.services.bucketfold`) and this process only writes what they send back,
    in bucket order, so the result is the same.
    """
    units.clear(session)
    changes.clear_redraft(session)
    report = DetectReport(mode="full")
    span = loading.time_range(session)
    stored = loading.count(session)
    small = stored <= SHARE_LIMIT
    totals: dict[str, Evidence] | None = {} if small else None
    owner = Evidence()
    keep: dict[str, list[Touch]] | None = {} if small and shared is not None else None
    if span is not None:
        buckets = range(bucket_of(span[0]), bucket_of(span[1]) + 1)
        if relink:  # stored before links existed: file them all before any is looked up
            for bucket in buckets:
                file_links(session, loading.load_between(session, *bucket_span(bucket)))
        rows, _ = lists.noted(session)
        lists.refresh(session)  # every list address, as the earliest message names it
        lists.handled(session, rows)
        named = _lists(session, pol)
        recorded: set[str] = set()  # addresses this pass already recorded
        url = shareable(session.get_bind().engine) if not relink else None
        jobs = [BucketJob(url or "", pol, now, named, bucket) for bucket in buckets]
        job = Job(fold_bucket, local=lambda one: fold_bucket_in(session, one))
        wide = url is not None and stored >= PARALLEL_FOLD
        for count, folded in ordered_map(job, jobs, parallel=wide):
            if not count:
                continue
            _store(session, folded, pol, replace=(), recorded=recorded)
            report.interactions += count
            report.units += len(folded.units())
            for (key, _), e in sorted(folded.evidence.items(), key=lambda kv: kv[0][1]):
                if key == OWNER:
                    owner.absorb(e)
                elif totals is not None:
                    totals.setdefault(key, Evidence()).absorb(e)
            if keep is not None:
                for (key, _), touches in folded.touches.items():
                    keep.setdefault(key, []).extend(touches)
            collect_young()  # the bucket's few cycles (statement objects) hold on to much
    if totals is not None:
        people = people_from(totals, owner, pol, now)
    else:
        people = _people_from_units(session, pol, now, owner)
    save_people(session, people=people, now=now, due=_due(people, pol, now))
    report.recomputed = len(people)
    if shared is not None and keep is not None:
        shared.touches = keep
    return report


def _people_from_units(
    session: Session, pol: DetectionPolicy, now: datetime, owner: Evidence
) -> list[PersonView]:
    """Everyone, from the stored units, one batch of identity neighbourhoods at a time."""
    labeller = Labeller(pol)
    everyone = units.all_addresses(session)
    done: set[str] = set()
    people = people_from({}, owner, pol, now)
    batch: set[str] = set()
    for address in sorted(everyone):
        if address in done:
            continue
        scope = closure(
            {address},
            organisation_of=lambda a: pol.organisation_of(domain_of(a)),
            org_members=lambda orgs: units.org_members(session, orgs),
            mergeable=lambda a: mergeable(labeller, a),
            aliases=pol.aliases,
        )
        done |= scope
        batch |= scope
        if len(batch) >= 500:
            people += _people_of(session, batch, pol, now)
            batch = set()
            collect_young()
    if batch:
        people += _people_of(session, batch, pol, now)
    return people


def _people_of(
    session: Session, keys: set[str], pol: DetectionPolicy, now: datetime
) -> list[PersonView]:
    evidence = {key: absorbed(pieces) for key, pieces in units.evidence_of(session, keys).items()}
    return people_from(evidence, Evidence(), pol, now)


# --- incremental pass ------------------------------------------------------------------------


def _incremental(
    session: Session, pol: DetectionPolicy, now: datetime, pending: changes.Pending
) -> DetectReport:
    due_units = units.due_units(session, now=now)
    aging = due_people(session, now=now)
    notes, noted_keys = lists.noted(session)
    if not pending.interactions and not due_units and not aging and not notes:
        return DetectReport(mode="idle")
    renamed = lists.refresh(session, noted_keys)
    lists.handled(session, notes)
    report = DetectReport(mode="incremental")
    named = _lists(session, pol)
    new = loading.load_interactions(session, ids=pending.interactions)
    new_ids = {s.id for s in new}
    # Stored interactions the new ones may change: replies to them, bounces of them, and
    # everything involving an address that just turned out to be a mailing list.
    listed = units.key_members(session, renamed) if renamed else set()
    others = loading.load_interactions(
        session, ids=(dependent_ids(session, new) | listed) - new_ids
    )
    changed = sorted([*new, *others], key=lambda s: (s.interaction.occurred_at, s.id))
    found = fold_with_context(session, changed, pol, now, lists=named, wanted=lambda unit: False)
    dirty: set[Unit] = {
        (key, bucket_of(s.interaction.occurred_at))
        for s in changed
        for key in found.touched.get(s.id, ())
    }
    dirty |= units.units_of(session, [s.id for s in changed])  # where they used to count
    days = {day_of(s.interaction.occurred_at) for s in changed}
    days |= {day_of(at) for olds in pending.interactions.values() for at in olds}
    dirty |= {(OWNER, day) for day in days} | due_units
    report.interactions = len(changed)
    report.units = len(dirty)
    refolded = _refold(session, dirty, changed, pol, now, named)
    _store(session, refolded, pol, replace=dirty)
    touched = {key for key, _ in dirty if key != OWNER}
    touched |= {key for keys in aging.values() for key in keys}
    people = _regroup(session, touched, pol, now, owner=any(k == OWNER for k, _ in dirty))
    report.recomputed = len(people)
    changes.mark_redraft(session, [p.key for p in people])
    return report


def _refold(
    session: Session,
    dirty: set[Unit],
    changed: list[StoredInteraction],
    pol: DetectionPolicy,
    now: datetime,
    named: dict[str, str],
) -> Folded:
    """Refold the dirty units from all of their interactions."""
    ids = units.members_of(session, [u for u in dirty if u[0] != OWNER])
    ids |= {s.id for s in changed}
    items = {s.id: s for s in loading.load_interactions(session, ids=ids)}
    for start, end in _ranges(sorted(b for k, b in dirty if k == OWNER)):
        items.update((s.id, s) for s in loading.load_between(session, start, end))
    job = sorted(items.values(), key=lambda s: (s.interaction.occurred_at, s.id))
    return fold_with_context(session, job, pol, now, lists=named, wanted=dirty.__contains__)


def _ranges(days: list[int]) -> Iterable[tuple[datetime, datetime]]:
    """Runs of consecutive days as [start, end) time ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return [(day_start(run[0]), day_start(run[-1] + 1)) for run in runs]


def _regroup(
    session: Session, touched: set[str], pol: DetectionPolicy, now: datetime, *, owner: bool
) -> list[PersonView]:
    """Recompute the people of the touched addresses and of every address identity ties to them."""
    labeller = Labeller(pol)
    scope = closure(
        touched,
        organisation_of=lambda a: pol.organisation_of(domain_of(a)),
        org_members=lambda orgs: units.org_members(session, orgs),
        mergeable=lambda a: mergeable(labeller, a),
        aliases=pol.aliases,
    )
    evidence = {key: absorbed(pieces) for key, pieces in units.evidence_of(session, scope).items()}
    owner_units: list[Evidence] = []
    if owner:
        owner_units = units.evidence_of(session, [OWNER]).get(OWNER, [])
        scope |= {normalise(a) for a in pol.owner_addresses}
    people = people_from(evidence, absorbed(owner_units), pol, now)
    save_people(session, people=people, now=now, scope=scope, due=_due(people, pol, now))
    return people


# --- shared steps ----------------------------------------------------------------------------


def _lists(session: Session, pol: DetectionPolicy) -> dict[str, str]:
    """The list addresses the whole store names (never the owner's own)."""
    return {k: n for k, n in lists.known(session).items() if k not in pol.owner_addresses}


def _store(
    session: Session,
    folded: Folded,
    pol: DetectionPolicy,
    *,
    replace: Collection[Unit],
    recorded: set[str] | None = None,
) -> None:
    """Write the folded units; `recorded`: the addresses recorded earlier in this pass (a full
    pass sees most addresses in many buckets), skipped and added to."""
    units.write_units(
        session, evidence=folded.evidence, touches=folded.touches, due=folded.due, replace=replace
    )
    units.write_members(session, folded.members, replace=[u for u in replace if u[0] != OWNER])
    fresh = {key for key, _ in folded.units() if key != OWNER}
    if recorded is not None:
        fresh -= recorded
        recorded |= fresh
    units.add_addresses(session, {k: pol.organisation_of(domain_of(k)) for k in fresh})


def _due(people: list[PersonView], pol: DetectionPolicy, now: datetime) -> dict[str, datetime]:
    found = {}
    for p in people:
        if p.stage is None:
            continue
        at = stage_changes_at(
            policy=pol, now=now, last_seen=p.last_seen,
            followed_up_at=p.followed_up_at, last_two_way=p.last_two_way,
        )  # fmt: skip
        if at is not None:
            found[p.key] = at
    return found
