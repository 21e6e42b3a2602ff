"""A person's own Maildir, generated: inbox, a Maildir++ `.Sent` folder, an alias, a newsletter.

Rosa Tester sends from rosa@tester-lab.example and, twice, from an alias with the same name;
two peers answered her, a newsletter and a cold email did not matter.
"""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

OWNER = ("Rosa Tester", "rosa@tester-lab.example")
ALIAS = ("Rosa Tester", "r.tester@alias.example")
PEERS = [("Marco Bianchi", "marco@ferrowind.example"), ("Lena Ott", "lena@kleinbau.example")]


def _message(
    sender: tuple[str, str], to: tuple[str, str], subject: str, when: datetime, mid: str,
    reply_to: str | None = None, extra: dict[str, str] | None = None,
) -> mailbox.MaildirMessage:  # fmt: skip
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = formataddr(sender), formataddr(to), subject
    m["Date"], m["Message-ID"] = format_datetime(when), f"<{mid}@rosa.example>"
    if reply_to:
        m["In-Reply-To"] = f"<{reply_to}@rosa.example>"
    for key, value in (extra or {}).items():
        m[key] = value
    m.set_content("Hello,\n\nthanks.\n")
    return mailbox.MaildirMessage(m)


def own_maildir(root: Path, *, now: datetime) -> Path:
    """A Maildir at `root` whose last mail is a day before `now`; returns `root`."""
    inbox = mailbox.Maildir(str(root), create=True)
    sent = inbox.add_folder("Sent")
    for i, peer in enumerate(PEERS):
        day = now - timedelta(days=4 - i)
        sent.add(_message(OWNER, peer, f"Good to meet, {peer[0]}", day, f"s{i}"))
        inbox.add(_message(peer, OWNER, f"Re: Good to meet, {peer[0]}", day + timedelta(hours=2),
                           f"r{i}", reply_to=f"s{i}"))  # fmt: skip
    sent.add(
        _message(OWNER, ("Sam", "sam@elsewhere.example"), "Notes", now - timedelta(days=9), "s8")
    )
    for i in range(2):
        sent.add(_message(ALIAS, ("Tom", "tom@field.example"), "Lunch?", now - timedelta(days=8 + i),
                          f"a{i}"))  # fmt: skip
    inbox.add(_message(("News", "news@letters.example"), OWNER, "Weekly", now - timedelta(days=1),
                       "n1", extra={"List-Unsubscribe": "<mailto:u@letters.example>"}))  # fmt: skip
    return root
