"""What detection needs to know: the owner, the user's lists and overrides, and the thresholds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from keepwarm.peers.addresses import domain_of, normalise

#: The core role mailboxes; services pass the fuller shipped list (`keepwarm/data`).
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


#: Core mailing-list hosts and addresses; services pass the fuller shipped list (`keepwarm/data`).
LIST_HOSTS = ("vger.kernel.org", "googlegroups.com", "groups.io", "linux-mm@kvack.org")
#: Core relays: addresses that stand in for people (calendar invitation relays, calendar ids).
RELAY_HOSTS = ("imip.me.com", "group.calendar.google.com", "import.calendar.google.com")
#: First labels of hosts that only serve mailing lists (`lists.example.org`).
_LIST_LABELS = frozenset({"lists", "list", "listserv", "mailman"})


def _same(domain: str) -> str:
    return domain


@dataclass(frozen=True, slots=True)
class DetectionPolicy:
    """Everything detection reads besides the interactions; built by services from settings.

    Addresses may be given in any spelling: they are normalised here, once.
    `blocked`, `allowed` and `forgotten` hold addresses or domains (`@domain` or `domain`,
    subdomains included). `aliases` are groups of addresses of one person.
    """

    owner_addresses: frozenset[str]
    owner_name: str = ""
    owner_domains: tuple[str, ...] = ()
    personal_domains: frozenset[str] = frozenset()
    blocked: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    forgotten: tuple[str, ...] = ()
    aliases: tuple[tuple[str, ...], ...] = ()
    max_meeting_size: int = 8
    mass_mail_recipients: int = 10
    dormant_after_days: int = 90
    growing_after: int = 2
    established_after: int = 5
    established_days: int = 60
    #: When the first sync ran: people with evidence before it were already known.
    baseline_at: datetime | None = None
    role_local_parts: frozenset[str] = ROLE_LOCAL_PARTS
    organisation_of: Callable[[str], str] = field(default=_same)
    #: Mailing lists known without their mail (addresses or hosts): never people.
    lists: tuple[str, ...] = LIST_HOSTS
    #: Relays that stand in for people (addresses or hosts): automated, never peers.
    relays: tuple[str, ...] = RELAY_HOSTS
    list_set: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    relay_set: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        normal = frozenset(normalise(a) for a in self.owner_addresses)
        object.__setattr__(self, "owner_addresses", normal | self.owner_addresses)
        object.__setattr__(self, "owner_domains", tuple(d.lower() for d in self.owner_domains))
        for name in ("blocked", "allowed", "forgotten", "lists", "relays"):
            object.__setattr__(self, name, tuple(_target(t) for t in getattr(self, name)))
        object.__setattr__(
            self, "aliases", tuple(tuple(normalise(a) for a in group) for group in self.aliases)
        )
        object.__setattr__(self, "list_set", frozenset(self.lists))
        object.__setattr__(self, "relay_set", frozenset(self.relays))

    def is_list(self, address: str) -> bool:
        """A mailing list known without its mail: on the shipped or configured lists, or a
        `lists.*` host (the ones named by list headers are learned from the mail itself)."""
        return is_list_address(normalise(address), self)


def _target(value: str) -> str:
    """`@Example.com` → `example.com`; addresses are normalised."""
    value = value.strip().lower()
    if value.startswith("@"):
        return value[1:]
    return normalise(value) if "@" in value else value


def matches(address: str, domain: str, targets: tuple[str, ...]) -> str | None:
    """The target (an address, or a domain including subdomains) that covers this address."""
    for target in targets:
        if "@" in target:
            if target == address:
                return target
        elif domain == target or domain.endswith("." + target):
            return target
    return None


def suffix_match(address: str, targets: frozenset[str]) -> str | None:
    """The target (an address, or a domain including subdomains) in a set that covers `address`.

    Set look-ups over the domain's suffixes: a few hash probes whatever the set's size.
    """
    if address in targets:
        return address
    domain = domain_of(address)
    while domain:
        if domain in targets:
            return domain
        domain = domain.partition(".")[2]
    return None


def is_list_host(domain: str) -> bool:
    """`lists.example.org`, `listserv.uni.example`: hosts that serve only mailing lists."""
    first, dot, rest = domain.partition(".")
    return bool(dot) and "." in rest and first in _LIST_LABELS


def is_list_address(address: str, policy: DetectionPolicy) -> bool:
    """A mailing list known from the policy's lists or its host's name (not from mail)."""
    return bool(suffix_match(address, policy.list_set)) or is_list_host(domain_of(address))
