"""How the page presents drafts: groups of one subject, reasons in plain words, short lists.

Pure functions over the service's plain dicts; the templates only lay their results out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: A rule's trigger reason starts with a short machine label; the page leads with words.
_LABELS = {
    "new peer": "New contact",
    "no reply": "No answer yet",
    "quiet": "Gone quiet",
    "meeting ended": "After a meeting",
}
#: Recipients shown before "and N more".
SHOWN_RECIPIENTS = 2


@dataclass(frozen=True, slots=True)
class Reason:
    label: str
    text: str


def plain_reason(reason: str) -> Reason:
    """`new peer: meeting 'X' on 2026-11-17; nothing from you since` →
    (`New contact`, `meeting 'X' on 2026-11-17, nothing from you since`). Unknown labels
    are kept as they are, so a new trigger still reads."""
    label, sep, rest = reason.partition(": ")
    if not sep or label not in _LABELS:
        return Reason("", reason)
    return Reason(_LABELS[label], rest.replace("; ", ", "))


def preview(body: str) -> str:
    """The start of a body on one line (line breaks and runs of spaces as single spaces)."""
    return " ".join(body.split())


def recipients(to: list[str], shown: int = SHOWN_RECIPIENTS) -> dict[str, Any]:
    """A long recipient list as its first few and how many more (the rest on request)."""
    return {"shown": to[:shown], "more": to[shown:], "count": len(to)}


@dataclass
class Group:
    """Drafts that share a subject (a thank-you after one event to everyone who came)."""

    subject: str
    items: list[dict[str, Any]] = field(default_factory=list)


def review_groups(items: list[dict[str, Any]], state: str | None) -> list[Group]:
    """The drafts in `state` (all when None) grouped by subject, in review order.

    `items` are drafts of every state in due order: a group takes the place of its first
    draft whatever that draft's state, so a group keeps its place in the list (and `next`
    keeps its course) while its drafts are approved or rejected one by one.
    """
    groups: dict[str, Group] = {}
    for item in items:
        key = " ".join(item["subject"].split()).casefold()
        group = groups.setdefault(key, Group(item["subject"]))
        if not state or item["state"] == state:
            group.items.append(item)
    return [g for g in groups.values() if g.items]


def review_order(items: list[dict[str, Any]], state: str | None) -> list[int]:
    """Draft ids in the order the list shows them: j/k and `next` follow it."""
    return [item["id"] for group in review_groups(items, state) for item in group.items]


def window_text(d: dict[str, Any], when: Any) -> str:
    """When a draft goes out, in words that fit its state (`when` formats a time)."""
    state, start, until = d["state"], d["window"]["from"], d["window"]["until"]
    expiry = f", expires {when(until)}" if until else ""
    if state in ("pending", "approved", "failed"):
        verb = "goes out" if state == "approved" else "due"
        return f"{verb} from {when(start)}{expiry}"
    if state == "snoozed":
        return f"snoozed until {when(d['snoozed_until'])}{expiry}"
    if state == "delivered":
        return f"delivered {when(d['updated'])}"
    if state == "expired":
        return f"expired {when(until)}" if until else "expired"
    return f"{state} {when(d['updated'])}"
