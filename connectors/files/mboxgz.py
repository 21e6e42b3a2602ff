"""gzip-compressed mbox files, as public-inbox serves them (lore's `t.mbox.gz`, `all.mbox.gz`).

Read as they are, without unpacking them on disk: decompressed as a stream through the same
bounded header scanner as plain mbox files. A compressed file cannot be appended to and resumed
at a byte offset, so it is read again whole whenever its size or time changes (the store upserts:
nothing is duplicated). Only the last page carries the cursor, so an interrupted read starts over.

Cursor: `{"size", "mtime_ns", "messages", "quarantined"}`.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from connectors.files.mailparse import Unusable, parse_header_block
from connectors.files.mboxscan import scan
from connectors.files.snippet import BODY_PREFIX
from connectors.files.streams import (
    PAGE_SIZE,
    mail_stream,
    os_reason,
    problem_page,
    summary,
)
from keepwarm.collector import collector_paused
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

GZIP_MAGIC = b"\x1f\x8b"


def gzip_head(start: bytes, size: int = 64) -> bytes:
    """The first decompressed bytes of a gzip file whose first bytes are `start` (b"" if none)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(start, size)
    except zlib.error:
        return b""


def read_gzip_mbox(path: Path, cursor: Cursor | None, *, snippets: bool = False) -> Iterator[Page]:
    """Pages of the messages in a gzip-compressed mbox; nothing when the file did not change."""
    stream = mail_stream(path)
    try:
        stat = path.stat()
    except OSError as exc:
        yield problem_page(stream, path, os_reason(exc, path))
        return
    if cursor and (cursor.get("size"), cursor.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns):
        return
    messages = quarantined = position = 0
    source, prefix = str(path), f"{path}#"
    bodies: dict[int, bytes] | None = {} if snippets else None
    try:
        with gzip.open(path, "rb") as f:
            raws = scan(f, 0, sys.maxsize, bodies, BODY_PREFIX)  # type: ignore[arg-type]
            while True:
                interactions: list[Interaction] = []
                problems: list[Quarantined] = []
                with collector_paused():
                    for start, end, header in islice(raws, PAGE_SIZE):
                        where = f"offset {start} (message {messages + quarantined + 1})"
                        body = bodies.pop(start, b"") if bodies else b""
                        try:
                            interactions.append(parse_header_block(header, prefix + where, body))
                            messages += 1
                        except Unusable as exc:
                            problems.append(Quarantined(source, where, str(exc)))
                            quarantined += 1
                        position = end
                last = len(interactions) + len(problems) < PAGE_SIZE
                done: Cursor | None = {
                    "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                    "messages": messages, "quarantined": quarantined,
                } if last else None  # fmt: skip
                yield Page(stream, tuple(interactions), tuple(problems), done,
                           summary(path, "mbox.gz", messages, quarantined))  # fmt: skip
                if last:
                    return
    except (OSError, EOFError, zlib.error) as exc:
        reason = f"cannot decompress {path} after {position} bytes: {exc} (is the download complete?)"
        yield Page(stream, quarantined=(Quarantined(source, f"offset {position}", reason),))
