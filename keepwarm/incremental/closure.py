"""Which addresses must be regrouped together when some of them changed.

Identity merges addresses only through explicit aliases, or by name among the mergeable
addresses of one organisation (`keepwarm.peers.identity.group`). Grouping is therefore local to
the components of that graph: regrouping the closure of the changed addresses gives the same
people as grouping everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def closure(
    changed: Iterable[str],
    *,
    organisation_of: Callable[[str], str],
    org_members: Callable[[set[str]], Iterable[str]],
    mergeable: Callable[[str], bool],
    aliases: Iterable[Iterable[str]],
) -> set[str]:
    """`changed` plus every address identity could tie to them, transitively.

    `org_members(orgs)` lists the known addresses of those organisations.
    """
    partners: dict[str, set[str]] = {}
    for group in aliases:
        members = set(group)
        for address in members:
            partners.setdefault(address, set()).update(members)
    found: set[str] = set()
    todo = set(changed)
    while todo:
        found |= todo
        orgs = {organisation_of(a) for a in todo if mergeable(a)}
        more: set[str] = set()
        if orgs:
            more.update(a for a in org_members(orgs) if mergeable(a))
        for address in todo:
            more |= partners.get(address, set())
        todo = more - found
    return found
