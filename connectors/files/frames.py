"""Length-prefixed frames over a pipe: how `parallel` and `parseworker` talk."""

from __future__ import annotations

from typing import BinaryIO


def read_frame(stream: BinaryIO) -> bytes | None:
    """One length-prefixed frame, or None at the end of the stream."""
    head = _exactly(stream, 8)
    if head is None:
        return None
    body = _exactly(stream, int.from_bytes(head, "big"))
    if body is None:
        raise EOFError("frame cut short")
    return body


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "big"))
    stream.write(data)
    stream.flush()


def _exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None if left == size else b"".join(chunks)
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
