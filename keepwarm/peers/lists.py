"""Mailing-list routes: which list a message travelled through, and who really wrote it.

List headers describe a message's *route*, not its sender (DESIGN.md §11). A message is
**discussion-list traffic** when its headers name a list address (List-Post `mailto:`,
X-Mailing-List, Mailing-List, or the address a `List-Id` of the form `<name.host>` stands for)
and the message is not the list speaking for itself:

- its From was rewritten by the list (`'Jane' via Group <group@…>`, DMARC mitigation): the
  author is the person in X-Original-From / X-Original-Sender / Reply-To;
- or List-Post names an address other than From (Mailman, Google Groups, personalised copies);
- or a named list address is among the To/Cc recipients and is not the From.

Anything else that carries List-Unsubscribe, List-Id or `Precedence: bulk|list|junk` — an ESP
newsletter, a notification, a list's own announcement whose From is the list — is *bulk*: the
sender is the machine (`signals.bulk_signals`). Every address a list header names is a list
address: never a person, never a peer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from keepwarm.models import Interaction, Participant, Role
from keepwarm.peers.addresses import parse_address

#: Headers whose presence means "a list handled this message".
LIST_MARKERS = ("list-id", "list-post", "x-mailing-list", "mailing-list")
_VIA = re.compile(r"\s+via\s+", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:([^>?,\s]+)", re.IGNORECASE)
_LIST_ID = re.compile(r"<\s*([^<>\s]+)\s*>|^\s*([^<>\s]+)\s*$")
_MAILING_LIST = re.compile(r"\blist\s+([^\s;,]+@[^\s;,]+)", re.IGNORECASE)
_CACHE_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class ListNames:
    """What a message's list headers name: the list, its addresses, and where to post."""

    name: str
    addresses: tuple[str, ...]
    posting: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """Discussion-list traffic: the list it came through and the human who wrote it."""

    list_name: str
    addresses: tuple[str, ...]
    author: Participant
    rewritten: bool


_NAMES: dict[tuple[str, str, str, str], ListNames | None] = {}


def is_rewritten(sender: Participant) -> bool:
    """`'Jane Doe' via Group` — a list rewrote the From of a post (DMARC mitigation)."""
    return bool(sender.name) and bool(_VIA.search(sender.name))


def list_names(headers: Mapping[str, str]) -> ListNames | None:
    """The list named by the headers (memoised: a list's headers repeat in every post)."""
    values = (
        headers.get("list-id", ""),
        headers.get("list-post", ""),
        headers.get("x-mailing-list", ""),
        headers.get("mailing-list", ""),
    )
    if not any(values):
        return None
    found = _NAMES.get(values, False)
    if found is False:
        found = _parse(*values)
        if len(_NAMES) >= _CACHE_LIMIT:
            _NAMES.clear()
        _NAMES[values] = found
    return found  # type: ignore[return-value]


def _parse(list_id: str, list_post: str, x_mailing: str, mailing_list: str) -> ListNames | None:
    posting = tuple(
        dict.fromkeys(a.strip().lower() for a in _MAILTO.findall(list_post) if "@" in a)
    )
    named: list[str] = list(posting)
    if x_mailing:
        parsed = parse_address(x_mailing)
        if parsed is not None:
            named.append(parsed[1])
    found = _MAILING_LIST.search(mailing_list) if mailing_list else None
    if found is not None:
        named.append(found.group(1).lower())
    ident = ""
    match = _LIST_ID.search(list_id) if list_id else None
    if match is not None:
        ident = (match.group(1) or match.group(2) or "").strip().lower()
        local, dot, host = ident.partition(".")
        if dot and local and "." in host and "@" not in ident:
            named.append(f"{local}@{host}")  # `<name.host>` is how Mailman, vger, Groups spell it
    addresses = tuple(dict.fromkeys(a for a in named if "@" in a and " " not in a))
    if not addresses and not ident:
        return None
    return ListNames(ident or addresses[0], addresses, posting)


def named_lists(item: Interaction, sender: Participant) -> tuple[Route | None, list[tuple[str, str]]]:
    """The route, and every (address, list name) this message's headers reveal as a list:
    what its list headers name, and a From the list rewrote. (Detection learns list addresses
    from these; so does the store, to know them all without reading every message again.)"""
    named: list[tuple[str, str]] = []
    names = list_names(item.headers) if item.headers else None
    if names is not None:
        named.extend((address, names.name) for address in names.addresses)
    found = route(item, sender)
    if found is not None and found.rewritten:
        named.append((sender.address, found.list_name))
    return found, named


def list_addresses(items: Iterable[Interaction]) -> set[str]:
    """Every list address the list headers of these messages name (lower-cased, as written)."""
    found: set[str] = set()
    for item in items:
        names = list_names(item.headers) if item.headers else None
        if names is not None:
            found.update(names.addresses)
    return found


def route(item: Interaction, sender: Participant) -> Route | None:
    """The discussion list this message came through, or None (plain mail, or bulk mail)."""
    h = item.headers
    if not h:
        return None
    names = list_names(h)
    via = is_rewritten(sender)
    if names is None and not via:
        return None
    addresses = names.addresses if names is not None else ()
    own = sender.address
    if via or own in addresses:  # the list wrote the From: who is behind it?
        author = real_sender(item, sender)
        if author is None:
            return None  # the list speaking for itself (or naming nobody): bulk
        name = names.name if names is not None else own
        return Route(name, tuple(dict.fromkeys((*addresses, own))), author, True)
    assert names is not None
    discussion = any(a != own for a in names.posting)
    if not discussion and addresses:
        recipients = {p.address for p in item.participants if p.role in (Role.TO, Role.CC)}
        discussion = any(a in recipients for a in addresses)
    return Route(names.name, addresses, sender, False) if discussion else None


def real_sender(item: Interaction, sender: Participant) -> Participant | None:
    """The human behind list mail whose From was rewritten (DMARC mitigation), if any.

    `'Name' via List <list@…>` carries the real sender in X-Original-From, X-Original-Sender
    or Reply-To. None for plain mail, or list mail that names nobody else. Only called for mail
    whose From is the list (rewritten, or a list address), so Reply-To is the author here.
    """
    h = item.headers
    if not h:
        return None
    rewritten = is_rewritten(sender)
    if not rewritten and not any(m in h for m in LIST_MARKERS):
        return None
    candidates = ["x-original-from", "x-original-sender", "reply-to"]
    for header in candidates:
        value = h.get(header)
        if not value:
            continue
        parsed = parse_address(value)
        if parsed is None or parsed[1] == sender.address:
            continue
        name = parsed[0] or _VIA.split(sender.name, maxsplit=1)[0].strip().strip("'\"")
        return Participant(parsed[1], Role.FROM, name)
    return None
