"""Subjects as people read them: the topic without `Re:`/`Fwd:` and list tags, and reply subjects.

Pure. The stored subject is always kept verbatim (a reply quotes it as it is); templates talk
about the *topic*, so "Thank you for the exchange about Re: [PATCH v3 06/21] mm: …" never happens.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Reply markers mail clients write (English, German, Nordic, Dutch, French, Italian, Polish,
#: Spanish/Portuguese, Chinese), with Outlook's optional counters (`Re[2]:`, `RE (3):`).
_REPLY = r"re|aw|sv|vs|antw|antwort|ref|réf|rif|odp|res"
_FORWARD = r"fwd?|wg|tr|rv|enc|doorst|vl|pd|i"
_COUNTER = r"(?:\s*\[\d{1,3}\]|\s*\(\d{1,3}\))?"
_MARKER = re.compile(
    rf"^\s*(?:(?:{_REPLY}|{_FORWARD}){_COUNTER}\s*[:：]|回复[:：]|答复[:：]|转发[:：]|回覆[:：]|轉寄[:：])",
    re.IGNORECASE,
)
_REPLY_MARKER = re.compile(
    rf"^\s*(?:(?:{_REPLY}){_COUNTER}\s*[:：]|回复[:：]|答复[:：]|回覆[:：])", re.IGNORECASE
)
#: A list or project tag at the start: `[PATCH v3 06/21]`, `[Python-Dev]`, `[EXTERNAL]`.
_TAG = re.compile(r"^\s*\[[^\[\]\r\n]{1,80}\]")
_TRAILING_FORWARD = re.compile(r"\s*\((?:fwd?|fw)\)\s*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
#: A topic is a phrase in a sentence: longer subjects are cut at a word, with "…".
MAX_TOPIC = 90


@lru_cache(maxsize=8192)
def topic(subject: str) -> str:
    """What a thread is about: prefixes and list tags stripped, whitespace collapsed; may be ""."""
    text = _SPACES.sub(" ", subject or "").strip()
    while True:
        stripped = _MARKER.sub("", text, count=1)
        stripped = _TAG.sub("", stripped, count=1)
        if stripped == text:
            break
        text = stripped.strip()
    text = _TRAILING_FORWARD.sub("", text).strip()
    # A subject that was only punctuation around a prefix ("Re: -") has no topic either.
    if not any(c.isalnum() for c in text):
        return ""
    if len(text) > MAX_TOPIC:
        cut = text[: MAX_TOPIC - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > MAX_TOPIC // 2 else cut).rstrip(" ,;:-") + "…"
    return text


def reply_subject(subject: str) -> str:
    """`Re: <their subject verbatim>`, or their subject as is when it already is a reply.

    Mail clients do not stack markers (RFC 5322 §3.6.5): "RE: Budget" is answered as
    "RE: Budget". Only line breaks and tabs are flattened, so the value is one header line.
    """
    text = " ".join((subject or "").splitlines()).replace("\t", " ").strip()
    if _REPLY_MARKER.match(text):
        return text
    return f"Re: {text}" if text else "Re:"
