"""Placeholders: the one marked spot in a draft that a human must fill in before it may leave.

The syntax is `[[what to write]]`: double brackets never occur in real subjects (list tags such
as `[PATCH v3 06/21]` use single ones) and are not Jinja syntax. Pure: the queue derives a
draft's placeholders from its current text, so an edit that fills them in is all it takes.
"""

from __future__ import annotations

import re

#: `[[...]]` on one line, at most 200 characters inside.
PLACEHOLDER = re.compile(r"\[\[([^\[\]\r\n]{1,200})\]\]")
#: What templates shipped before this syntax existed: copies of them in users' rule folders
#: must not slip through approval either.
LEGACY = ("[add the article, introduction or idea here]", "[one line of news]", "[add them here]")
_LEGACY = re.compile("|".join(rf"(?<!\[){re.escape(old)}(?!\])" for old in LEGACY))


def find(*texts: str) -> list[str]:
    """Every placeholder in the texts, as written (`[[one line of news]]`), first seen first."""
    found: list[str] = []
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            if match.group(0) not in found:
                found.append(match.group(0))
        found += [m.group(0) for m in _LEGACY.finditer(text or "") if m.group(0) not in found]
    return found


def neutralise(value: str) -> str:
    """Data that flows into a draft (a subject, a snippet) must not look like a placeholder."""
    if "[[" not in value and "]]" not in value:
        return value
    return value.replace("[[", "[ [").replace("]]", "] ]")


def reason(rule: str, found: list[str], draft_id: int | None = None) -> str:
    """Why a draft cannot be approved yet, and how to fix it (after "draft N cannot be
    approved: ")."""
    listed = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    what = "a placeholder" if len(found) == 1 else f"{len(found)} placeholders"
    edit = f"`keepwarm edit {draft_id}`" if draft_id is not None else "`keepwarm edit`"
    return (
        f"it still has {what} to fill in: {listed} (left by rule {rule}); replace "
        f"{'it' if len(found) == 1 else 'them'} with your text ({edit} or the web editor), "
        "then approve"
    )


def refusal(draft_id: int, rule: str, found: list[str]) -> str:
    """The whole refusal: "draft 7 cannot be approved: it still has a placeholder …"."""
    return f"draft {draft_id} cannot be approved: {reason(rule, found, draft_id)}"
