"""The first words of a local message's text, from a bounded prefix of its body.

Called only when `[privacy] snippets` is on, with at most `BODY_PREFIX` bytes that the reader
already holds (no extra I/O): the first text part of the message is found by its MIME boundary,
decoded (quoted-printable, base64, 7/8-bit, its charset) and handed to `keepwarm.snippets.clean`.
Anything unusual (an attachment first, a broken boundary, an unknown encoding) yields "" rather
than an error or a slow path: a snippet is a nicety, never a reason to quarantine.
"""

from __future__ import annotations

import binascii
import html
import re

from keepwarm.snippets import clean

#: Body bytes a reader passes in; the snippet is cut long before this.
BODY_PREFIX = 2048
_PARAM = re.compile(rb';\s*([a-z-]+)\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_TAGS = re.compile(r"<(?:style|script)\b.*?(?:</(?:style|script)>|$)|<[^>]*>", re.S | re.I)
_BLOCK = re.compile(r"<(?:br|p|div|tr|li|h\d)\b[^>]*>", re.I)
_MAX_DEPTH = 3


def body_snippet(content_type: str, encoding: str, body: bytes) -> str:
    """The snippet of a message whose header gave `content_type` and transfer `encoding`."""
    if not body:
        return ""
    text = _text(content_type.encode("latin-1", "replace"), encoding.encode("latin-1", "replace"),
                 body[:BODY_PREFIX], 0)  # fmt: skip
    return clean(text) if text else ""


def _text(content_type: bytes, encoding: bytes, body: bytes, depth: int) -> str:
    main = content_type.split(b";", 1)[0].strip().lower() or b"text/plain"
    params = {m.group(1).lower(): m.group(2) or m.group(3) for m in _PARAM.finditer(content_type)}
    if main.startswith(b"multipart/"):
        boundary = params.get(b"boundary")
        return _first_part(boundary, body, depth) if boundary and depth < _MAX_DEPTH else ""
    if main not in (b"text/plain", b"text/html"):
        return ""
    raw = _decode(encoding.strip().lower(), body)
    charset = (params.get(b"charset") or b"utf-8").decode("ascii", "replace").lower()
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    return _plain(text) if main == b"text/html" else text


def _first_part(boundary: bytes, body: bytes, depth: int) -> str:
    """The first text found in the parts of a multipart body (nested ones too)."""
    delimiter = b"--" + boundary
    pieces = body.split(delimiter)
    html_found = ""
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break  # the closing delimiter
        head, blank, content = _split_part(piece)
        if not blank:
            continue
        ctype, cte = _part_headers(head)
        found = _text(ctype, cte, content, depth + 1)
        if not found:
            continue
        if ctype.split(b";", 1)[0].strip().lower() == b"text/html":
            html_found = html_found or found  # keep looking for a text/plain alternative
            continue
        return found
    return html_found


def _split_part(piece: bytes) -> tuple[bytes, bool, bytes]:
    """A part after its delimiter: (its headers, whether they ended, its content)."""
    _, newline, rest = piece.partition(b"\n")  # the rest of the delimiter line
    if not newline:
        return b"", False, b""
    for empty in (b"\r\n", b"\n"):
        if rest.startswith(empty):
            return b"", True, rest[len(empty) :]
    for blank in (b"\r\n\r\n", b"\n\n"):
        at = rest.find(blank)
        if at >= 0:
            return rest[:at], True, rest[at + len(blank) :]
    return rest, False, b""


def _part_headers(head: bytes) -> tuple[bytes, bytes]:
    ctype, cte = b"text/plain", b""
    current = b""
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and current:
            if current == b"content-type":
                ctype += b" " + line.strip()
            continue
        name, _, value = line.partition(b":")
        current = name.strip().lower()
        if current == b"content-type":
            ctype = value.strip()
        elif current == b"content-transfer-encoding":
            cte = value.strip()
    return ctype, cte


def _decode(encoding: bytes, body: bytes) -> bytes:
    try:
        if encoding == b"quoted-printable":
            return binascii.a2b_qp(body)
        if encoding == b"base64":
            lines = body.split()
            usable = b"".join(lines)
            return binascii.a2b_base64(usable[: len(usable) // 4 * 4])
    except (binascii.Error, ValueError):
        return b""
    return body


def _plain(markup: str) -> str:
    """Readable text from the start of an HTML part (tags dropped, entities decoded)."""
    return html.unescape(_TAGS.sub(" ", _BLOCK.sub("\n", markup)))
