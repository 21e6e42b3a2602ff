"""Builders for the files connector's test inputs: messages, mbox files, Maildirs and calendars.

Everything is generated text written under `tmp_path`, shaped after real-world quirks (encoded
names, group syntax, Outlook time zones) without copying anyone's sample files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from connectors.files import FilesConnector
from keepwarm.ports import Cursor, Page

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))


def message(
    *,
    sender: str | None = "Grace Hopper <grace@navy.example>",
    to: str | None = "Ada Lovelace <ada@analytical.example>",
    subject: str = "Compilers",
    date: str | None = "Mon, 02 Mar 2026 10:00:00 +0100",
    message_id: str | None = "<m1@navy.example>",
    extra: Sequence[str] = (),
    body: str = "Hello Ada,\n\nsee you Tuesday.\n",
    newline: str = "\n",
) -> bytes:
    """One RFC 5322 message; `None` leaves a header out, `extra` adds raw header lines."""
    lines = []
    if sender is not None:
        lines.append(f"From: {sender}")
    if to is not None:
        lines.append(f"To: {to}")
    lines.append(f"Subject: {subject}")
    if date is not None:
        lines.append(f"Date: {date}")
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    lines += ["MIME-Version: 1.0", *extra]
    if not any(line.lower().startswith("content-type:") for line in extra):
        lines.append('Content-Type: text/plain; charset="utf-8"')
    text = newline.join(lines) + newline + newline + body.replace("\n", newline)
    return text.encode("utf-8")


def mbox(messages: Iterable[bytes]) -> bytes:
    """Messages joined as an mbox (mboxrd: body lines starting `From ` are quoted)."""
    out = []
    for raw in messages:
        header, _, body = raw.partition(b"\n\n")
        body = b"\n".join(
            b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n")
        )
        entry = b"From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n" + header + b"\n\n" + body
        out.append(entry if entry.endswith(b"\n") else entry + b"\n")
    return b"\n".join(out) + b"\n"


def write_maildir(root: Path, messages: Mapping[str, bytes], *, sub: str = "cur") -> Path:
    """A Maildir holding `messages` (file name -> content) in `sub`; no tmp/ on purpose."""
    for folder in ("cur", "new"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name, raw in messages.items():
        (root / sub / name).write_bytes(raw)
    return root


def vevent(uid: str, *lines: str) -> str:
    return (
        "BEGIN:VEVENT\n"
        + f"UID:{uid}\nDTSTAMP:20260101T000000Z\n"
        + "\n".join(lines)
        + "\nEND:VEVENT\n"
    )


def calendar(*components: str, head: Sequence[str] = ()) -> bytes:
    body = "".join(components)
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//keepwarm tests//EN\n" + "".join(
        f"{line}\n" for line in head
    )
    return (text + body + "END:VCALENDAR\n").replace("\n", "\r\n").encode("utf-8")


def connector(
    tmp_path: Path,
    *,
    mail: Sequence[Path] = (),
    calendars: Sequence[Path] = (),
    window: tuple[datetime, datetime] = WINDOW,
) -> FilesConnector:
    return FilesConnector(
        "test",
        mail=list(mail),
        calendars=list(calendars),
        drafts_dir=tmp_path / "drafts",
        calendar_window=window,
    )


def pull(source: FilesConnector, cursors: Mapping[str, Cursor] | None = None) -> list[Page]:
    return list(source.pull(dict(cursors or {})))


def cursors_of(
    pages: Iterable[Page], previous: Mapping[str, Cursor] | None = None
) -> dict[str, Cursor]:
    """What the store would hold after committing `pages` on top of `previous`."""
    stored = dict(previous or {})
    for page in pages:
        if page.cursor is not None:
            stored[page.stream] = page.cursor
    return stored
