"""Identity: which mailboxes belong to one human, and what to call them.

Addresses are merged only when the data ties them together: explicit aliases (settings or
`keepwarm peers merge`), or the same full display name at the same organisation. A name alone
never merges across organisations, nor inside free-mail providers (many John Smiths use Gmail).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from keepwarm.peers.addresses import domain_of
from keepwarm.peers.evidence import Evidence, most_common

_VIA = re.compile(r"\s+via\s+", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"[@<>]|^\W*$")


class _Groups:
    """Union-find over addresses."""

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {a: a for a in items}

    def find(self, a: str) -> str:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group(
    evidence: Mapping[str, Evidence],
    *,
    aliases: Iterable[Iterable[str]],
    mergeable: Callable[[str], bool],
    organisation_of: Callable[[str], str],
    role_words: frozenset[str],
    names_out: dict[str, str] | None = None,
) -> list[list[str]]:
    """Addresses grouped into people, each group sorted, groups in a stable order.

    `names_out` receives the best name of each address it had to look at (a memo for callers).
    """
    groups = _Groups(evidence)
    for alias in aliases:
        present = [a for a in alias if a in evidence]
        for other in present[1:]:
            groups.union(present[0], other)
    # Only organisations with two or more named, mergeable addresses can merge anything.
    by_org: dict[str, list[str]] = {}
    for address in sorted(evidence):
        if evidence[address].names and mergeable(address):
            by_org.setdefault(organisation_of(domain_of(address)), []).append(address)
    for candidates in by_org.values():
        if len(candidates) < 2:
            continue
        by_name: dict[str, str] = {}
        for address in candidates:
            name = best_name(address, evidence[address].names, role_words)
            if names_out is not None:
                names_out[address] = name
            if len(name.split()) < 2:  # a first name alone is not enough to tie two mailboxes
                continue
            first = by_name.setdefault(name.casefold(), address)
            if first != address:
                groups.union(first, address)
    members: dict[str, list[str]] = {}
    for address in sorted(evidence):
        members.setdefault(groups.find(address), []).append(address)
    return sorted(members.values())


def best_name(address: str, names: dict[str, int], role_words: frozenset[str] = frozenset()) -> str:
    """The most used display name that really is a name (not an address, a role or a list)."""
    local = address.partition("@")[0]
    for name, _ in most_common(names) if len(names) > 1 else names.items():
        cleaned = _VIA.split(name, maxsplit=1)[0].strip().strip("'\"").strip()
        if not cleaned or _NOT_A_NAME.search(cleaned) or cleaned.lower() == local:
            continue
        if all(word in role_words for word in cleaned.lower().split()):
            continue
        return cleaned
    return ""


def preferred_spelling(spellings: dict[str, int]) -> str:
    """The spelling to write to: the most used one (ties: alphabetical)."""
    return min(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
