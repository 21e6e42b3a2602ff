"""Which interactions may change what another one means, as hashed link values.

Detection reads a message in the light of others: a reply counts when it answers one of the
owner's messages (In-Reply-To/References), a bounce is tied to the mail it returns (by
In-Reply-To, or by subject when it quotes none). Each interaction *provides* some values (its
Message-ID, its subject keys) and *depends on* others (the ids it refers to, its subject keys).
Links are 64-bit hashes: a collision only makes a cycle look at one interaction too many.
"""

from __future__ import annotations

import zlib
from datetime import timedelta

from keepwarm.models import Interaction

#: How far back a bounce may be tied to a mail by subject (detection uses 3 days; wider is safe).
SUBJECT_WINDOW = timedelta(days=7)


def link(kind: str, value: str) -> int:
    """A signed 64-bit hash (fits SQL BIGINT on every database)."""
    raw = f"{kind}\x1f{value}".encode()
    value64 = (zlib.crc32(raw) << 32) | zlib.adler32(raw)
    return value64 - (1 << 64) if value64 >= 1 << 63 else value64


def subject_keys(subject: str) -> set[str]:
    """The subject, and every tail after a colon, lower-cased and stripped.

    A bounce quotes the subject it returns after its own prefix (`Undeliverable: Re: Budget`),
    and the owner's mail had it whole (`Re: Budget`): both share a key.
    """
    text = subject.lower()
    keys = {text.strip()}
    start = text.find(":")
    while start >= 0:
        keys.add(text[start + 1 :].strip())
        start = text.find(":", start + 1)
    keys.discard("")
    return keys


def _subjects(item: Interaction) -> set[int]:
    return {link("s", k) for k in subject_keys(item.subject)} if item.subject else set()


def _refs(item: Interaction) -> set[str]:
    found = set(item.references)
    if item.in_reply_to:
        found.add(item.in_reply_to)
    return found


def stored(item: Interaction) -> set[int]:
    """Every link value an interaction is filed under: its id, the ids it refers to, subjects."""
    found = _subjects(item) | {link("ref", r) for r in _refs(item)}
    if item.message_id:
        found.add(link("id", item.message_id))
    return found


def context_of(item: Interaction) -> tuple[set[int], set[int]]:
    """What to load so `item` is read as in a full pass: (ids it refers to, its subjects).

    Subject links only count within `SUBJECT_WINDOW` before the item.
    """
    return {link("id", r) for r in _refs(item)}, _subjects(item)


def dependents_of(item: Interaction) -> tuple[set[int], set[int]]:
    """Stored interactions whose meaning `item` may change: (those referring to its id, its
    subjects within `SUBJECT_WINDOW` after it)."""
    plain = {link("ref", item.message_id)} if item.message_id else set()
    return plain, _subjects(item)
