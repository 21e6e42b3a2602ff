"""Incremental mbox reading: resume at a byte offset when the file only grew.

Cursor: `{"size", "mtime_ns", "offset", "head", "messages", "quarantined"}`. `head` is the SHA-1
of the first min(4096, size) bytes, so an mbox that was rewritten (compacted, messages deleted)
is recognised and re-read from the start; the store upserts, so a re-read never duplicates.
Pages carry `size = offset` until the end of the file, so a crash mid-file resumes where the last
committed page stopped instead of believing the file was finished.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from connectors.files.mboxscan import RawMessage, scan
from connectors.files.parallel import PARALLEL_BYTES, ordered_map
from connectors.files.snippet import BODY_PREFIX
from connectors.files.streams import (
    PAGE_SIZE,
    count,
    mail_stream,
    os_reason,
    problem_page,
    summary,
)
from keepwarm.collector import collector_paused
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

HEAD_BYTES = 4096


def _head(f: BinaryIO, length: int) -> str:
    f.seek(0)
    return hashlib.sha1(f.read(min(HEAD_BYTES, length)), usedforsecurity=False).hexdigest()


def _resume_offset(f: BinaryIO, size: int, cursor: Cursor | None) -> int:
    """Where to continue reading: the stored offset when the file only grew, else 0."""
    if not cursor:
        return 0
    old_size, offset, head = cursor.get("size"), cursor.get("offset"), cursor.get("head")
    if not (isinstance(old_size, int) and isinstance(offset, int) and isinstance(head, str)):
        return 0
    if size <= old_size or not 0 < offset <= old_size or _head(f, old_size) != head:
        return 0
    f.seek(offset)
    return offset if f.read(5) == b"From " else 0


def read_mbox(path: Path, cursor: Cursor | None, *, snippets: bool = False) -> Iterator[Page]:
    """Pages of the messages added to the mbox at `path` since `cursor`; nothing if unchanged.

    `snippets`: also keep the first words of each message (from bytes already read)."""
    stream = mail_stream(path)
    try:
        f = path.open("rb")  # held open across yields; closed by the `with` below
    except OSError as exc:
        yield problem_page(stream, path, os_reason(exc, path))
        return
    with f:
        try:
            stat = os.fstat(f.fileno())
            size, mtime = stat.st_size, stat.st_mtime_ns
            if cursor and cursor.get("size") == size and cursor.get("mtime_ns") == mtime:
                return
            offset = _resume_offset(f, size, cursor)
        except OSError as exc:
            yield problem_page(stream, path, os_reason(exc, path))
            return
        messages = count(cursor, "messages") if offset else 0
        quarantined = count(cursor, "quarantined") if offset else 0
        position = offset
        source = str(path)
        bodies: dict[int, bytes] | None = {} if snippets else None
        raws = scan(f, offset, size, bodies, BODY_PREFIX)
        pending: deque[tuple[list[tuple[int, int, int]], OSError | None]] = deque()
        payloads = _payloads(raws, f"{path}#", messages + quarantined, pending, bodies)
        big = size - offset > PARALLEL_BYTES
        for parsed in ordered_map("parse_blocks", payloads, parallel=big):
            entries, error = pending.popleft()
            interactions: list[Interaction] = []
            problems: list[Quarantined] = []
            with collector_paused():
                for (start, end, number), result in zip(entries, parsed, strict=True):
                    if isinstance(result, str):
                        where = f"offset {start} (message {number})"
                        problems.append(Quarantined(source, where, result))
                        quarantined += 1
                    else:
                        interactions.append(result)
                        messages += 1
                    position = end
            new_cursor: Cursor | None = None
            more = False
            if error is not None:
                problems.append(Quarantined(source, f"offset {position}", os_reason(error, path)))
            else:
                try:
                    # Mid-file pages record `size = offset`: a crash resumes from the last commit.
                    new_cursor = _cursor(f, position, mtime, messages, quarantined)
                    more = len(entries) == PAGE_SIZE and position < size
                except OSError as exc:  # keep the stored position; retry next run
                    problems.append(Quarantined(source, f"offset {position}", os_reason(exc, path)))
            yield Page(
                stream,
                tuple(interactions),
                tuple(problems),
                new_cursor,
                summary(path, "mbox", messages, quarantined),
            )
            if not more:
                return


def _payloads(
    raws: Iterator[RawMessage],
    prefix: str,
    numbered: int,
    pending: deque[tuple[list[tuple[int, int, int]], OSError | None]],
    bodies: dict[int, bytes] | None,
) -> Iterator[list[tuple[bytes, str, bytes]]]:
    """Pages of (header block, source, body start) to parse; each page's positions go to
    `pending`. Always at least one (possibly empty) page, so an unchanged read still moves the
    cursor. A read error ends the pages, with the error recorded for the page it interrupted.
    """
    while True:
        entries: list[tuple[int, int, int]] = []
        blocks: list[tuple[bytes, str, bytes]] = []
        error: OSError | None = None
        try:
            for start, end, header in islice(raws, PAGE_SIZE):
                numbered += 1
                entries.append((start, end, numbered))
                body = _unquoted(bodies.pop(start, b"")) if bodies else b""
                blocks.append((header, f"{prefix}offset {start} (message {numbered})", body))
        except OSError as exc:
            error = exc
        pending.append((entries, error))
        yield blocks
        if error is not None or len(entries) < PAGE_SIZE:
            return


def _unquoted(body: bytes) -> bytes:
    """Body lines an mbox stored as `>From ` (mboxo/mboxrd quoting) are `From ` lines."""
    if b">From " not in body:
        return body
    body = body.replace(b"\n>From ", b"\nFrom ")
    return body[1:] if body.startswith(b">From ") else body


def _cursor(f: BinaryIO, offset: int, mtime: int, messages: int, quarantined: int) -> Cursor:
    where = f.tell()
    head = _head(f, offset)
    f.seek(where)
    return {
        "size": offset,
        "mtime_ns": mtime,
        "offset": offset,
        "head": head,
        "messages": messages,
        "quarantined": quarantined,
    }
