"""Maildir folders and single .eml files: one message per file.

A Maildir message is known by its unique name before `:`; what follows holds flags that change
when the mail is read or answered, which is not new mail. The cursor keeps the keys already read
(those still present, so deletions shrink it), and only unseen keys are opened.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from connectors.files.mailparse import Unusable, parse_header_block
from connectors.files.parallel import ordered_map
from connectors.files.safety import printable
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

_READ = 16 * 1024  # most header blocks fit; longer ones are read on
_MAX_HEADER = 1 << 20
#: Above this many new messages, files are read and parsed on every core.
PARALLEL_FILES = 4000


def read_header(path: Path, *, body: bool = False) -> tuple[bytes, bytes]:
    """The header block of a message file, reading no further than its first blank line, and
    (with `body`) the start of the body that came with the same reads."""
    with path.open("rb") as f:
        data = f.read(_READ)
        while b"\n\n" not in data and b"\r\n\r\n" not in data and len(data) < _MAX_HEADER:
            more = f.read(_READ)
            if not more:
                break
            data += more
    header = header_of(data)
    return header, body_of(data, header) if body else b""


def body_of(data: bytes, header: bytes) -> bytes:
    """At most `BODY_PREFIX` bytes of the body that follows `header` in `data`."""
    rest = data[len(header) :]
    rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:] if rest.startswith(b"\n") else rest
    return rest[:BODY_PREFIX]


def header_of(data: bytes) -> bytes:
    """Bytes up to and including the last header line (all of `data` when there is no blank line)."""
    end, end_crlf = data.find(b"\n\n"), data.find(b"\r\n\r\n")
    if end_crlf >= 0 and (end < 0 or end_crlf < end):
        return data[: end_crlf + 2]
    return data[: end + 1] if end >= 0 else data


def maildir_keys(folder: Path) -> dict[str, str]:
    """Unique key -> path relative to the folder (`cur/…` wins over `new/…` for one key)."""
    keys: dict[str, str] = {}
    for sub in ("new", "cur"):
        try:
            entries = os.scandir(folder / sub)
        except FileNotFoundError:
            continue
        with entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file():
                    # A non-UTF-8 name is keyed printably, so the cursor can store it.
                    keys[printable(entry.name.split(":", 1)[0])] = f"{sub}/{entry.name}"
    return keys


def mh_keys(folder: Path) -> dict[str, str]:
    """Numbered message files of an MH folder (`1`, `2`… in MH/nmh and Claws Mail; `1.`, `2.`
    in the Enron corpus): name -> name. Each file is one message that never changes."""
    keys: dict[str, str] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if is_mh_name(entry.name) and entry.is_file():
                keys[entry.name] = entry.name
    return keys


def is_mh_name(name: str) -> bool:
    digits = name[:-1] if name.endswith(".") else name
    return digits.isdigit() and digits.isascii()


def read_mh(folder: Path, cursor: Cursor | None, *, snippets: bool = False) -> Iterator[Page]:
    """Pages of the messages in an MH folder that earlier pulls have not seen (one stream per
    folder, like a Maildir: a tree of 30,000 numbered files is not 30,000 streams)."""
    return read_maildir(folder, cursor, snippets=snippets, keys=mh_keys, fmt="mh")


def read_maildir(
    folder: Path,
    cursor: Cursor | None,
    *,
    snippets: bool = False,
    keys: Callable[[Path], dict[str, str]] = maildir_keys,
    fmt: str = "maildir",
) -> Iterator[Page]:
    """Pages of the messages in a Maildir folder that earlier pulls have not seen."""
    stream = mail_stream(folder)
    try:
        present = keys(folder)
    except OSError as exc:
        yield problem_page(stream, folder, os_reason(exc, folder))
        return
    stored = cursor.get("seen") if cursor else None
    seen = {k for k in stored if isinstance(k, str)} if isinstance(stored, list) else set()
    kept = seen & present.keys()
    seen_sorted = sorted(kept)
    unseen = sorted(present.keys() - seen)
    if not unseen and kept == seen:
        return
    messages, quarantined = count(cursor, "messages"), count(cursor, "quarantined")
    source = str(folder)
    pages = [
        unseen[first : first + PAGE_SIZE] for first in range(0, max(len(unseen), 1), PAGE_SIZE)
    ]
    work = (
        [(folder / present[k], f"{folder}#{present[k]}", snippets) for k in page] for page in pages
    )
    results = ordered_map("read_and_parse", work, parallel=len(unseen) > PARALLEL_FILES)
    for page, parsed in zip(pages, results, strict=True):
        interactions: list[Interaction] = []
        problems: list[Quarantined] = []
        done: list[str] = []
        with collector_paused():
            for key, result in zip(page, parsed, strict=True):
                relative = present[key]
                if isinstance(result, FileNotFoundError):
                    continue  # moved by a mail client while we listed; the next pull finds it
                if isinstance(result, OSError):
                    # Reported, but not marked seen: it is read again once it is readable.
                    problems.append(Quarantined(source, relative, os_reason(result, relative)))
                    continue
                if isinstance(result, str):
                    problems.append(Quarantined(source, relative, result))
                    quarantined += 1
                else:
                    interactions.append(result)
                    messages += 1
                done.append(key)
        # Both runs are sorted, so this is a linear merge (Timsort), not a fresh sort per page.
        seen_sorted = sorted(seen_sorted + done)
        yield _page(stream, folder, interactions, problems, seen_sorted, messages, quarantined, fmt)


def _page(
    stream: str,
    folder: Path,
    interactions: list[Interaction],
    problems: list[Quarantined],
    seen: list[str],
    messages: int,
    quarantined: int,
    fmt: str = "maildir",
) -> Page:
    cursor = {"seen": seen, "messages": messages, "quarantined": quarantined}
    return Page(
        stream,
        tuple(interactions),
        tuple(problems),
        cursor,
        summary(folder, fmt, messages, quarantined),
    )


def read_eml(path: Path, cursor: Cursor | None, *, snippets: bool = False) -> Iterator[Page]:
    """The single message in an .eml file, re-read only when the file's content changed.

    Only the header block is read (at most 1 MB, like mbox and Maildir), and only it is hashed:
    a change in the body is not a change keepwarm can see. With `snippets`, the start of the
    body that came with the same reads gives the snippet."""
    stream = mail_stream(path)
    try:
        stat = path.stat()
        if (
            cursor
            and cursor.get("size") == stat.st_size
            and cursor.get("mtime_ns") == (stat.st_mtime_ns)
        ):
            return
        header, body = read_header(path, body=snippets)
    except OSError as exc:
        yield problem_page(stream, path, os_reason(exc, path))
        return
    digest = hashlib.sha256(header).hexdigest()
    new_cursor: Cursor = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    if cursor and cursor.get("sha256") == digest:  # touched, not changed
        messages, quarantined = count(cursor, "messages"), count(cursor, "quarantined")
        new_cursor.update(messages=messages, quarantined=quarantined)
        yield Page(stream, cursor=new_cursor, summary=summary(path, "eml", messages, quarantined))
        return
    name = path.name
    interactions: tuple[Interaction, ...] = ()
    problems: tuple[Quarantined, ...] = ()
    try:
        interactions = (parse_header_block(header, f"{path}#{name}", body),)
    except Unusable as exc:
        problems = (Quarantined(str(path), name, str(exc)),)
    new_cursor.update(messages=len(interactions), quarantined=len(problems))
    yield Page(
        stream,
        interactions,
        problems,
        new_cursor,
        summary(path, "eml", len(interactions), len(problems)),
    )
