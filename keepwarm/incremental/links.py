"""Which interactions may change what another one means, as hashed link values.

Detection reads a message in the light of others: a reply counts when it answers one of the
owner's messages (In-Reply-To/References), a bounce is tied to the mail it returns (by
In-Reply-To, or by subject when it quotes none). So each interaction is filed under link values
of two kinds: the Message-ID it *provides* and the ids it *refers to*; subjects are compared
within `SUBJECT_WINDOW` (`subject_keys`).
A Message-ID hashes to the same value whether provided or referred to, so "who refers to this
message" and "which message is this" are one look-up. Hashes are 64-bit: a collision only makes
a cycle look at one interaction too many.
"""

from __future__ import annotations

import zlib
from datetime import timedelta

from keepwarm.models import Interaction

#: How far back a bounce may be tied to a mail by subject (detection uses 3 days; wider is safe).
SUBJECT_WINDOW = timedelta(days=7)
PROVIDES, REFERS = 0, 1

#: (link value, kind)
Link = tuple[int, int]


def _hash(raw: str) -> int:
    """A signed 64-bit hash (fits SQL BIGINT on every database)."""
    data = raw.encode()
    value = (zlib.crc32(data) << 32) | zlib.adler32(data)
    return value - (1 << 64) if value >= 1 << 63 else value


def message(message_id: str) -> int:
    return _hash(message_id)


def subject_keys(text: str) -> set[str]:
    """The subject, and every tail after a colon, lower-cased and stripped.

    A bounce quotes the subject it returns after its own prefix (`Undeliverable: Re: Budget`),
    and the owner's mail had it whole (`Re: Budget`): both share a key.
    """
    lowered = text.lower()
    keys = {lowered.strip()}
    start = lowered.find(":")
    while start >= 0:
        keys.add(lowered[start + 1 :].strip())
        start = lowered.find(":", start + 1)
    keys.discard("")
    return keys


def refs(item: Interaction) -> set[int]:
    """The Message-IDs this interaction refers to (In-Reply-To and References)."""
    found = {message(r) for r in item.references}
    if item.in_reply_to:
        found.add(message(item.in_reply_to))
    return found


def stored(item: Interaction) -> set[Link]:
    """Every link an interaction is filed under (subjects are matched by scanning a window
    of subjects instead: only bounces need them, and filing every subject cost a quarter of a
    cold import's writes)."""
    found = {(value, REFERS) for value in refs(item)}
    if item.message_id:
        found.add((message(item.message_id), PROVIDES))
    return found
