"""What detection needs to know: the owner, the user's lists and overrides, and the thresholds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from keepwarm.peers.addresses import normalise

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

    def __post_init__(self) -> None:
        normal = frozenset(normalise(a) for a in self.owner_addresses)
        object.__setattr__(self, "owner_addresses", normal | self.owner_addresses)
        object.__setattr__(self, "owner_domains", tuple(d.lower() for d in self.owner_domains))
        for name in ("blocked", "allowed", "forgotten"):
            object.__setattr__(self, name, tuple(_target(t) for t in getattr(self, name)))
        object.__setattr__(
            self, "aliases", tuple(tuple(normalise(a) for a in group) for group in self.aliases)
        )


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
