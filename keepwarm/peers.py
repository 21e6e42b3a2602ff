"""Peer detection: pure, explainable functions over interactions (DESIGN.md §5).

`detect` folds every interaction into per-address evidence, then classifies each address with
human-readable reasons. A person becomes a *peer* only on evidence of a real relationship:
a meeting that really happened, or mail that shows the owner wrote to them personally.
No clock, no I/O: `now` and every list (free-mail domains, block list) arrive as arguments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from keepwarm.models import (
    Classification,
    Interaction,
    Kind,
    PersonView,
    Response,
    Role,
    Stage,
    StoredInteraction,
)

_AUTOMATED_LOCAL = re.compile(
    r"^(?:.*[-_.+])?(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster"
    r"|bounces?|notifications?|notify|newsletters?|digest|alerts?|automated|reply)(?:[-_.+].*)?$"
)
ROLE_LOCAL_PARTS = frozenset(
    [
        "info",
        "sales",
        "support",
        "team",
        "billing",
        "admin",
        "careers",
        "jobs",
        "hello",
        "contact",
        "office",
        "hr",
        "marketing",
        "press",
        "help",
        "enquiries",
        "inquiries",
        "accounts",
        "finance",
        "legal",
        "webmaster",
        "service",
        "customerservice",
    ]
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|"
    r"abwesenheitsnotiz|réponse automatique|absence)\b",
    re.IGNORECASE,
)
_RESOURCE_DOMAINS = ("resource.calendar.google.com",)


@dataclass(frozen=True, slots=True)
class DetectionPolicy:
    """What detection needs to know about the owner and the user's lists and thresholds."""

    owner_addresses: frozenset[str]
    owner_domains: tuple[str, ...] = ()
    personal_domains: frozenset[str] = frozenset()
    blocked: tuple[str, ...] = ()
    max_meeting_size: int = 8
    mass_mail_recipients: int = 10
    dormant_after_days: int = 90
    organisation_of: Callable[[str], str] = field(default=lambda domain: domain)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _in_domains(domain: str, domains: Iterable[str]) -> str | None:
    """The listed domain that `domain` equals or is a subdomain of."""
    for candidate in domains:
        if domain == candidate or domain.endswith("." + candidate):
            return candidate
    return None


def automated_signals(item: Interaction) -> list[str]:
    """Why a message looks machine-sent (empty when it looks human)."""
    h = item.headers
    signals = [
        name for name in ("list-id", "list-unsubscribe", "x-auto-response-suppress") if name in h
    ]
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        signals.append(f"precedence: {precedence}")
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        signals.append(f"auto-submitted: {auto.split(';')[0]}")
    if h.get("return-path", "x").strip() in ("", "<>"):
        signals.append("empty return-path")
    if "report-type=delivery-status" in h.get("content-type", "").lower():
        signals.append("delivery report")
    if "x-autoreply" in h or "x-autorespond" in h or _AUTO_REPLY_SUBJECT.match(item.subject):
        signals.append("out-of-office reply")
    return signals


@dataclass(slots=True)
class _Evidence:
    names: Counter[str] = field(default_factory=Counter)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    inbound: int = 0
    auto_inbound: int = 0
    signals: Counter[str] = field(default_factory=Counter)
    wrote_personally: list[tuple[datetime, int, str]] = field(default_factory=list)
    mass_mails: int = 0
    replies: list[tuple[datetime, int]] = field(default_factory=list)
    meetings: list[tuple[datetime, int, str, int]] = field(default_factory=list)
    not_meetings: Counter[str] = field(default_factory=Counter)
    resource: int = 0

    def seen(self, at: datetime, name: str) -> None:
        if self.first_seen is None or at < self.first_seen:
            self.first_seen = at
        if self.last_seen is None or at > self.last_seen:
            self.last_seen = at
        if name:
            self.names[name] += 1


def detect(
    interactions: Iterable[StoredInteraction], policy: DetectionPolicy, *, now: datetime
) -> list[PersonView]:
    """Classify every address seen in `interactions` (oldest first) and stage the peers."""
    items = list(interactions)
    owner = policy.owner_addresses
    owner_ids = {
        s.interaction.message_id
        for s in items
        if s.interaction.kind is Kind.EMAIL
        and s.interaction.message_id
        and _from_owner(s.interaction, owner)
    }
    evidence: dict[str, _Evidence] = {}

    def ev(address: str) -> _Evidence:
        found = evidence.get(address)
        if found is None:
            found = evidence[address] = _Evidence()
        return found

    for stored in items:
        item = stored.interaction
        if item.kind is Kind.MEETING:
            _fold_meeting(stored, policy, now, ev)
        else:
            _fold_email(stored, policy, owner_ids, ev)
    return [
        _person(address, e, policy, now)
        for address, e in sorted(evidence.items())
        if address not in owner and e.first_seen is not None
    ]


def _from_owner(item: Interaction, owner: frozenset[str]) -> bool:
    sender = item.sender
    return sender is not None and sender.address in owner


def _fold_email(
    stored: StoredInteraction,
    policy: DetectionPolicy,
    owner_ids: set[str],
    ev: Callable[[str], _Evidence],
) -> None:
    item, owner = stored.interaction, policy.owner_addresses
    at = item.occurred_at
    if _from_owner(item, owner):
        visible = [
            p for p in item.participants if p.role in (Role.TO, Role.CC) and p.address not in owner
        ]
        personal = 0 < len(visible) <= policy.mass_mail_recipients
        for p in item.participants:
            if p.address in owner or p.role is Role.FROM:
                continue
            e = ev(p.address)
            e.seen(at, p.name)
            if personal and p.role is not Role.BCC:
                e.wrote_personally.append((at, stored.id, item.thread_id or item.provider_id))
            elif not personal and p.role is not Role.BCC:
                e.mass_mails += 1
        return
    sender = item.sender
    if sender is None:
        return
    e = ev(sender.address)
    e.seen(at, sender.name)
    e.inbound += 1
    signals = automated_signals(item)
    if signals:
        e.auto_inbound += 1
        e.signals.update(signals)
    elif item.in_reply_to in owner_ids or any(r in owner_ids for r in item.references):
        e.replies.append((at, stored.id))
    for p in item.participants:
        if p.role in (Role.TO, Role.CC) and p.address not in owner:
            ev(p.address).seen(at, p.name)


def _fold_meeting(
    stored: StoredInteraction,
    policy: DetectionPolicy,
    now: datetime,
    ev: Callable[[str], _Evidence],
) -> None:
    item, owner = stored.interaction, policy.owner_addresses
    people = [p for p in item.participants if not p.is_resource]
    attendees = {p.address for p in people}
    owner_declined = any(p.address in owner and p.response is Response.DECLINED for p in people)
    externals = [
        p.address for p in people
        if p.address not in owner and not _in_domains(domain_of(p.address), policy.owner_domains)
    ]  # fmt: skip
    why_not = ""
    if item.cancelled:
        why_not = f"meeting '{item.subject}' was cancelled"
    elif (item.ended_at or item.occurred_at) > now:
        why_not = f"meeting '{item.subject}' has not happened yet"
    elif owner_declined:
        why_not = f"you declined meeting '{item.subject}'"
    elif not attendees & owner:
        why_not = f"you were not an attendee of '{item.subject}'"
    elif len(attendees) > policy.max_meeting_size:
        why_not = f"meeting '{item.subject}' had {len(attendees)} attendees (more than {policy.max_meeting_size})"
    elif not externals:
        why_not = "all-internal meeting"
    seen: set[str] = set()
    for p in item.participants:  # an organizer is often listed as an attendee too
        if p.address in owner or p.address in seen:
            continue
        seen.add(p.address)
        e = ev(p.address)
        e.seen(item.occurred_at, p.name)
        if p.is_resource:
            e.resource += 1
        elif why_not:
            e.not_meetings[why_not] += 1
        elif p.response is Response.DECLINED:
            e.not_meetings[f"they declined meeting '{item.subject}'"] += 1
        else:
            e.meetings.append(
                (item.ended_at or item.occurred_at, stored.id, item.subject, len(attendees))
            )


def _person(address: str, e: _Evidence, policy: DetectionPolicy, now: datetime) -> PersonView:
    assert e.first_seen is not None and e.last_seen is not None
    classification, reasons = _classify(address, e, policy)
    plantings = sorted(
        [(at, iid) for at, iid, _ in e.wrote_personally]
        + [(at, iid) for at, iid, _, _ in e.meetings]
        + e.replies
    )
    is_related = classification in (Classification.PEER, Classification.PERSONAL_DOMAIN)
    planted_at, planted_by = plantings[0] if plantings and is_related else (None, None)
    followed = (
        min((at for at, _, _ in e.wrote_personally if at > planted_at), default=None)
        if planted_at is not None
        else None
    )
    two_way = [at for at, _ in e.replies] + [at for at, _, _, _ in e.meetings]
    last_two_way = max(two_way, default=None)
    stage = _stage(e, policy, now, followed, last_two_way, len(two_way)) if is_related else None
    return PersonView(
        key=address,
        name=_best_name(address, e.names),
        addresses=(address,),
        classification=classification,
        reasons=tuple(reasons),
        stage=stage,
        first_seen=e.first_seen,
        last_seen=e.last_seen,
        planted_by=planted_by,
        planted_at=planted_at,
        last_two_way=last_two_way,
        followed_up_at=followed,
        organisation=policy.organisation_of(domain_of(address)),
    )


def _classify(
    address: str, e: _Evidence, policy: DetectionPolicy
) -> tuple[Classification, list[str]]:
    local, _, domain = address.rpartition("@")
    if address in policy.blocked or _in_domains(domain, policy.blocked):
        return Classification.BLOCKED, [f"{address} is on your block list"]
    if e.resource or _in_domains(domain, _RESOURCE_DOMAINS):
        return Classification.RESOURCE, [
            f"listed as a room or resource in {max(e.resource, 1)} meeting(s)"
        ]
    if _AUTOMATED_LOCAL.match(local):
        return Classification.AUTOMATED, [f"local part '{local}' is a no-reply or system address"]
    if any(_AUTOMATED_LOCAL.match(label) for label in domain.split(".")[:-2]):
        return Classification.AUTOMATED, [f"domain {domain} is a no-reply or system domain"]
    org = _in_domains(domain, policy.owner_domains)
    if org:
        return Classification.COLLEAGUE, [f"domain {domain} is your organisation ({org})"]
    evidence = _evidence_reasons(e)
    if e.auto_inbound and e.auto_inbound == e.inbound and not evidence:
        return Classification.AUTOMATED, [
            f"{signal} in {count} message(s)" for signal, count in e.signals.most_common()
        ]
    if local in ROLE_LOCAL_PARTS:
        return Classification.ROLE, [f"local part '{local}' is a role address, not a person"]
    if evidence:
        if domain in policy.personal_domains:
            return Classification.PERSONAL_DOMAIN, [
                f"domain {domain} is a personal free-mail provider",
                *evidence,
            ]
        return Classification.PEER, evidence
    reasons = []
    if e.inbound:
        reasons.append(f"wrote to you {e.inbound} time(s); you never answered")
    if e.mass_mails:
        reasons.append(f"only in {e.mass_mails} mass mail(s) from you")
    reasons.extend(f"{why} ({n}×)" if n > 1 else why for why, n in e.not_meetings.items())
    return Classification.CANDIDATE, reasons or ["no meeting or personal exchange with you yet"]


def _evidence_reasons(e: _Evidence) -> list[str]:
    reasons = []
    for at, _, subject, size in e.meetings[:3]:
        reasons.append(f"you met at '{subject}' on {at:%Y-%m-%d} ({size} attendees)")
    if len(e.meetings) > 3:
        reasons.append(f"and {len(e.meetings) - 3} more meeting(s)")
    if e.wrote_personally:
        threads = len({thread for _, _, thread in e.wrote_personally})
        first = min(at for at, _, _ in e.wrote_personally)
        reasons.append(
            f"you wrote to them personally {len(e.wrote_personally)} time(s) on {threads} "
            f"thread(s), first on {first:%Y-%m-%d}"
        )
    if e.replies:
        reasons.append(f"they replied to your email {len(e.replies)} time(s)")
    return reasons


def _stage(
    e: _Evidence,
    policy: DetectionPolicy,
    now: datetime,
    followed: datetime | None,
    last_two_way: datetime | None,
    two_way: int,
) -> Stage:
    latest = max(filter(None, [last_two_way, followed, e.last_seen]))
    if now - latest > timedelta(days=policy.dormant_after_days):
        return Stage.DORMANT
    span = (last_two_way - e.first_seen) if last_two_way and e.first_seen else timedelta(0)
    if two_way >= 5 and span >= timedelta(days=60):
        return Stage.ESTABLISHED
    if two_way >= 2:
        return Stage.GROWING
    if followed is not None:
        return Stage.WATERED
    return Stage.SEEDED


def _best_name(address: str, names: Counter[str]) -> str:
    local = address.partition("@")[0]
    for name, _ in names.most_common():
        cleaned = name.strip().strip("'\"")
        if cleaned and "@" not in cleaned and cleaned.lower() != local:
            return cleaned
    return ""
