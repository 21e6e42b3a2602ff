"""Folding interactions into per-mailbox evidence: what happened between the owner and an address.

This is detection's hot path (every stored interaction, every cycle), so it is one pass with
plain containers and a memo of normalised addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from keepwarm.models import Kind, Response, Role, StoredInteraction
from keepwarm.peers.addresses import domain_of, in_domains, normalise
from keepwarm.peers.policy import DetectionPolicy
from keepwarm.peers.signals import (
    automated_signals,
    failed_recipients,
    is_bounce,
    list_name,
    real_sender,
)


@dataclass(slots=True)
class Evidence:
    """Everything detection learned about one mailbox (or, once merged, one person)."""

    spellings: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    inbound: int = 0
    auto_inbound: int = 0
    list_inbound: int = 0
    signals: Counter[str] = field(default_factory=Counter)
    lists: Counter[str] = field(default_factory=Counter)
    #: (when, interaction id, thread) of each mail the owner wrote to them personally.
    wrote_personally: list[tuple[datetime, int, str]] = field(default_factory=list)
    bcc_only: int = 0
    mass_mails: int = 0
    replies: list[tuple[datetime, int]] = field(default_factory=list)
    #: (when it ended, interaction id, subject, attendee count) of each meeting that counts.
    meetings: list[tuple[datetime, int, str, int]] = field(default_factory=list)
    not_meetings: Counter[str] = field(default_factory=Counter)
    resource: int = 0
    bounced: list[tuple[datetime, int]] = field(default_factory=list)
    sent: int = 0
    received: int = 0
    meetings_seen: int = 0
    ids: list[int] = field(default_factory=list)

    def seen(self, at: datetime, raw: str, name: str, iid: int) -> None:
        if self.first_seen is None or at < self.first_seen:
            self.first_seen = at
        if self.last_seen is None or at > self.last_seen:
            self.last_seen = at
        self.spellings[raw] += 1
        if name:
            self.names[name] += 1
        self.ids.append(iid)

    def absorb(self, other: Evidence) -> None:
        """Add another mailbox's evidence (identity merging)."""
        for name in ("spellings", "names", "signals", "lists", "not_meetings"):
            getattr(self, name).update(getattr(other, name))
        for name in ("wrote_personally", "replies", "meetings", "bounced", "ids"):
            getattr(self, name).extend(getattr(other, name))
        for name in ("inbound", "auto_inbound", "list_inbound", "bcc_only", "mass_mails",
                     "resource", "sent", "received", "meetings_seen"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.first_seen is not None and (
            self.first_seen is None or other.first_seen < self.first_seen
        ):
            self.first_seen = other.first_seen
        if other.last_seen is not None and (
            self.last_seen is None or other.last_seen > self.last_seen
        ):
            self.last_seen = other.last_seen


class Folder:
    """Accumulates `Evidence` per normalised address over interactions, oldest first."""

    def __init__(self, policy: DetectionPolicy, now: datetime) -> None:
        self.policy = policy
        self.now = now
        self.owner = policy.owner_addresses
        self.evidence: dict[str, Evidence] = {}
        self._norm: dict[str, str] = {}
        self._owner_ids: set[str] = set()
        self._owner_recipients: dict[str, list[str]] = {}
        #: The owner's own sightings (spellings, first and last seen), for `why` on an alias.
        self.owner_seen = Evidence()

    def key(self, raw: str) -> str:
        found = self._norm.get(raw)
        if found is None:
            found = self._norm[raw] = normalise(raw)
        return found

    def ev(self, key: str) -> Evidence:
        found = self.evidence.get(key)
        if found is None:
            found = self.evidence[key] = Evidence()
        return found

    def fold(self, items: Iterable[StoredInteraction]) -> dict[str, Evidence]:
        items = list(items)
        # Owner message ids first: a reply may be stored before the message it answers.
        for stored in items:
            item = stored.interaction
            if item.kind is Kind.EMAIL and item.message_id:
                sender = item.sender
                if sender is not None and self.key(sender.address) in self.owner:
                    self._owner_ids.add(item.message_id)
                    self._owner_recipients[item.message_id] = [
                        self.key(p.address)
                        for p in item.participants
                        if p.role in (Role.TO, Role.CC, Role.BCC)
                        and self.key(p.address) not in self.owner
                    ]
        for stored in items:
            if stored.interaction.kind is Kind.MEETING:
                self._meeting(stored)
            else:
                self._email(stored)
        return self.evidence

    def _email(self, stored: StoredInteraction) -> None:
        item, owner, key = stored.interaction, self.owner, self.key
        at, iid = item.occurred_at, stored.id
        sender = item.sender
        if sender is None:
            return
        if key(sender.address) in owner:
            self.owner_seen.seen(at, sender.address, "", 0)
            visible = [
                p for p in item.participants
                if p.role in (Role.TO, Role.CC) and key(p.address) not in owner
            ]  # fmt: skip
            personal = 0 < len(visible) <= self.policy.mass_mail_recipients
            thread = item.thread_id or item.provider_id
            for p in item.participants:
                k = key(p.address)
                if k in owner or p.role is Role.FROM:
                    continue
                e = self.ev(k)
                e.seen(at, p.address, p.name, iid)
                e.sent += 1
                if p.role is Role.BCC:
                    e.bcc_only += 1
                elif personal:
                    e.wrote_personally.append((at, iid, thread))
                else:
                    e.mass_mails += 1
            return
        human = real_sender(item, sender)
        if human is not None:  # the list address itself is still seen, as list traffic
            via = list_name(item) or "a mailing list"
            lists = self.ev(key(sender.address))
            lists.seen(at, sender.address, "", iid)
            lists.inbound += 1
            lists.auto_inbound += 1
            lists.signals[f"list address of {via}"] += 1
            sender = human
        e = self.ev(key(sender.address))
        e.seen(at, sender.address, sender.name, iid)
        e.inbound += 1
        e.received += 1
        signals = automated_signals(item)
        listed = list_name(item) if human is not None else None
        if listed is not None:
            e.list_inbound += 1
            e.lists[listed] += 1
        elif signals:
            e.auto_inbound += 1
            e.signals.update(signals)
            if is_bounce(signals):
                self._bounce(stored)
        elif item.in_reply_to in self._owner_ids or any(
            r in self._owner_ids for r in item.references
        ):
            e.replies.append((at, iid))
        for p in item.participants:
            if p.role in (Role.TO, Role.CC) and key(p.address) not in owner:
                k = key(p.address)
                if k != key(sender.address):
                    self.ev(k).seen(at, p.address, p.name, iid)

    def _bounce(self, stored: StoredInteraction) -> None:
        item = stored.interaction
        failed = failed_recipients(item)
        if not failed and item.in_reply_to in self._owner_recipients:
            recipients = self._owner_recipients[item.in_reply_to]
            failed = recipients if len(recipients) == 1 else []
        for k in failed:
            if k not in self.owner:
                self.ev(k).bounced.append((item.occurred_at, stored.id))

    def _meeting(self, stored: StoredInteraction) -> None:
        item, owner, key, policy = stored.interaction, self.owner, self.key, self.policy
        people = [p for p in item.participants if not p.is_resource]
        attendees = {key(p.address) for p in people}
        owner_declined = any(
            p.response is Response.DECLINED and key(p.address) in owner for p in people
        )
        externals = [
            a for a in attendees if a not in owner and not in_domains(domain_of(a), policy.owner_domains)
        ]  # fmt: skip
        ended = item.ended_at or item.occurred_at
        why_not = ""
        if item.cancelled:
            why_not = f"meeting '{item.subject}' was cancelled"
        elif ended > self.now:
            why_not = f"meeting '{item.subject}' has not happened yet"
        elif owner_declined:
            why_not = f"you declined meeting '{item.subject}'"
        elif not attendees & owner:
            why_not = f"you were not an attendee of '{item.subject}'"
        elif len(attendees) > policy.max_meeting_size:
            why_not = (
                f"meeting '{item.subject}' had {len(attendees)} attendees "
                f"(more than {policy.max_meeting_size})"
            )
        elif not externals:
            why_not = f"meeting '{item.subject}' was all-internal"
        done: set[str] = set()
        for p in item.participants:  # an organizer is often listed as an attendee too
            k = key(p.address)
            if k in owner or k in done:
                continue
            done.add(k)
            e = self.ev(k)
            e.seen(item.occurred_at, p.address, p.name, stored.id)
            e.meetings_seen += 1
            if p.is_resource:
                e.resource += 1
            elif why_not:
                e.not_meetings[why_not] += 1
            elif p.response is Response.DECLINED:
                e.not_meetings[f"they declined meeting '{item.subject}'"] += 1
            else:
                e.meetings.append((ended, stored.id, item.subject, len(attendees)))
