"""What the files connector checks before it opens anything, and how it names what it read.

- Only regular files are opened: a FIFO would block the sync forever, a device (`/dev/zero`,
  also behind a symlink) never ends. Special files are skipped, or quarantined when named.
- File names that are not UTF-8 arrive as lone surrogates (`surrogateescape`); they cannot be
  stored or printed, so every name that leaves the connector is `printable` (`\\udcff` -> `\\xff`).
  The mapping is deterministic, so a stream's stored cursor is found again on the next run.
- Calendars are read whole, so they are capped (`MAX_CALENDAR_BYTES`); mail is never read whole.
"""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Page

#: A calendar larger than this is quarantined instead of parsed (a year of a busy calendar is a
#: few MB).
MAX_CALENDAR_BYTES = 64 << 20
#: Bytes sniffed to tell mail from binary files (archives, images, databases).
SNIFF_BYTES = 4096


def printable(text: str) -> str:
    """`text` with undecodable bytes of a file name shown as `\\xNN` (idempotent)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def special_file(path: Path) -> str | None:
    """Why `path` must not be opened (a FIFO, a device, a socket), or None for a regular file.

    `stat` follows symlinks, so a link to `/dev/zero` is a device too. A missing file or one
    that cannot be examined is left to the reader, which reports why."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = (
        "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a regular file"
    )  # fmt: skip
    return f"{printable(str(path))} is {kind}, not a mail or calendar file; skipped"


def looks_binary(start: bytes) -> bool:
    """Whether the first bytes of a file are binary data (mail and calendars have no NUL)."""
    return b"\x00" in start


def _interaction(item: Interaction) -> Interaction:
    source = printable(item.source)
    return item if source is item.source else replace(item, source=source)


def _quarantined(item: Quarantined) -> Quarantined:
    return Quarantined(printable(item.source), printable(item.position), printable(item.reason))


def printable_page(page: Page) -> Page:
    """`page` with every file name in it printable and storable (the same page when it was)."""
    stream = printable(page.stream)
    interactions = tuple(_interaction(i) for i in page.interactions)
    quarantined = tuple(_quarantined(q) for q in page.quarantined)
    summary = {k: printable(v) if isinstance(v, str) else v for k, v in page.summary.items()}
    changed = (
        stream != page.stream
        or any(a is not b for a, b in zip(interactions, page.interactions, strict=True))
        or quarantined != page.quarantined
        or summary != dict(page.summary)
    )
    if not changed:
        return page
    return Page(stream, interactions, quarantined, page.cursor, summary)
