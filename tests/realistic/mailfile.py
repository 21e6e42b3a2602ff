"""Raw RFC 5322 messages, and the files real archives keep them in.

Written by hand (not through `email.message`) so header order, folding, bare addresses and the
odd spellings of real mailers (Enron's `X-From`, lore's list headers, `Cc:` repeated as `Bcc:`)
come out exactly as archives hold them.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

#: (display name, address); an empty name writes the bare address.
Addr = tuple[str, str]


def addr(value: Addr) -> str:
    name, address = value
    if not name:
        return address
    if not name.isascii():
        return f"{Header(name, 'utf-8').encode()} <{address}>"
    if any(c in name for c in ',.()<>@:;"'):
        return f'"{name}" <{address}>'
    return f"{name} <{address}>"


def fold(name: str, values: Sequence[str], *, sep: str = ", ", indent: str = "\t") -> str:
    """`Name: a, b,` folded before 78 columns the way mailers do (continuation lines indented)."""
    line = f"{name}: "
    lines: list[str] = []
    for i, value in enumerate(values):
        piece = value + (sep.rstrip() if i < len(values) - 1 else "")
        if len(line) + len(piece) > 78 and line.strip() != f"{name}:":
            lines.append(line.rstrip())
            line = indent
        line += piece + (" " if i < len(values) - 1 else "")
    lines.append(line.rstrip())
    return "\n".join(lines)


@dataclass
class Mail:
    """One message as an archive stores it."""

    sender: Addr
    to: list[Addr]
    subject: str
    date: datetime
    message_id: str
    cc: list[Addr] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    #: Extra headers, written after the standard ones in this order (list headers, X-Mailer…).
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    #: Date as the mailer wrote it (Enron: `Mon, 14 May 2001 16:39:00 -0700 (PDT)`); else RFC 5322.
    date_text: str = ""
    #: Headers before the standard ones (Received/Return-Path, as delivered copies have).
    leading: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> str:
        out = [f"{k}: {v}" for k, v in self.leading]
        out.append(f"From: {addr(self.sender)}")
        if self.to:
            out.append(fold("To", [addr(a) for a in self.to]))
        if self.cc:
            out.append(fold("Cc", [addr(a) for a in self.cc]))
        out.append(f"Subject: {_subject(self.subject)}")
        out.append(f"Date: {self.date_text or format_datetime(self.date)}")
        out.append(f"Message-ID: <{self.message_id}>")
        if self.in_reply_to:
            out.append(f"In-Reply-To: <{self.in_reply_to}>")
        if self.references:
            out.append(fold("References", [f"<{r}>" for r in self.references], sep=" ", indent=" "))
        out.extend(f"{k}: {v}" for k, v in self.headers)
        return "\n".join(out) + "\n\n" + (self.body or "\n")


def _subject(subject: str) -> str:
    return subject if subject.isascii() else Header(subject, "utf-8").encode()


def write_mboxrd(path: Path, mails: Iterable[Mail]) -> int:
    """An mboxrd file as public-inbox exports it (`From mboxrd@z …`, `>From ` quoting);
    gzip-compressed when the name ends in `.gz`, as lore serves `t.mbox.gz`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    text = io.StringIO()
    with text as f:
        for mail in mails:
            f.write("From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            for line in mail.render().split("\n"):
                if line.lstrip(">").startswith("From "):
                    line = ">" + line
                f.write(line + "\n")
            f.write("\n")
            n += 1
        data = f.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return n


def write_file(path: Path, mail: Mail, *, crlf: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = mail.render()
    path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
