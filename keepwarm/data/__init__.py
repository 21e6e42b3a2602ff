"""Lists shipped as data (read by services, passed to the pure domain). Users extend them in settings."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def _lines(name: str) -> frozenset[str]:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@cache
def personal_domains() -> frozenset[str]:
    """Free-mail providers: their users are labelled `personal-domain`."""
    return _lines("personal_domains.txt")


@cache
def role_local_parts() -> frozenset[str]:
    """Local parts of role mailboxes (`info`, `sales`, …)."""
    return _lines("role_local_parts.txt")


@cache
def list_hosts() -> frozenset[str]:
    """Mailing-list hosts and addresses known without their mail (`vger.kernel.org`, …)."""
    return _lines("list_hosts.txt")


@cache
def relay_hosts() -> frozenset[str]:
    """Relays that stand in for people (`imip.me.com`, Google calendar ids, reply proxies)."""
    return _lines("relay_hosts.txt")
