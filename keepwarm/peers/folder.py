"""Folding interactions into per-mailbox evidence: what happened between the owner and an address.

This is detection's hot path (every stored interaction, every cycle), so it is one pass with
plain containers and a memo of normalised addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from keepwarm.models import NOT_ATTENDING, Kind, Response, Role, StoredInteraction
from keepwarm.peers.addresses import domain_of, in_domains, normalise
from keepwarm.peers.copies import repeats
from keepwarm.peers.evidence import Evidence, bump, own_counts, own_list
from keepwarm.peers.lists import Route, named_lists, route
from keepwarm.peers.policy import DetectionPolicy, is_list_address
from keepwarm.peers.signals import (
    bounced_subject,
    bulk_signals,
    failed_recipients,
    is_bounce,
    machine_signals,
)


def _route(stored: StoredInteraction) -> Route | None:
    """The route `Folder._learn` finds for an interaction, without learning from it."""
    item = stored.interaction
    sender = item.sender if item.kind is Kind.EMAIL else None
    if sender is None or not item.headers:
        return None
    return route(item, sender)


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
        #: subject → (when, recipients) of the owner's mails, to tie a bare bounce to its mail.
        self._owner_subjects: dict[str, list[tuple[datetime, list[str]]]] = {}
        #: Mailing-list addresses named by list headers (key → list name), and a memo of
        #: which keys are lists (named ones, or on the policy's list hosts).
        self.lists: dict[str, str] = {}
        self._is_list: dict[str, bool] = {}
        #: The owner's own sightings (spellings, first and last seen), for `why` on an alias.
        self.owner_seen = Evidence()

    def key(self, raw: str) -> str:
        found = self._norm.get(raw)
        if found is None:
            found = self._norm[raw] = normalise(raw)
            # Both spellings map to the key; a normalised key maps to itself.
            self._norm.setdefault(found, found)
        return found

    def ev(self, key: str) -> Evidence:
        found = self.evidence.get(key)
        if found is None:
            found = self.evidence[key] = Evidence()
        return found

    def is_list(self, key: str) -> bool:
        found = self._is_list.get(key)
        if found is None:
            found = self._is_list[key] = key in self.lists or is_list_address(key, self.policy)
        return found

    def fold(
        self,
        items: Iterable[StoredInteraction],
        context: Iterable[StoredInteraction] | None = None,
    ) -> dict[str, Evidence]:
        """Fold `items` (oldest first) into `self.evidence`.

        The owner's messages and the list addresses are learnt first, from `items` or, when
        given, from `context` instead: a caller folding a slice of the mailbox passes every
        interaction the slice may refer to (each at most once per Folder), so the slice folds
        as it would in full.
        """
        items = list(items)
        # First pass: the owner's message ids (a reply may be stored before the message it
        # answers) and every list address the headers name (the owner may post to a list
        # before any of its mail arrives).
        if context is None:
            routes = [self._learn(stored) for stored in items]
        else:
            for stored in context:
                self._learn(stored)
            routes = [_route(stored) for stored in items]
        # One email filed in several folders is one email. Copies share their time, so they
        # fall in one day and one bucket: a slice holds all of them or none.
        copies = repeats(items)
        for stored, found in zip(items, routes, strict=True):
            if stored.interaction.kind is Kind.MEETING:
                self._meeting(stored)
            elif stored.id not in copies:
                self._email(stored, found)
        for k, name in self.lists.items():
            e = self.evidence.get(k)
            if e is not None:
                e.list_name = name
        return self.evidence

    def _learn(self, stored: StoredInteraction) -> Route | None:
        item = stored.interaction
        if item.kind is not Kind.EMAIL:
            return None
        sender = item.sender
        if sender is None:
            return None
        found = None
        if item.headers:
            found, named = named_lists(item, sender)
            for address, name in named:
                k = self.key(address)
                if k not in self.owner:
                    self.lists.setdefault(k, name)
        author = found.author if found is not None else sender
        if item.message_id and self.key(author.address) in self.owner:
            self._owner_ids.add(item.message_id)
            recipients = [
                self.key(p.address)
                for p in item.participants
                if p.role in (Role.TO, Role.CC, Role.BCC) and self.key(p.address) not in self.owner
            ]
            # One Message-ID can be stored twice (two folders, two accounts): union.
            known = self._owner_recipients.setdefault(item.message_id, [])
            known.extend(r for r in recipients if r not in known)
            if len(recipients) == 1 and item.subject:
                self._owner_subjects.setdefault(item.subject.strip().lower(), []).append(
                    (item.occurred_at, recipients)
                )
        return found

    def _email(self, stored: StoredInteraction, found: Route | None) -> None:
        item, owner, norm, evidence = stored.interaction, self.owner, self._norm, self.evidence
        at, iid = item.occurred_at, stored.id
        sender = item.sender
        if sender is None:
            return
        keyed = [(p, norm.get(p.address) or self.key(p.address)) for p in item.participants]
        sender_key = norm[sender.address]
        first = sender
        if found is not None and found.rewritten:  # the list address itself: list traffic
            if sender_key in owner:
                self._owner_sighting(at, sender.address)
            else:
                via = self.ev(sender_key)
                via.seen(at, sender.address, "", iid)
                via.inbound += 1
            sender = found.author
            sender_key = self.key(sender.address)
        if sender_key in owner:
            # The list's copy of the owner's own post is her mail like her sent copy: both carry
            # one Message-ID, so the store holds one of them, never both (a lore archive holds
            # only the list's copy).
            self._owner_sighting(at, sender.address)
            self._owner_mail(stored, keyed)
            return
        e = evidence.get(sender_key) or self.ev(sender_key)
        e.seen(at, sender.address, sender.name, iid)
        e.inbound += 1
        e.received += 1
        signals = machine_signals(item)
        if found is None and item.headers:
            bulk = bulk_signals(item.headers)
            if bulk:
                signals = bulk + signals
        if signals:
            e.auto_inbound += 1
            for signal in signals:
                bump(own_counts(e, "signals"), signal)
            if is_bounce(signals):
                self._bounce(stored)
        else:
            if found is not None:
                e.list_inbound += 1
                bump(own_counts(e, "lists"), found.list_name)
            if self._answers_owner(item, keyed, sender_key, listed=found is not None):
                own_list(e, "replies").append((at, iid))
        for p, k in keyed:  # everyone else named, co-authors in a second From included
            if k in owner:
                self._owner_sighting(at, p.address)
            elif k != sender_key and p is not first:
                (evidence.get(k) or self.ev(k)).seen(at, p.address, p.name, iid)

    def _answers_owner(
        self, item: Any, keyed: list[tuple[Any, str]], sender_key: str, *, listed: bool
    ) -> bool:
        """A reply to one of the owner's messages, small enough to be an exchange.

        Through a list it must also be addressed to the owner: In-Reply-To one of the owner's
        messages with the owner in To or Cc, or References one with the owner in To (deep in
        a thread the owner started, people who talk to each other keep the owner in Cc).
        """
        ids = self._owner_ids
        direct = item.in_reply_to in ids
        if not direct and not any(r in ids for r in item.references):
            return False
        owner, limit, is_list = self.owner, self.policy.mass_mail_recipients, self.is_list
        visible = {
            k for p, k in keyed if p.role in (Role.TO, Role.CC) and k != sender_key and not is_list(k)
        }  # a list is the thread's archive, not a recipient: kernel threads copy two to four
        if len(visible - owner) > limit:
            return False
        if not listed:
            return True
        roles = {p.role for p, k in keyed if k in owner and p.role in (Role.TO, Role.CC)}
        return Role.TO in roles or (direct and Role.CC in roles)

    def _owner_mail(self, stored: StoredInteraction, keyed: list[tuple[Any, str]]) -> None:
        """The owner wrote: personal mail, a mass mail, or a post to a mailing list.

        A list post is personal only to the people it answers in To (the owner replying to
        someone in a list thread); those merely copied get no evidence, the list none at all.
        """
        item, owner, evidence = stored.interaction, self.owner, self.evidence
        at, iid = item.occurred_at, stored.id
        others = [(p, k) for p, k in keyed if k not in owner and p.role is not Role.FROM]
        machine = machine_signals(item)
        if machine:  # her calendar answering an invitation, her auto-reply: not her writing
            why = f"only {machine[0]} from you ('{item.subject}'), not personal mail"
            for p, k in others:
                e = evidence.get(k) or self.ev(k)
                e.seen(at, p.address, p.name, iid)
                e.sent += 1
                bump(own_counts(e, "not_meetings"), why)  # the reasons that are no evidence
            return
        is_list = self.is_list
        shown = {k for p, k in others if p.role is not Role.BCC}
        listed = any(is_list(k) for k in shown)
        people = len([k for k in shown if not is_list(k)]) if listed else len(shown)
        personal = 0 < people <= self.policy.mass_mail_recipients
        answering = bool(item.in_reply_to)
        thread = item.thread_id or item.provider_id
        for p, k in others:
            e = evidence.get(k) or self.ev(k)
            e.seen(at, p.address, p.name, iid)
            e.sent += 1
            if p.role is Role.BCC:
                e.bcc_only += 1
            elif listed and is_list(k):
                continue
            elif not personal:
                e.mass_mails += 1
            elif listed and not (answering and p.role is Role.TO):
                e.list_copies += 1
            else:
                own_list(e, "wrote_personally").append((at, iid, thread))

    def _owner_sighting(self, at: datetime, raw: str) -> None:
        """The owner's own spelling seen at `at` (no interaction ids: the owner is in all of them)."""
        seen = self.owner_seen
        if seen.first_seen is None or at < seen.first_seen:
            seen.first_seen = at
        if seen.last_seen is None or at > seen.last_seen:
            seen.last_seen = at
        bump(seen.spellings, raw)

    def _bounce(self, stored: StoredInteraction) -> None:
        item = stored.interaction
        failed = failed_recipients(item)
        if not failed and item.in_reply_to in self._owner_recipients:
            recipients = self._owner_recipients[item.in_reply_to]
            failed = recipients if len(recipients) == 1 else []
        if not failed and not item.in_reply_to:
            # A bare bounce: tie it to the one mail with that subject sent shortly before.
            subject = bounced_subject(item.subject)
            sent = [
                recipients
                for at, recipients in self._owner_subjects.get(subject or "", ())
                if timedelta(0) <= item.occurred_at - at <= timedelta(days=3)
            ]
            failed = sent[0] if len(sent) == 1 else []
        for k in failed:
            if k not in self.owner:
                e = self.ev(k)
                e.seen(item.occurred_at, k, "", stored.id)  # named by the bounce: seen in the data
                own_list(e, "bounced").append((item.occurred_at, stored.id))

    def _meeting(self, stored: StoredInteraction) -> None:
        item, owner, key, policy = stored.interaction, self.owner, self.key, self.policy
        people = [p for p in item.participants if not p.is_resource]
        attendees = {key(p.address) for p in people}
        owner_declined = any(
            p.response in NOT_ATTENDING and key(p.address) in owner for p in people
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
            if k in owner:
                self._owner_sighting(item.occurred_at, p.address)
                continue
            if k in done:
                continue
            done.add(k)
            e = self.ev(k)
            e.seen(item.occurred_at, p.address, p.name, stored.id)
            e.meetings_seen += 1
            if p.is_resource:
                e.resource += 1
            elif why_not:
                bump(own_counts(e, "not_meetings"), why_not)
            elif p.response in NOT_ATTENDING:
                bump(own_counts(e, "not_meetings"), _absent(p.response, item.subject))
            else:
                own_list(e, "meetings").append((ended, stored.id, item.subject, len(attendees)))


def _absent(response: Response | None, subject: str) -> str:
    if response is Response.DELEGATED:
        return f"they delegated meeting '{subject}' to someone else"
    if response is Response.NON_PARTICIPANT:
        return f"they were only copied on meeting '{subject}' (non-participant)"
    return f"they declined meeting '{subject}'"
