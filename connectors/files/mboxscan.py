"""A byte-level mbox splitter that reads only header blocks and skips bodies in bounded memory.

A message starts with a `From ` line at the start of the scanned region or after a blank line
(mboxrd `>From ` quoting is body content and never matters here). The file is read in chunks
with plain `read()` calls rather than mapped: a mail client that truncates the mbox while we read
would kill the process with SIGBUS through an mmap, but only shortens a read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

CHUNK = 4 << 20
#: A "header" without a blank line within this many bytes is treated as ending here.
MAX_HEADER = 1 << 20


#: (start offset, end offset, header block): one message's place in the file and its header
#: bytes (before the first blank line). A plain tuple: this is built once per message.
RawMessage = tuple[int, int, bytes]


class _Buffer:
    """File bytes [base, base + len(data)) plus how much of the region is still unread."""

    def __init__(self, f: BinaryIO, start: int, end: int) -> None:
        f.seek(start)
        self.f = f
        self.base = start
        self.data = b""
        self.left = end - start

    def more(self) -> bool:
        if self.left <= 0:
            return False
        chunk = self.f.read(min(CHUNK, self.left))
        if not chunk:  # the file shrank under us: stop at what exists
            self.left = 0
            return False
        self.left -= len(chunk)
        self.data += chunk
        return True

    def drop(self, upto: int) -> None:
        """Forget bytes before index `upto` (indexes shift down by `upto`)."""
        if upto > 0:
            self.data = self.data[upto:]
            self.base += upto

    def find(self, needle: bytes, start: int, limit: int | None = None) -> int:
        """Index of `needle` at or after `start`, reading more as needed; -1 at the end."""
        searched = start
        while True:
            hit = self.data.find(needle, searched)
            if hit >= 0:
                return hit
            if limit is not None and len(self.data) - start >= limit:
                return -1
            searched = max(start, len(self.data) - len(needle) + 1)
            if not self.more():
                return -1


def scan(
    f: BinaryIO, start: int, end: int, bodies: dict[int, bytes] | None = None, body_bytes: int = 0
) -> Iterator[RawMessage]:
    """Yield the messages in the file region [start, end), which must begin at a `From ` line.

    With `bodies`, the first `body_bytes` of each body that are already in memory are put in it
    under the message's start offset (for snippets; no extra reads).
    """
    buf = _Buffer(f, start, end)
    buf.more()
    crlf = _is_crlf(buf)
    blank = b"\r\n\r\n" if crlf else b"\n\n"
    separator = blank + b"From "
    half = len(blank) // 2
    pos = 0
    while pos < len(buf.data) or buf.more():
        if pos >= CHUNK:  # compact now and then, not per message: slicing copies the buffer
            buf.drop(pos)
            pos = 0
        data = buf.data
        start_at = buf.base + pos
        line_end = data.find(b"\n", pos)
        if line_end < 0:
            line_end = buf.find(b"\n", pos)
            if line_end < 0:  # a lone separator line at the end of the file
                yield (start_at, buf.base + len(buf.data), b"")
                return
        header_start = line_end + 1 if buf.data.startswith(b"From ", pos) else pos
        header_end = buf.data.find(blank, line_end - half + 1)
        if header_end < 0:
            header_end = buf.find(blank, line_end - half + 1, MAX_HEADER)
        if header_end < 0 or header_end - header_start > MAX_HEADER:
            limit = min(len(buf.data), header_start + MAX_HEADER)
            header = buf.data[header_start:limit]
            search_from = limit
        else:
            header = buf.data[header_start : header_end + half]
            search_from = header_end
            if bodies is not None:
                begins = header_end + len(blank)
                prefix = buf.data[begins : begins + body_bytes]
                cut = prefix.find(separator[len(blank) // 2 :])  # the next message's `From `
                bodies[start_at] = prefix if cut < 0 else prefix[:cut]
        following = _skip_body(buf, separator, search_from)
        if following < 0:
            yield (start_at, buf.base + len(buf.data), header)
            return
        pos = following + len(blank)
        yield (start_at, buf.base + pos, header)


def _skip_body(buf: _Buffer, separator: bytes, start: int) -> int:
    """Index of the next separator, dropping body bytes as it goes so memory stays bounded."""
    while True:
        hit = buf.data.find(separator, start)
        if hit >= 0 or buf.left <= 0:
            return hit
        keep_from = max(start, len(buf.data) - len(separator) + 1)
        buf.drop(keep_from)  # body bytes only: the header was copied out already
        start = 0
        if not buf.more():
            return -1


def _is_crlf(buf: _Buffer) -> bool:
    line_end = buf.data.find(b"\n")
    return line_end > 0 and buf.data[line_end - 1 : line_end] == b"\r"
