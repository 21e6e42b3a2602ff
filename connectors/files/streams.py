"""What every file-backed stream shares: names, page size, summaries and quarantine pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keepwarm.models import Quarantined
from keepwarm.ports import Cursor, Page

#: Messages (ingested or quarantined) per page, so the store commits progress on big mailboxes.
PAGE_SIZE = 2_000


def mail_stream(path: Path) -> str:
    return f"mail:{path}"


def calendar_stream(path: Path) -> str:
    return f"calendar:{path}"


def summary(path: Path, fmt: str, count: int, quarantined: int) -> dict[str, Any]:
    """The `keepwarm status` view of a stream: cumulative totals for the file so far."""
    unit = "events" if fmt == "ics" else "messages"
    return {"path": str(path), "format": fmt, unit: count, "quarantined": quarantined}


def count(cursor: Cursor | None, key: str) -> int:
    """A counter from a stored cursor, tolerating cursors written by another version."""
    value = cursor.get(key, 0) if cursor else 0
    return value if isinstance(value, int) else 0


def problem_page(stream: str, source: Path, reason: str, position: str = "") -> Page:
    """A stream that could not be read at all: report it and leave its cursor alone."""
    return Page(stream=stream, quarantined=(Quarantined(str(source), position, reason),))


def os_reason(exc: OSError, path: Path | str) -> str:
    """A user-facing reason for a filesystem error, with what to do about it."""
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {path}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {path} (make it readable by the user running keepwarm)"
    return f"cannot read {path}: {exc.strerror or exc}"
