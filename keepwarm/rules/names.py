"""The name to greet someone by, taken only from a display name that really names a human.

Pure. "Hi there", "Hi LKML" and "Hi kernel" are what a mail merge writes; a person would write
"Hello," when the only name at hand is a list's, a team's or an address's.
"""

from __future__ import annotations

import re
from functools import lru_cache

_VIA = re.compile(r"\s+(?:via|on behalf of|through)\s+.*$", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|<[^<>]*>")
_TITLES = frozenset(
    [
        "dr",
        "dr.",
        "prof",
        "prof.",
        "professor",
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "mx",
        "mx.",
        "sir",
        "dame",
        "herr",
        "frau",
        "mme",
        "mme.",
        "mlle",
        "m.",
        "dott",
        "dott.",
        "ing",
        "ing.",
        "rev",
        "rev.",
    ]
)
#: Words that mark a display name as a group, a list, a service or a machine, not a person.
NOT_HUMAN = frozenset(
    [
        "team",
        "list",
        "lists",
        "mailing",
        "support",
        "info",
        "news",
        "newsletter",
        "digest",
        "notifications",
        "notification",
        "notifier",
        "noreply",
        "no-reply",
        "donotreply",
        "bot",
        "robot",
        "admin",
        "administrator",
        "mailer",
        "daemon",
        "postmaster",
        "service",
        "services",
        "sales",
        "marketing",
        "billing",
        "accounts",
        "jira",
        "github",
        "gitlab",
        "bugzilla",
        "group",
        "committee",
        "office",
        "desk",
        "department",
        "customer",
        "staff",
        "alerts",
        "alert",
        "updates",
        "community",
        "foundation",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "announce",
        "announcements",
        "kernel",
        "linux",
        "project",
        "users",
        "devel",
        "developers",
        "discussion",
        "discuss",
        "hackers",
        "patches",
        "commits",
        "archive",
        "archives",
        "reply",
        "automated",
        "system",
        "calendar",
        "the",
        "weekly",
        "daily",
        "monthly",
    ]
)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-])*", re.UNICODE)


@lru_cache(maxsize=8192)
def greeting_name(display_name: str) -> str:
    """The first name of a human display name, or "" when the name is not clearly a person's.

    Handles "Last, First", titles ("Dr. Jane Doe" → Jane), initials ("J. Robert Oppenheimer" →
    Robert) and all-caps names ("JOHN SMITH" → John); refuses lists, teams, bots, single
    lower-case handles ("kernel") and single all-caps acronyms ("LKML").
    """
    name = _VIA.sub("", display_name or "")
    name = _COMMENT.sub(" ", name).strip().strip("'\"").strip()
    if not name or "@" in name or any(c.isdigit() for c in name) or len(name) > 80:
        return ""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}" if first and last and len(first.split()) <= 2 else ""
    tokens = [t.strip(".,;:!?") for t in name.split()]
    tokens = [t for t in tokens if t]
    if not tokens or any(t.lower().strip("'’.-") in NOT_HUMAN for t in tokens):
        return ""
    if any(not _WORD.fullmatch(t) for t in tokens):
        return ""
    all_caps = all(t.isupper() for t in tokens)
    while tokens and (tokens[0].lower() in _TITLES or tokens[0].lower() + "." in _TITLES):
        tokens.pop(0)
    while len(tokens) > 1 and _initial(tokens[0]):
        tokens.pop(0)
    if not tokens or _initial(tokens[0]):
        return ""
    first = tokens[0]
    if first.isupper() and len(first) > 1:
        if not all_caps or len(tokens) == 1:
            return ""  # an acronym ("LKML"), not a name
        first = first.title()
    elif first.islower():
        if len(tokens) == 1:
            return ""  # a handle ("kernel", "jdoe"), not a name
        first = first[:1].upper() + first[1:]
    return first


def _initial(token: str) -> bool:
    return len(token.rstrip(".")) <= 1


def greeting(display_name: str) -> str:
    """The opening line: "Hi Grace," or, without a human first name, "Hello,"."""
    first = greeting_name(display_name)
    return f"Hi {first}," if first else "Hello,"
