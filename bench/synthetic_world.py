"""The cast of the synthetic mailbox: contacts, organisations and the owner's world."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field

from bench_settings import OWNER_DOMAIN
from synthetic_words import (
    ENCODED_NAMES,
    FIRST_NAMES,
    LAST_NAMES,
    ORG_WORDS,
    PERSONAL_DOMAINS,
    TLDS,
)


def _q_encode(text: str) -> str:
    """RFC 2047 Q encoding of a display name (UTF-8)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch == " ":
            out.append("_")
        else:
            out.append(f"={byte:02X}")
    return "=?UTF-8?Q?" + "".join(out) + "?="


def _b_encode(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def _ascii_local(name: str) -> str:
    return "".join(c for c in name.lower() if c.isascii() and c.isalnum()) or "x"


@dataclass(frozen=True, slots=True)
class Contact:
    address: str
    header: str  # the full address as it appears in From/To/Cc


@dataclass(slots=True)
class _SentRecord:
    message_id: str
    subject: str
    recipients: tuple[Contact, ...]


@dataclass
class MailStats:
    messages: int = 0
    sent: int = 0
    received: int = 0
    newsletters: int = 0
    colleagues: int = 0
    notifications: int = 0
    auto_replies: int = 0
    bounces: int = 0
    replies_by_owner: int = 0
    replies_to_owner: int = 0
    encoded_names: int = 0
    bytes: int = 0


@dataclass
class _World:
    rng: random.Random
    correspondents: list[Contact]
    correspondent_cum: list[float]
    colleagues: list[Contact]
    newsletters: list[tuple[Contact, str, str]]  # sender, list id, bounce domain
    notifiers: list[Contact]
    noise: str  # a pool of base64 text for signatures and ids
    stats: MailStats = field(default_factory=MailStats)
    #: Leave out the Received/DKIM lines (nothing keepwarm keeps): building a big store faster.
    plain: bool = False


def _contact(name: str, address: str, rng: random.Random) -> tuple[Contact, bool]:
    encoded = not name.isascii()
    if encoded:
        shown = _b_encode(name) if rng.random() < 0.35 else _q_encode(name)
        return Contact(address, f"{shown} <{address}>"), True
    style = rng.random()
    if style < 0.12:
        first, _, last = name.partition(" ")
        return Contact(address, f'"{last}, {first}" <{address}>'), False
    if style < 0.2:
        return Contact(address, address), False
    return Contact(address, f"{name} <{address}>"), False


def _build_world(rng: random.Random) -> _World:
    noise = base64.b64encode(rng.randbytes(3 * 200_000)).decode()
    domains: list[str] = []
    seen: set[str] = set()
    while len(domains) < 800:
        a, b = rng.choice(ORG_WORDS), rng.choice(ORG_WORDS)
        domain = f"{a}{b}.{rng.choice(TLDS)}" if a != b else f"{a}hq.{rng.choice(TLDS)}"
        if domain not in seen:
            seen.add(domain)
            domains.append(domain)
    correspondents: list[Contact] = []
    addresses: set[str] = set()
    encoded_count = 0
    while len(correspondents) < 3000:
        if rng.random() < 0.05:
            name = rng.choice(ENCODED_NAMES)
            if rng.random() < 0.5:  # make the address unique while keeping the name
                local = f"{rng.choice(FIRST_NAMES).lower()}.{rng.randrange(1000)}"
            else:
                local = f"{_ascii_local(name)}{rng.randrange(100)}"
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            shape = rng.random()
            local = (
                f"{first}.{last}" if shape < 0.55 else f"{first[0]}{last}" if shape < 0.8 else first
            ).lower()
        domain = rng.choice(PERSONAL_DOMAINS) if rng.random() < 0.12 else rng.choice(domains)
        if rng.random() < 0.05 and not domain.startswith(("gmail", "outlook", "yahoo")):
            domain = f"{rng.choice(('mail', 'eu', 'us', 'corp'))}.{domain}"
        address = f"{local}@{domain}"
        if address in addresses:
            continue
        addresses.add(address)
        contact, encoded = _contact(name, address, rng)
        encoded_count += encoded
        correspondents.append(contact)
    # A Zipf-like activity: a few correspondents write a lot, most write rarely.
    cum: list[float] = []
    total = 0.0
    for rank in range(1, len(correspondents) + 1):
        total += 1.0 / rank**0.9
        cum.append(total)
    rng.shuffle(correspondents)

    colleagues = []
    for i in range(40):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        sub = "eng." if i % 4 == 0 else ""
        address = f"{first.lower()}.{last.lower()}{i}@{sub}{OWNER_DOMAIN}"
        colleagues.append(_contact(f"{first} {last}", address, rng)[0])

    newsletters = []
    for i in range(60):
        brand = f"{rng.choice(ORG_WORDS)}{rng.choice(ORG_WORDS)}{i}.com"
        local = rng.choice(("news", "newsletter", "digest", "hello", "updates", "no-reply", "team"))
        display = (
            f"{brand.split('.')[0].title()} {rng.choice(('Weekly', 'News', 'Team', 'Digest'))}"
        )
        sender = Contact(f"{local}@{brand}", f"{display} <{local}@{brand}>")
        newsletters.append((sender, f"<{local}.{brand}>", f"em.{brand}"))

    notifiers = []
    for i in range(40):
        brand = f"{rng.choice(ORG_WORDS)}{i}.com"
        local = rng.choice(("notifications", "noreply", "no-reply", "alerts", "support", "billing"))
        notifiers.append(
            Contact(f"{local}@{brand}", f"{brand.split('.')[0].title()} <{local}@{brand}>")
        )

    world = _World(rng, correspondents, cum, colleagues, newsletters, notifiers, noise)
    world.stats.encoded_names = encoded_count
    return world
