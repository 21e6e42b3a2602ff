"""Message snippets: the first words of a message, as private data kept small and inert.

A snippet is what a person glances at before answering ("Shall we plan a call after the
23rd?"). Connectors produce one only when `[privacy] snippets` allows it; this module makes any
provider's text safe to store and to show: no control or invisible characters, no quoted
history, one line, bounded length. Snippets are never logged.
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Longest snippet kept, in characters (Gmail's are ~200, Graph's bodyPreview up to 255).
MAX_CHARS = 200
_QUOTE_HEADER = re.compile(
    r"^(?:on\b.{0,200}\bwrote:?$|le\b.{0,200}\ba écrit\s*:?$|am\b.{0,200}\bschrieb\b.*$"
    r"|-{2,}\s*original message\s*-{2,}|-{2,}\s*forwarded message\s*-{2,}"
    # Lotus Notes: "------ Forwarded by Jeff Dasovich/NA/Enron on 05/14/2001 04:39 PM ------",
    # and the date line of its quoted-history block ("Tim Belden@ECT" / "05/14/2001 02:10 PM"
    # / "To: …" / "cc:" / "Subject: …").
    r"|-{2,}\s*forwarded by\b.*$|\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?$"
    r"|_{5,}$|from:\s.+$|de\s*:\s.+$|von:\s.+$)",
    re.IGNORECASE,
)
#: An attribution line ("On Mon, 9 Mar 2026, Ada wrote:"): before their own words it opens a
#: bottom-posted or inline reply (skip it and the quote); after them, the history.
_ATTRIBUTION = re.compile(
    r"^(?:on\b.{0,200}\bwrote:?$|le\b.{0,200}\ba écrit\s*:?$|am\b.{0,200}\bschrieb\b.*$)",
    re.IGNORECASE,
)
#: First characters of the lines `_QUOTE_HEADER` can match (and of the `-- ` signature line).
_QUOTE_STARTS = frozenset("oOlLaAfFdDvV-_0123456789")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|dearest|hallo|bonjour|chère|cher|ciao|hola|greetings|good "
    r"(?:morning|afternoon|evening))\b[^.!?\n]{0,40}[,!:]?$|^[^\s,]{1,30},$",
    re.IGNORECASE,
)
_GREETING_PREFIX = re.compile(
    r"^(?:hi|hello|hey|dear|hallo|bonjour|chère|cher|ciao|hola)\b[^,.!?\n]{0,40},\s+",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^(?:best|best wishes|best regards|kind regards|regards|warm regards|warmly|cheers|thanks"
    r"|thank you|many thanks|all the best|sincerely|yours|bien à vous|cordialement|merci"
    r"|mit freundlichen grüßen|viele grüße|liebe grüße|saludos|un saluto|cordiali saluti)\b"
    r"[^.?]{0,20}$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def clean(text: str, *, limit: int = MAX_CHARS) -> str:
    """One safe line from the start of a message's text (plain text in, plain text out).

    Drops quoted replies (`> …`, "On … wrote:" and what follows, or before their words what
    precedes: a bottom-posted or inline answer), forwarded or Notes-style quoted history, the
    signature after `-- `, an opening greeting line ("Dear Ada,"), control and format characters
    (bidi overrides, zero-width), and cuts at a word boundary with "…" past `limit` characters.
    """
    lines: list[str] = []
    kept = 0
    # The snippet comes from the first few hundred characters: the rest is never looked at.
    head = (text or "")[: 8 * limit]
    for raw in head.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line[:1] in _QUOTE_STARTS and (raw.rstrip() == "--" or _QUOTE_HEADER.match(line)):
            if not _said(lines) and _ATTRIBUTION.match(line):
                continue  # a bottom-posted or inline reply: their words follow the quote
            break
        if line.startswith(">"):
            continue
        lines.append(line)
        kept += len(line)
        if kept > 3 * limit:
            break  # enough to cut from; the rest of the message is never looked at
    while lines and not lines[0]:
        lines.pop(0)
    if lines and _GREETING.match(lines[0]):
        lines.pop(0)
    elif lines:
        lines[0] = _GREETING_PREFIX.sub("", lines[0], count=1)
    while len(lines) > 1 and (not lines[-1] or _sign_off(lines[-1])):
        lines.pop()  # "Best regards," / "Katherine Johnson" / "C." close the message, say nothing
    return bound(" ".join(lines), limit=limit)


def _said(lines: list[str]) -> bool:
    """Whether their own words began (beyond blank lines and an opening greeting)."""
    words = [line for line in lines if line]
    return len(words) > 1 or (len(words) == 1 and not _GREETING.match(words[0]))


def _sign_off(line: str) -> bool:
    """A closing line: a valediction, or a short name-like line ("Tim", "C.", "Mary S.")."""
    if _VALEDICTION.match(line):
        return True
    words = line.split()
    return (
        0 < len(words) <= 3
        and len(line) <= 40
        and line[-1] not in "!?:;,"
        and all(w[:1].isupper() for w in words)
    )


def bound(text: str, *, limit: int = MAX_CHARS) -> str:
    """Inert and short: printable characters only, whitespace collapsed, at most `limit`."""
    text = text[: 4 * limit]  # whitespace collapses, but never below a quarter
    if not text.isprintable():  # only "other" and separator characters need the slow path
        text = "".join(
            c if unicodedata.category(c)[0] not in "CZ" or c == " " else " " for c in text
        )
    one_line = _SPACES.sub(" ", text).strip()
    # Placeholder brackets in someone's text must never block (or fake) a draft's approval.
    one_line = one_line.replace("[[", "[ [").replace("]]", "] ]")
    if len(one_line) <= limit:
        return one_line
    cut = one_line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


_INLINE_QUOTE = re.compile(
    r"\s(?:On\s.{4,200}?\swrote:|Le\s.{4,200}?\sa écrit\s?:|Am\s.{4,200}?\sschrieb\b"
    r"|-{2,}\s*Original Message\s*-{2,}|From:\s.{1,200}?\sSent:)",
)


def from_provider(text: str, *, limit: int = MAX_CHARS) -> str:
    """A provider's own preview (Gmail `snippet` is HTML-escaped; Graph `bodyPreview` is not).

    Previews are flattened to one line, so a quoted reply ("On … wrote:") is cut inline.
    """
    flat = html.unescape(text or "")
    quote = _INLINE_QUOTE.search(flat)
    return clean(flat[: quote.start()] if quote else flat, limit=limit)
