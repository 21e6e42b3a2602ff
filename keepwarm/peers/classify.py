"""Classification with reasons: what an address is, and the evidence that says so.

Address-only labels (self, blocked, resource, automated, colleague, role, personal-domain) are
memoised per address; the evidence ladder then decides between peer and candidate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from keepwarm.models import Classification
from keepwarm.peers.addresses import in_domains
from keepwarm.peers.automation import automation_words, local_automation_words
from keepwarm.peers.evidence import Evidence, most_common
from keepwarm.peers.policy import DetectionPolicy, is_list_host, matches
from keepwarm.peers.signals import CALENDAR_NOTICE

#: noreply-style and system local parts, also as a prefix or suffix (`pullrequests-reply@`).
AUTOMATED_LOCAL = re.compile(
    r"^(?:.*[-_.+])?(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer[-_.]?daemon|postmaster"
    r"|bounces?|notifications?|notify|notices?|newsletters?|digest|alerts?|automated|auto[-_.]?reply"
    r"|reply|mailer|daemon|robot|bot|\[bot\]|system|unsubscribe|updates)(?:[-_.+].*)?$"
)
#: A cheap first look: a local part without any of these stems cannot match `AUTOMATED_LOCAL`.
_AUTOMATED_STEMS = re.compile(
    r"repl|daemon|postmaster|bounce|notif|notice|newsletter|digest|alert|automated|mailer|bot"
    r"|system|unsubscribe|updates"
)
RESOURCE_DOMAINS = ("resource.calendar.google.com",)
_SPLIT = re.compile(r"[-_.]")

Label = tuple[Classification, str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _specificity(target: str) -> tuple[bool, int]:
    """An address beats a domain, a subdomain beats its parent: the narrower decision wins."""
    return "@" in target, target.count(".")


class Labeller:
    """Address-only labels, memoised: the cheap first half of classification."""

    def __init__(self, policy: DetectionPolicy) -> None:
        self.policy = policy
        self._cache: dict[str, Label | None] = {}
        self._domains: dict[str, Label | None] = {}
        self._names: dict[tuple[str, str], str | None] = {}
        #: Hosts that decide a domain with all its subdomains (rooms, relays, list hosts).
        self._hosts: dict[str, Label] = {}
        for host in policy.lists:
            if "@" not in host:
                self._hosts[host] = (
                    Classification.AUTOMATED,
                    f"domain {{domain}} hosts mailing lists ({host}): a list is not a person",
                )
        for host in policy.relays:
            if "@" not in host:
                self._hosts[host] = (
                    Classification.AUTOMATED,
                    f"domain {{domain}} is a relay ({host}) that stands in for people, not a person",
                )
        for host in RESOURCE_DOMAINS:
            self._hosts[host] = (
                Classification.RESOURCE,
                "domain {domain} holds rooms and resources",
            )
        #: The registrable tails (`kernel.org`) of those hosts: most domains match none.
        self._tails = {h[h.rfind(".", 0, h.rfind(".")) + 1 :] for h in self._hosts}

    def label(self, address: str) -> Label | None:
        found = self._cache.get(address, False)
        if found is False:
            found = self._cache[address] = self._label(address)
        return found  # type: ignore[return-value]

    def _label(self, address: str) -> Label | None:
        policy = self.policy
        local, _, domain = address.rpartition("@")
        if address in policy.owner_addresses:
            return Classification.SELF, f"{address} is one of your own addresses"
        if policy.blocked or policy.allowed:
            blocked = matches(address, domain, policy.blocked)
            allowed = matches(address, domain, policy.allowed)
            if blocked and (not allowed or _specificity(blocked) >= _specificity(allowed)):
                return Classification.BLOCKED, f"{blocked} is on your block list"
            if allowed:
                return Classification.PEER, f"{allowed} is on your allow list"
        if domain in self._domains:
            by_domain = self._domains[domain]
        else:
            by_domain = self._domains[domain] = self._domain_label(domain)
        if by_domain is not None and by_domain[0] is Classification.RESOURCE:
            return by_domain
        if address in policy.list_set:
            return Classification.AUTOMATED, f"{address} is a mailing list: a list is not a person"
        if address in policy.relay_set:
            return Classification.AUTOMATED, f"{address} is a relay that stands in for people"
        if _AUTOMATED_STEMS.search(local) and AUTOMATED_LOCAL.match(local):
            return Classification.AUTOMATED, f"local part '{local}' is a no-reply or system address"
        if by_domain is not None and by_domain[0] is Classification.AUTOMATED:
            return by_domain
        words = local_automation_words(local)
        if words:
            return (
                Classification.AUTOMATED,
                f"local part '{local}' names automation ({', '.join(words)})",
            )
        if by_domain is not None and by_domain[0] is not Classification.PERSONAL_DOMAIN:
            return by_domain
        if not local or local[0] == "." or local[-1] == "." or ".." in local or "." not in domain:
            return Classification.CANDIDATE, (
                f"{address} is not a deliverable address (a malformed local part, or a domain "
                "without a dot): no follow-up can reach it"
            )
        roles = policy.role_local_parts
        if local in roles:
            return Classification.ROLE, f"local part '{local}' is a role address, not a person"
        if "." in local or "-" in local or "_" in local:
            tokens = _SPLIT.split(local)
            if tokens[0] in roles and all(t in roles or len(t) <= 3 for t in tokens):
                return Classification.ROLE, f"local part '{local}' is a role address, not a person"
        return by_domain

    def named(self, name: str, address: str) -> str | None:
        """Why a display name marks this address as a machine (`kernel test robot`), or None."""
        memo = (name, address)
        if memo in self._names:
            return self._names[memo]
        words = automation_words(name, address.rpartition("@")[0])
        found = f"named '{name}': automation ({', '.join(words)})" if words else None
        self._names[memo] = found
        return found

    def _domain_label(self, domain: str) -> Label | None:
        """What a domain alone says (memoised: many addresses share a domain)."""
        policy, hosts = self.policy, self._hosts
        last = domain.rfind(".")
        if domain[domain.rfind(".", 0, last) + 1 :] in self._tails:  # cheap reject first
            suffix = domain
            while suffix:
                hit = hosts.get(suffix)
                if hit is not None:
                    return hit[0], hit[1].format(domain=domain)
                suffix = suffix.partition(".")[2]
        if is_list_host(domain):
            return Classification.AUTOMATED, f"domain {domain} hosts mailing lists: not a person"
        for part in domain.split(".")[:-2]:
            if _AUTOMATED_STEMS.search(part) and AUTOMATED_LOCAL.match(part):
                return Classification.AUTOMATED, f"domain {domain} is a no-reply or system domain"
        org = in_domains(domain, policy.owner_domains)
        if org:
            where = (
                "your organisation" if org == domain else f"a subdomain of your organisation {org}"
            )
            return Classification.COLLEAGUE, f"domain {domain} is {where}"
        if domain in policy.personal_domains:
            return (
                Classification.PERSONAL_DOMAIN,
                f"domain {domain} is a personal free-mail provider",
            )
        return None


_STATIC_FIRST = (Classification.SELF, Classification.BLOCKED)


def classify(
    addresses: Sequence[str], e: Evidence, labeller: Labeller
) -> tuple[Classification, list[str]]:
    """The classification of one person (all their normalised addresses) with every reason.

    The order is the precedence: self, blocked, allowed, resource, automated, colleague,
    role, bounced, then the evidence ladder (peer or personal-domain), else candidate.
    """
    by: dict[Classification, list[str]] = {}
    for address in addresses:
        label = labeller.label(address)
        if label is not None:
            by.setdefault(label[0], []).append(label[1])
    for wanted in _STATIC_FIRST:
        if wanted in by:
            return wanted, by[wanted]
    if Classification.PEER in by:  # the allow list
        return Classification.PEER, [*by[Classification.PEER], *evidence_reasons(e)]
    if e.resource:
        return Classification.RESOURCE, [
            f"listed as a room or resource in {_plural(e.resource, 'meeting')}"
        ]
    if e.list_name:
        return Classification.AUTOMATED, [
            f"mailing list address (list {e.list_name}): a list is not a person, never a peer"
        ]
    for wanted in (Classification.RESOURCE, Classification.AUTOMATED):
        if wanted in by:
            return wanted, by[wanted]
    for name in e.names:
        named = labeller.named(name, addresses[0])
        if named is not None:
            return Classification.AUTOMATED, [named]
    if Classification.COLLEAGUE in by:
        return Classification.COLLEAGUE, by[Classification.COLLEAGUE]
    has_evidence = bool(e.meetings or e.wrote_personally or e.replies)
    machine = any(signal != CALENDAR_NOTICE for signal in e.signals)
    if e.auto_inbound and e.auto_inbound == e.inbound and not has_evidence and machine:
        return Classification.AUTOMATED, [
            f"{signal} present in {_plural(n, 'message')}" for signal, n in most_common(e.signals)
        ]
    if Classification.ROLE in by:
        return Classification.ROLE, by[Classification.ROLE]
    if Classification.CANDIDATE in by:  # undeliverable: evidence or not, never a peer
        return Classification.CANDIDATE, [*by[Classification.CANDIDATE], *evidence_reasons(e)]
    if e.bounced and not e.replies and not e.meetings:
        at = max(at for at, _ in e.bounced)
        return Classification.CANDIDATE, [
            f"mail to this address bounced on {at:%Y-%m-%d} (delivery report): it does not "
            "receive mail, so it is no evidence of a relationship",
            *evidence_reasons(e),
        ]
    if has_evidence:
        evidence = evidence_reasons(e)
        if Classification.PERSONAL_DOMAIN in by:
            return Classification.PERSONAL_DOMAIN, [*by[Classification.PERSONAL_DOMAIN], *evidence]
        return Classification.PEER, evidence
    return Classification.CANDIDATE, candidate_reasons(e)


def evidence_reasons(e: Evidence) -> list[str]:
    """The rungs of the evidence ladder this person reached, as sentences."""
    reasons = []
    for at, _, subject, size in e.meetings[:3]:
        reasons.append(f"you met at '{subject}' on {at:%Y-%m-%d} ({size} attendees)")
    if len(e.meetings) > 3:
        reasons.append(f"and {_plural(len(e.meetings) - 3, 'more meeting')}")
    if e.wrote_personally:
        threads = len({thread for _, _, thread in e.wrote_personally})
        first = min(at for at, _, _ in e.wrote_personally)
        reasons.append(
            f"you wrote to them personally {len(e.wrote_personally)} time(s) on "
            f"{_plural(threads, 'thread')}, first on {first:%Y-%m-%d}"
        )
    if e.replies:
        reasons.append(f"they replied to your email {len(e.replies)} time(s)")
    return reasons


def candidate_reasons(e: Evidence) -> list[str]:
    """Why someone seen in the data is not (yet) a peer."""
    reasons = []
    human_inbound = e.inbound - e.auto_inbound - e.list_inbound
    if human_inbound:
        reasons.append(f"wrote to you {human_inbound} time(s); you never answered")
    for name, n in most_common(e.lists):
        reasons.append(
            f"posted to mailing list {name} ({_plural(n, 'message')}): list traffic is no relationship"
        )
    if e.signals and e.auto_inbound:
        reasons.append(
            "automatic mail only: " + ", ".join(f"{s} ({n})" for s, n in most_common(e.signals))
        )
    if e.mass_mails:
        reasons.append(f"only in {e.mass_mails} mass mail(s) from you")
    if e.list_copies:
        reasons.append(
            f"only copied on {_plural(e.list_copies, 'post')} of yours to a mailing list: "
            "a list post is not personal mail"
        )
    if e.bcc_only:
        reasons.append(f"only blind-copied ({_plural(e.bcc_only, 'message')})")
    reasons.extend(f"{why} ({n}×)" if n > 1 else why for why, n in e.not_meetings.items())
    return reasons or [
        "only copied on mail with others; no meeting or personal exchange with you yet"
    ]
