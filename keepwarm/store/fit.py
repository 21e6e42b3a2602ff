"""Values made to fit their columns, identically on SQLite and PostgreSQL.

SQLite stores a 600-character string in a `VARCHAR(500)` column and a NUL inside text;
PostgreSQL refuses both, and a refused row would fail the whole sync or detection, every run.
So every value from the outside passes through here on its way in:

- an identifier too long for its column keeps its first characters and ends with a hash of the
  whole (`fit`), so two long ids that share a prefix stay distinct and equal ids stay equal
  (a reply still finds the message it answers: both sides are fitted the same way);
- display text is cut (`cut`), NUL characters become U+FFFD (`clean`);
- a participant whose address cannot be an address at that length is left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from keepwarm.models import Interaction, Participant

#: Column sizes (keepwarm/store/tables.py).
ID = 500
ADDRESS = 320
NAME = 500
ORGANISATION = 255
SOURCE = 1000
POSITION = 300
STREAM = 1000
DRAFT_KEY = 700
RULE = 200
_HASH = 16


def clean(value: str) -> str:
    """`value` without NUL characters (PostgreSQL text cannot hold them)."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def fit(value: str, limit: int) -> str:
    """An identifier of at most `limit` characters that still tells long values apart."""
    value = clean(value)
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]
    return f"{value[: limit - _HASH - 1]}~{digest}"


def was_fitted(value: str | None, limit: int) -> bool:
    """Whether `value` is too long for `limit`, or is what `fit` made of a longer value."""
    if value is None:
        return False
    if len(value) != limit:
        return len(value) > limit
    tail = value[-_HASH - 1 :]
    return tail[0] == "~" and all(c in "0123456789abcdef" for c in tail[1:])


def fit_optional(value: str | None, limit: int) -> str | None:
    return None if value is None else fit(value, limit)


def cut(value: str, limit: int) -> str:
    """Display text of at most `limit` characters."""
    value = clean(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def fits(value: str | None, limit: int) -> bool:
    return value is None or (len(value) <= limit and "\x00" not in value)


def _participant_fits(p: Participant) -> bool:
    return fits(p.address, ADDRESS) and fits(p.name, NAME)


def fit_interaction(item: Interaction) -> Interaction:
    """`item` itself when everything fits (nearly always), else a copy that does."""
    if (
        fits(item.provider_id, ID)
        and fits(item.thread_id, ID)
        and fits(item.message_id, ID)
        and fits(item.in_reply_to, ID)
        and "\x00" not in item.subject
        and "\x00" not in item.source
        and all(_participant_fits(p) for p in item.participants)
        and not any("\x00" in v for v in item.headers.values())
        and not any("\x00" in r for r in item.references)
    ):
        return item
    return replace(
        item,
        provider_id=fit(item.provider_id, ID),
        thread_id=fit_optional(item.thread_id, ID),
        message_id=fit_optional(item.message_id, ID),
        in_reply_to=fit_optional(item.in_reply_to, ID),
        references=tuple(clean(r) for r in item.references),
        subject=clean(item.subject),
        source=clean(item.source),
        headers={name: clean(value) for name, value in item.headers.items()},
        participants=tuple(
            p if _participant_fits(p) else replace(p, name=cut(p.name, NAME))
            for p in item.participants
            if fits(p.address, ADDRESS)
        ),
    )
