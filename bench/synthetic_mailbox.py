"""A synthetic but realistic mailbox and calendar for the pipeline benchmark (seeded, fast).

Plain string building, no `email` package: generating 100k messages must not dominate a run.
"""

from __future__ import annotations

import bisect
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench_settings import NOW, OWNER, OWNER_DOMAIN, OWNER_NAME
from synthetic_transport import (
    _from_line,
    _message_id,
    _noise,
    _rfc5322_date,
    _transport_headers,
)
from synthetic_words import (
    BODY_LINES,
    MAILERS,
    NEWSLETTER_SUBJECTS,
    NOTIFICATION_SUBJECTS,
    TOPICS,
    ZONES,
)
from synthetic_world import Contact, MailStats, _b_encode, _build_world, _SentRecord, _World


def _body(world: _World, first_name: str, signer: str, quote: str | None) -> str:
    rng = world.rng
    lines = [f"Hi {first_name},", ""]
    lines.extend(rng.sample(BODY_LINES, rng.randint(1, 4)))
    lines += ["", "Best,", signer]
    if quote:
        lines += ["", f"> {quote}", "> " + rng.choice(BODY_LINES)]
    return "\n".join(lines) + "\n"


def _first(contact: Contact) -> str:
    head = contact.header
    if head.startswith("=?") or "<" not in head:
        return contact.address.split("@", 1)[0].split(".", 1)[0].capitalize()
    name = head.split("<", 1)[0].strip().strip('"')
    if "," in name:
        return name.split(",", 1)[1].strip() or "there"
    return name.split(" ", 1)[0] or "there"


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


def _pick_correspondent(world: _World) -> Contact:
    total = world.correspondent_cum[-1]
    index = bisect.bisect_left(world.correspondent_cum, world.rng.random() * total)
    return world.correspondents[min(index, len(world.correspondents) - 1)]


def _assemble(envelope: str, headers: list[str], body: str) -> str:
    return envelope + "\n".join(headers) + "\n\n" + body + "\n"


class Correspondence:
    """The synthetic owner's mail, one message at a time (replies refer to earlier ones)."""

    def __init__(self, rng: random.Random) -> None:
        self.world = _build_world(rng)
        self.owner = Contact(OWNER, f"{OWNER_NAME} <{OWNER}>")
        self.recent_received: list[tuple[str, str, Contact]] = []  # message id, subject, sender
        self.recent_sent: list[_SentRecord] = []

    @property
    def stats(self) -> MailStats:
        return self.world.stats

    def message(self, at: datetime) -> str:
        """One message (mbox `From ` line, headers and body) sent or received at `at`."""
        world, rng = self.world, self.world.rng
        roll = rng.random()
        if roll < 0.25:
            text = _owner_message(world, at, self.owner, self.recent_received, self.recent_sent)
        elif roll < 0.70:
            text = _personal_message(world, at, self.recent_received, self.recent_sent)
        elif roll < 0.90:
            text = _newsletter(world, at)
        elif roll < 0.95:
            text = _colleague_message(world, at, self.recent_received)
        elif roll < 0.994:
            text = _notification(world, at, self.recent_sent)
        else:
            text = _bounce(world, at, self.recent_sent)
        world.stats.messages += 1
        return text


def message_times(count: int, rng: random.Random, *, days: int = 365) -> list[datetime]:
    """`count` moments over the `days` before NOW, oldest first."""
    start = NOW - timedelta(days=days)
    span = days * 86400 - 3600
    offsets = sorted(rng.random() * span for _ in range(count))
    return [(start + timedelta(seconds=offset)).replace(microsecond=0) for offset in offsets]


def generate_mailbox(path: Path, count: int, rng: random.Random) -> MailStats:
    """Write `count` messages, oldest first, into one mbox file (like a Takeout export)."""
    mail = Correspondence(rng)
    stats = mail.stats
    buffer: list[str] = []
    buffered = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for at in message_times(count, rng):
            text = mail.message(at)
            buffer.append(text)
            buffered += len(text)
            if buffered > 1 << 20:
                out.write("".join(buffer))
                stats.bytes += buffered
                buffer, buffered = [], 0
        out.write("".join(buffer))
        stats.bytes += buffered
    return stats


def _trim(pool: list[Any], limit: int = 400) -> None:
    if len(pool) > 2 * limit:
        del pool[:-limit]


def _owner_message(
    world: _World,
    at: datetime,
    owner: Contact,
    recent_received: list[tuple[str, str, Contact]],
    recent_sent: list[_SentRecord],
) -> str:
    rng, stats = world.rng, world.stats
    stats.sent += 1
    in_reply_to = references = None
    cc: list[Contact] = []
    roll = rng.random()
    if roll < 0.4 and recent_received:
        parent_id, parent_subject, sender = rng.choice(recent_received[-200:])
        to = [sender]
        subject = parent_subject if parent_subject.startswith("Re: ") else f"Re: {parent_subject}"
        in_reply_to = references = parent_id
        stats.replies_by_owner += 1
    elif roll < 0.5:
        to = rng.sample(world.colleagues, rng.randint(1, 3))
        subject = f"{rng.choice(('Re: ', '', 'Fwd: '))}{rng.choice(TOPICS).capitalize()}"
    else:
        to = [_pick_correspondent(world) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        to = list({c.address: c for c in to}.values())
        subject = f"{rng.choice(('', '', 'Quick question about ', 'Following up on '))}{rng.choice(TOPICS)}"
        subject = subject[0].upper() + subject[1:]
    if rng.random() < 0.15:
        cc = [rng.choice(world.colleagues)]
    message_id = _message_id(world, OWNER_DOMAIN)
    if any(not c.address.endswith(OWNER_DOMAIN) for c in to):
        recent_sent.append(_SentRecord(message_id, subject, tuple(to)))
        _trim(recent_sent)
    headers = [f"Return-Path: <{OWNER}>"]
    headers += _transport_headers(world, OWNER_DOMAIN, at, inbound=False)
    headers += [
        f"From: {owner.header}",
        "To: " + ", ".join(c.header for c in to),
    ]
    if cc:
        headers.append("Cc: " + ", ".join(c.header for c in cc))
    headers += [
        f"Subject: {subject}",
        f"Date: {_rfc5322_date(at, rng.choice(('+0000', '+0100')))}",
        f"Message-ID: {message_id}",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {references}"]
    headers += [
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="UTF-8"; format=flowed',
        "Content-Transfer-Encoding: 7bit",
        f"X-Mailer: {rng.choice(MAILERS)}",
    ]
    body = _body(world, _first(to[0]), "Ada", None)
    return _assemble(_from_line(OWNER, at), headers, body)


def _personal_message(
    world: _World,
    at: datetime,
    recent_received: list[tuple[str, str, Contact]],
    recent_sent: list[_SentRecord],
) -> str:
    rng, stats = world.rng, world.stats
    stats.received += 1
    in_reply_to = references = None
    if rng.random() < 0.3 and recent_sent:
        parent = rng.choice(recent_sent[-150:])
        sender = rng.choice(parent.recipients)
        subject = parent.subject if parent.subject.startswith("Re: ") else f"Re: {parent.subject}"
        in_reply_to = parent.message_id
        references = parent.message_id
        stats.replies_to_owner += 1
    else:
        sender = _pick_correspondent(world)
        subject = rng.choice(TOPICS)
        subject = subject[0].upper() + subject[1:]
        if rng.random() < 0.02:
            subject = _b_encode(f"Re: {subject} — ünïcödé")
    domain = _domain(sender.address)
    cc: list[Contact] = []
    if rng.random() < 0.2:
        cc = [_pick_correspondent(world) for _ in range(rng.randint(1, 2))]
    message_id = _message_id(world, domain)
    recent_received.append((message_id, subject, sender))
    _trim(recent_received)
    headers = [f"Return-Path: <{sender.address}>"]
    headers += _transport_headers(world, domain, at, inbound=True)
    headers += [f"From: {sender.header}", f"To: {OWNER_NAME} <{OWNER}>"]
    if cc:
        headers.append("Cc: " + ", ".join(c.header for c in cc))
    headers += [
        f"Subject: {subject}",
        f"Date: {_rfc5322_date(at, rng.choice(ZONES))}",
        f"Message-ID: {message_id}",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {references}"]
    headers += [
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="UTF-8"',
        "Content-Transfer-Encoding: quoted-printable",
    ]
    if rng.random() < 0.5:
        headers.append(f"X-Mailer: {rng.choice(MAILERS)}")
    return _assemble(
        _from_line(sender.address, at), headers, _body(world, "Ada", _first(sender), subject)
    )


def _colleague_message(
    world: _World, at: datetime, recent_received: list[tuple[str, str, Contact]]
) -> str:
    rng, stats = world.rng, world.stats
    stats.colleagues += 1
    sender = rng.choice(world.colleagues)
    others = [c for c in rng.sample(world.colleagues, rng.randint(0, 3)) if c is not sender]
    subject = rng.choice(TOPICS).capitalize()
    message_id = _message_id(world, _domain(sender.address))
    headers = [f"Return-Path: <{sender.address}>"]
    headers += _transport_headers(world, OWNER_DOMAIN, at, inbound=True)
    headers += [f"From: {sender.header}", f"To: {OWNER_NAME} <{OWNER}>"]
    if others:
        headers.append("Cc: " + ", ".join(c.header for c in others))
    headers += [
        f"Subject: {subject}",
        f"Date: {_rfc5322_date(at, '+0000')}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return _assemble(
        _from_line(sender.address, at), headers, _body(world, "Ada", _first(sender), None)
    )


def _newsletter(world: _World, at: datetime) -> str:
    rng, stats = world.rng, world.stats
    stats.newsletters += 1
    sender, list_id, bounce_domain = rng.choice(world.newsletters)
    domain = _domain(sender.address)
    message_id = _message_id(world, bounce_domain)
    token = _noise(world, 24).replace("/", "_").replace("+", "-")
    boundary = "b1_" + _noise(world, 20).replace("/", "_").replace("+", "-")
    headers = [f"Return-Path: <bounce-{rng.randrange(10**6)}@{bounce_domain}>"]
    headers += _transport_headers(world, bounce_domain, at, inbound=True)
    headers += [
        f"From: {sender.header}",
        f"To: {OWNER}",
        f"Subject: {rng.choice(NEWSLETTER_SUBJECTS)}",
        f"Date: {_rfc5322_date(at, '+0000')}",
        f"Message-ID: {message_id}",
        f"List-Id: {sender.header.split(' <')[0]} {list_id}",
        f"List-Unsubscribe: <mailto:unsubscribe@{bounce_domain}?subject={token}>,\n <https://{domain}/u/{token}>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Precedence: bulk",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        f"X-Campaign-Id: {rng.randrange(10**9)}",
        f"Feedback-ID: {rng.randrange(10**6)}:{rng.randrange(10**4)}:campaign:{domain}",
    ]
    link = f"https://{domain}/v/{token}"
    body = (
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n"
        f"This week's highlights are below.\nView in your browser: {link}\n\n"
        f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n"
        f'<p>This week\'s highlights. <a href="{link}">View in your browser</a></p>\n\n--{boundary}--\n'
    )
    return _assemble(_from_line(sender.address, at), headers, body)


def _notification(world: _World, at: datetime, recent_sent: list[_SentRecord]) -> str:
    rng, stats = world.rng, world.stats
    if rng.random() < 0.12 and recent_sent:  # an out-of-office answer to one of the owner's mails
        stats.auto_replies += 1
        parent = rng.choice(recent_sent[-100:])
        sender = parent.recipients[0]
        headers = [f"Return-Path: <{sender.address}>"]
        headers += _transport_headers(world, _domain(sender.address), at, inbound=True)
        headers += [
            f"From: {sender.header}",
            f"To: {OWNER_NAME} <{OWNER}>",
            f"Subject: Automatic reply: {parent.subject}",
            f"Date: {_rfc5322_date(at, rng.choice(ZONES))}",
            f"Message-ID: {_message_id(world, _domain(sender.address))}",
            f"In-Reply-To: {parent.message_id}",
            "Auto-Submitted: auto-replied",
            "X-Auto-Response-Suppress: All",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
        ]
        body = "I am out of the office until Monday with limited access to email.\n"
        return _assemble(_from_line(sender.address, at), headers, body)
    stats.notifications += 1
    sender = rng.choice(world.notifiers)
    domain = _domain(sender.address)
    subject = rng.choice(NOTIFICATION_SUBJECTS).format(n=rng.randrange(1, 99999))
    headers = [f"Return-Path: <{sender.address}>"]
    headers += _transport_headers(world, domain, at, inbound=True)
    headers += [
        f"From: {sender.header}",
        f"To: {OWNER}",
        f"Subject: {subject}",
        f"Date: {_rfc5322_date(at, '+0000')}",
        f"Message-ID: {_message_id(world, domain)}",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
    ]
    if rng.random() < 0.7:
        headers.append("Auto-Submitted: auto-generated")
    if rng.random() < 0.5:
        headers.append("X-Auto-Response-Suppress: OOF, AutoReply")
    return _assemble(_from_line(sender.address, at), headers, f"<p>{subject}</p>\n")


def _bounce(world: _World, at: datetime, recent_sent: list[_SentRecord]) -> str:
    stats = world.stats
    stats.bounces += 1
    failed = recent_sent[-1].recipients[0].address if recent_sent else "nobody@example.com"
    boundary = _noise(world, 16)
    headers = ["Return-Path: <>"]
    headers += _transport_headers(world, "googlemail.com", at, inbound=True)
    headers += [
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        f"To: {OWNER}",
        f"X-Failed-Recipients: {failed}",
        "Auto-Submitted: auto-replied",
        "Subject: Delivery Status Notification (Failure)",
        f"Date: {_rfc5322_date(at, '-0800')}",
        f"Message-ID: {_message_id(world, 'mx.google.com')}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{boundary}"',
    ]
    body = (
        f"--{boundary}\nContent-Type: text/plain; charset=UTF-8\n\n"
        f"Address not found: your message wasn't delivered to {failed}.\n\n"
        f"--{boundary}\nContent-Type: message/delivery-status\n\n"
        f"Final-Recipient: rfc822; {failed}\nAction: failed\nStatus: 5.1.1\n\n--{boundary}--\n"
    )
    return _assemble(_from_line("MAILER-DAEMON", at), headers, body)
