"""Address normalisation and domain matching: one spelling per mailbox.

Providers deliver `Ada+news@x` to `ada@x` and Gmail ignores dots in the local part, so
detection keys every mailbox by its normalised form while keeping the spellings it saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import getaddresses

from keepwarm.mailsafety import is_received_address

#: Providers where dots in the local part are not significant.
DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def local_of(address: str) -> str:
    return address.rpartition("@")[0]


def normalise(address: str) -> str:
    """The mailbox an address delivers to: lower case, no `+tag`, no Gmail dots.

    `googlemail.com` becomes `gmail.com`, so both spellings are one mailbox.
    """
    address = address.strip().strip("<>").lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    plus = local.find("+")
    if plus > 0:
        local = local[:plus]
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def in_domains(domain: str, domains: Iterable[str]) -> str | None:
    """The listed domain that `domain` equals or is a subdomain of (None when none is)."""
    for candidate in domains:
        if domain == candidate or domain.endswith("." + candidate):
            return candidate
    return None


#: RFC 5321's limit on a path; longer values are garbage, and the store's columns hold 320.
MAX_ADDRESS = 254


def parse_address(value: str) -> tuple[str, str] | None:
    """(display name, lower-cased address) from a header like `Name <a@b>`; None if unusable.

    Header values can hold anything (NUL, control characters, megabytes): an address must be
    printable, without whitespace and at most `MAX_ADDRESS` long to become a person's key.
    """
    try:
        pairs = getaddresses([value])
    except (TypeError, ValueError, IndexError):  # malformed headers must never crash detection
        return None
    for name, address in pairs:
        address = address.strip().lower()
        if is_received_address(address) and len(address) <= MAX_ADDRESS:
            return "".join(c for c in name if c.isprintable()).strip()[:200], address
    return None
