"""Per-mailbox evidence: what happened between the owner and one address (`Folder` builds it).

Plain slotted records with counters, so a million interactions fold into them cheaply and
slices of a mailbox merge (`Evidence.absorb`) into what one pass gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


#: Shared empty containers: most addresses never get a meeting, a reply or a signal, so their
#: evidence starts with these and gets its own container on the first write (`_list`, `_dict`).
_NO_ITEMS: list[Any] = []
_NO_COUNTS: dict[str, int] = {}


def own_list(e: Evidence, name: str) -> list[Any]:
    found: list[Any] = getattr(e, name)
    if found is _NO_ITEMS:
        found = []
        setattr(e, name, found)
    return found


def own_counts(e: Evidence, name: str) -> dict[str, int]:
    found: dict[str, int] = getattr(e, name)
    if found is _NO_COUNTS:
        found = {}
        setattr(e, name, found)
    return found


def most_common(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Like `Counter.most_common`: by count, ties in insertion order."""
    return sorted(counts.items(), key=lambda kv: -kv[1])


class Evidence:
    """Everything detection learned about one mailbox (or, once merged, one person).

    Plain dicts and lists (not Counters or dataclass factories): one is built per address
    seen, so construction cost matters.
    """

    __slots__ = (
        "auto_inbound",
        "bcc_only",
        "bounced",
        "first_seen",
        "ids",
        "inbound",
        "last_seen",
        "list_copies",
        "list_inbound",
        "list_name",
        "lists",
        "mass_mails",
        "meetings",
        "meetings_seen",
        "names",
        "not_meetings",
        "received",
        "replies",
        "resource",
        "sent",
        "signals",
        "spellings",
        "wrote_personally",
    )  # fmt: skip

    def __init__(self) -> None:
        self.spellings: dict[str, int] = {}
        self.names: dict[str, int] = {}
        self.first_seen: datetime | None = None
        self.last_seen: datetime | None = None
        self.inbound = self.auto_inbound = self.list_inbound = 0
        self.signals: dict[str, int] = _NO_COUNTS
        #: Lists this person posted through (list name → posts).
        self.lists: dict[str, int] = _NO_COUNTS
        #: Set when this address *is* a mailing list (the list's name): never a person.
        self.list_name = ""
        #: The owner's list posts this person was only copied on.
        self.list_copies = 0
        #: (when, interaction id, thread) of each mail the owner wrote to them personally.
        self.wrote_personally: list[tuple[datetime, int, str]] = _NO_ITEMS
        self.bcc_only = self.mass_mails = 0
        self.replies: list[tuple[datetime, int]] = _NO_ITEMS
        #: (when it ended, interaction id, subject, attendee count) of each meeting that counts.
        self.meetings: list[tuple[datetime, int, str, int]] = _NO_ITEMS
        self.not_meetings: dict[str, int] = _NO_COUNTS
        self.resource = 0
        self.bounced: list[tuple[datetime, int]] = _NO_ITEMS
        self.sent = self.received = self.meetings_seen = 0
        self.ids: list[int] = []

    def seen(self, at: datetime, raw: str, name: str, iid: int) -> None:
        if self.first_seen is None:
            self.first_seen = self.last_seen = at
        elif at < self.first_seen:
            self.first_seen = at
        elif self.last_seen is not None and at > self.last_seen:
            self.last_seen = at
        spellings = self.spellings
        spellings[raw] = spellings.get(raw, 0) + 1
        if name:
            names = self.names
            names[name] = names.get(name, 0) + 1
        self.ids.append(iid)

    def absorb(self, other: Evidence) -> None:
        """Add another mailbox's evidence (identity merging)."""
        for name in ("spellings", "names", "signals", "lists", "not_meetings"):
            theirs = getattr(other, name)
            if theirs:
                mine = own_counts(self, name)
                for key, n in theirs.items():
                    bump(mine, key, n)
        for name in ("wrote_personally", "replies", "meetings", "bounced", "ids"):
            theirs = getattr(other, name)
            if theirs:
                own_list(self, name).extend(theirs)
        for name in ("inbound", "auto_inbound", "list_inbound", "bcc_only", "mass_mails",
                     "resource", "sent", "received", "meetings_seen", "list_copies"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.list_name = self.list_name or other.list_name
        if other.first_seen is not None and (
            self.first_seen is None or other.first_seen < self.first_seen
        ):
            self.first_seen = other.first_seen
        if other.last_seen is not None and (
            self.last_seen is None or other.last_seen > self.last_seen
        ):
            self.last_seen = other.last_seen
