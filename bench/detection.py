"""Peer detection against a synthetic corpus with known truth, full of traps.

Prints precision and recall of `peer` (targets: precision 1.00, recall >= 0.95), how long
`detect` takes over the whole corpus, and the classification throughput in addresses/s of CPU
(target >= 200k/s). Exits 1 when a target is missed. Pure: no database, no files, no network.

    .venv/bin/python bench/detection.py [--interactions 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keepwarm.data import personal_domains, role_local_parts
from keepwarm.models import (
    Classification,
    Interaction,
    Kind,
    Participant,
    Response,
    Role,
    StoredInteraction,
)
from keepwarm.peers import DetectionPolicy, Labeller, detect, normalise

OWNER = "ada@analytical.example"
ALIAS = "ada.lovelace@analytical.example"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
FIRST = ["grace", "alan", "katherine", "renee", "tim", "hedy", "linus", "barbara", "edsger", "john"]
LAST = ["hopper", "turing", "johnson", "dubois", "berners", "lamarr", "kernel", "liskov", "neumann"]
ROLES = ["info", "sales", "support", "team", "billing", "admin", "careers", "hello", "sales-uk"]
NOREPLY = [
    "no-reply", "noreply", "do-not-reply", "donotreply", "noreply+{n}", "pullrequests-reply",
    "notifications", "mailer-daemon", "postmaster", "bounces-{n}", "newsletter", "alerts",
]  # fmt: skip
ACCEPTED = Response.ACCEPTED


@dataclass
class Corpus:
    items: list[StoredInteraction] = field(default_factory=list)
    peers: set[str] = field(default_factory=set)
    traps: dict[str, set[str]] = field(default_factory=dict)

    def add(self, item: Interaction) -> int:
        iid = len(self.items) + 1
        self.items.append(StoredInteraction(iid, "bench", item))
        return iid

    def trap(self, kind: str, address: str) -> None:
        self.traps.setdefault(kind, set()).add(normalise(address))


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.corpus = Corpus()
        self.n = 0
        self.crowd: list[tuple[str, str]] = []

    def when(self, lo: float = 1, hi: float = 360) -> datetime:
        return NOW - timedelta(days=self.rng.uniform(lo, hi))

    def person(self, domain: str) -> tuple[str, str]:
        self.n += 1
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        return f"{first}.{last}{self.n}@{domain}", f"{first.title()} {last.title()} {self.n}"

    def guest(self) -> tuple[str, str]:
        """A member of the crowd (big meetings, announcements): often someone seen before."""
        if len(self.crowd) > 200 and self.rng.random() < 0.8:
            return self.rng.choice(self.crowd)
        found = self.person(self.company())
        self.crowd.append(found)
        return found

    def guests(self, n: int) -> list[tuple[str, str]]:
        found: dict[tuple[str, str], None] = {}
        while len(found) < n:
            found[self.guest()] = None
        return list(found)

    def company(self) -> str:
        tld = self.rng.choice(["example", "co.uk", "com.au", "io"])
        return f"company{self.rng.randrange(5000)}.{tld}"

    def email(
        self, sender: Participant, to: list[Participant], *, at: datetime,
        headers: dict[str, str] | None = None, subject: str = "Hello",
        in_reply_to: str | None = None, thread: str | None = None,
    ) -> str:  # fmt: skip
        self.n += 1
        mid = f"<m{self.n}@bench>"
        self.corpus.add(
            Interaction(
                provider_id=mid,
                kind=Kind.EMAIL,
                occurred_at=at,
                participants=(sender, *to),
                subject=subject,
                message_id=mid,
                in_reply_to=in_reply_to,
                thread_id=thread or in_reply_to or mid,
                headers=headers or {},
            )
        )
        return mid

    def meeting(
        self, people: list[Participant], *, at: datetime, cancelled: bool = False,
        subject: str = "Meeting",
    ) -> None:  # fmt: skip
        self.corpus.add(
            Interaction(
                provider_id=f"ev{len(self.corpus.items)}",
                kind=Kind.MEETING,
                occurred_at=at,
                ended_at=at + timedelta(hours=1),
                participants=tuple(people),
                subject=subject,
                cancelled=cancelled,
            )
        )

    # The truth -----------------------------------------------------------------------------

    def real_peer(self) -> None:
        address, name = self.person(self.company())
        self.corpus.peers.add(normalise(address))
        me = Participant(OWNER, Role.FROM, "Ada Lovelace")
        them = Participant(address, Role.TO, name)
        how = self.rng.randrange(4)
        at = self.when()
        if how == 0:  # a small meeting that happened
            self.meeting(
                [Participant(OWNER, Role.ORGANIZER), Participant(OWNER, Role.ATTENDEE, "", ACCEPTED),
                 Participant(address, Role.ATTENDEE, name, ACCEPTED)],
                at=at,
            )  # fmt: skip
        elif how == 1:  # they wrote, the owner answered, they replied
            first = self.email(
                Participant(address, Role.FROM, name), [Participant(OWNER, Role.TO)], at=at
            )
            mine = self.email(me, [them], at=at + timedelta(hours=3), in_reply_to=first)
            self.email(Participant(address, Role.FROM, name), [Participant(OWNER, Role.TO)],
                       at=at + timedelta(days=1), in_reply_to=mine)  # fmt: skip
        elif how == 2:  # the owner wrote on two threads, from an alias, to a +tag spelling
            tagged = address.replace("@", "+work@").upper()
            self.email(Participant(ALIAS, Role.FROM), [Participant(tagged, Role.TO, name)], at=at)
            self.email(me, [them], at=at + timedelta(days=9))
        else:  # a meeting with a room and a colleague, and a thank-you afterwards
            room = f"room-{self.n}@resource.calendar.google.com"
            self.meeting(
                [Participant(address, Role.ORGANIZER, name),
                 Participant(OWNER, Role.ATTENDEE, "", ACCEPTED),
                 Participant("charles@analytical.example", Role.ATTENDEE, "Charles", ACCEPTED),
                 Participant(room, Role.ATTENDEE, "Room 1", ACCEPTED)],
                at=at,
            )  # fmt: skip
            self.email(me, [them], at=at + timedelta(hours=5))

    # The traps -----------------------------------------------------------------------------

    def traps(self) -> None:
        rng, me = self.rng, Participant(OWNER, Role.FROM, "Ada Lovelace")
        owner_to = [Participant(OWNER, Role.TO)]
        kind = rng.randrange(14)
        at = self.when()
        if kind == 0:  # a colleague on a subdomain, with meetings and mail
            address, name = self.person(
                rng.choice(["eng.analytical.example", "analytical.example"])
            )
            self.corpus.trap("colleague", address)
            self.meeting(
                [
                    Participant(OWNER, Role.ORGANIZER),
                    Participant(address, Role.ATTENDEE, name, ACCEPTED),
                ],
                at=at,
            )
            self.email(me, [Participant(address, Role.TO, name)], at=at)
        elif kind == 1:  # a role address the owner corresponds with
            address = f"{rng.choice(ROLES)}@{self.company()}"
            self.corpus.trap("role", address)
            first = self.email(Participant(address, Role.FROM, "Sales Team"), owner_to, at=at)
            self.email(me, [Participant(address, Role.TO)], at=at, in_reply_to=first)
        elif kind == 2:  # noreply variants, some of which the owner answered
            self.n += 1
            address = rng.choice(NOREPLY).format(n=self.n) + f"@{self.company()}"
            self.corpus.trap("noreply", address)
            first = self.email(Participant(address, Role.FROM, "Grace Hopper"), owner_to, at=at)
            if rng.random() < 0.3:
                self.email(me, [Participant(address, Role.TO)], at=at, in_reply_to=first)
        elif kind == 3:  # a real person's posts to a mailing list, one DMARC-rewritten
            address, name = self.person(self.company())
            self.corpus.trap("list", address)
            headers = {"list-id": "<dev.lists.example>", "list-unsubscribe": "<mailto:u@lists.example>",
                       "precedence": "list"}  # fmt: skip
            self.email(
                Participant(address, Role.FROM, name),
                [Participant("dev@lists.example", Role.TO)],
                at=at,
                headers=headers,
            )
            rewritten = {**headers, "x-original-from": f"{name} <{address}>", "reply-to": address}
            self.email(Participant("dev@lists.example", Role.FROM, f"'{name}' via Dev"),
                       [Participant("dev@lists.example", Role.TO)], at=at, headers=rewritten)  # fmt: skip
        elif kind == 4:  # a big meeting
            guests = self.guests(rng.randrange(9, 30))
            for address, _ in guests:
                self.corpus.trap("big meeting", address)
            self.meeting([Participant(OWNER, Role.ATTENDEE, "", ACCEPTED),
                          *(Participant(a, Role.ATTENDEE, n, ACCEPTED) for a, n in guests)], at=at)  # fmt: skip
        elif kind == 5:  # cancelled, declined (by either side) or future meetings
            address, name = self.person(self.company())
            self.corpus.trap("meeting that did not happen", address)
            how = rng.randrange(4)
            self.meeting(
                [Participant(OWNER, Role.ATTENDEE, "", Response.DECLINED if how == 1 else ACCEPTED),
                 Participant(address, Role.ATTENDEE, name, Response.DECLINED if how == 2 else ACCEPTED)],
                at=NOW + timedelta(days=3) if how == 3 else at, cancelled=how == 0,
            )  # fmt: skip
        elif kind == 6:  # a cold inbound the owner never answered, with a "bump"
            address, name = self.person(self.company())
            self.corpus.trap("cold inbound", address)
            first = self.email(Participant(address, Role.FROM, name), owner_to, at=at)
            self.email(
                Participant(address, Role.FROM, name),
                owner_to,
                at=at + timedelta(days=4),
                in_reply_to=first,
            )
        elif kind == 7:  # mass mail from the owner
            crowd = self.guests(rng.randrange(11, 25))
            for address, _ in crowd:
                self.corpus.trap("mass mail", address)
            self.email(me, [Participant(a, Role.TO, n) for a, n in crowd], at=at)
        elif kind == 8:  # a mistyped address that bounced
            address, name = self.person(self.company())
            self.corpus.trap("bounced", address)
            subject = f"Proposal {self.n}"
            mine = self.email(me, [Participant(address, Role.TO, name)], at=at, subject=subject)
            self.email(Participant("MAILER-DAEMON@mx.analytical.example", Role.FROM, "Mail Delivery Subsystem"),
                       owner_to, at=at, in_reply_to=mine if rng.random() < 0.5 else None,
                       headers={"content-type": "multipart/report; report-type=delivery-status",
                                "return-path": "<>", "x-failed-recipients": address} if rng.random() < 0.5
                       else {"content-type": "multipart/report; report-type=delivery-status"},
                       subject=f"Undeliverable: {subject}")  # fmt: skip
        elif kind == 9:  # an out-of-office reply to a cold newsletter-ish mail
            address, name = self.person(self.company())
            self.corpus.trap("auto-reply", address)
            self.email(
                Participant(address, Role.FROM, name),
                owner_to,
                at=at,
                subject="Automatic reply: Hello",
            )
        elif kind == 10:  # personal free-mail with a real exchange
            address, name = self.person(rng.choice(sorted(personal_domains())))
            self.corpus.trap("personal-domain", address)
            self.meeting(
                [
                    Participant(OWNER, Role.ORGANIZER),
                    Participant(address, Role.ATTENDEE, name, ACCEPTED),
                ],
                at=at,
            )
        elif kind == 11:  # only blind-copied
            address, name = self.person(self.company())
            self.corpus.trap("bcc only", address)
            self.email(
                me,
                [
                    Participant("charles@analytical.example", Role.TO),
                    Participant(address, Role.BCC, name),
                ],
                at=at,
            )
        elif kind == 12:  # a meeting room on an external domain, flagged by the calendar
            room = f"boardroom-{self.n}@{self.company()}"
            self.n += 1
            self.corpus.trap("room", room)
            address, name = self.person(self.company())
            self.corpus.peers.add(normalise(address))  # the guest of that meeting is a real peer
            self.meeting([Participant(OWNER, Role.ORGANIZER), Participant(address, Role.ATTENDEE, name, ACCEPTED),
                          Participant(room, Role.ATTENDEE, "Boardroom", None, True)], at=at)  # fmt: skip
        else:  # a newsletter
            address = f"editor@news{rng.randrange(50)}.example"
            self.corpus.trap("newsletter", address)
            self.email(Participant(address, Role.FROM, "The Weekly"), owner_to, at=at,
                       headers={"list-unsubscribe": "<https://u.example>", "precedence": "bulk"})  # fmt: skip

    def filler(self) -> None:
        """Volume: internal threads, notifications and newsletters (what a real mailbox is)."""
        at = self.when()
        if self.rng.random() < 0.5:
            colleague = f"colleague{self.rng.randrange(40)}@analytical.example"
            self.email(
                Participant(colleague, Role.FROM, "Colleague"), [Participant(OWNER, Role.TO)], at=at
            )
        else:
            self.email(Participant(f"notifications@app{self.rng.randrange(30)}.example", Role.FROM, "App"),
                       [Participant(OWNER, Role.TO)], at=at,
                       headers={"auto-submitted": "auto-generated", "list-id": "<app.example>"})  # fmt: skip


def build(total: int, seed: int) -> Corpus:
    gen = Generator(seed)
    while len(gen.corpus.items) < total:
        roll = gen.rng.random()
        if roll < 0.08:
            gen.real_peer()
        elif roll < 0.30:
            gen.traps()
        else:
            gen.filler()
    gen.corpus.items.sort(key=lambda s: s.interaction.occurred_at)
    return gen.corpus


def policy() -> DetectionPolicy:
    return DetectionPolicy(
        owner_addresses=frozenset({OWNER, ALIAS}),
        owner_domains=("analytical.example",),
        personal_domains=personal_domains(),
        role_local_parts=role_local_parts(),
    )


PRECISION, RECALL, ADDRESSES_PER_S = 1.0, 0.95, 200_000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    corpus = build(args.interactions, args.seed)
    pol = policy()

    started, cpu = time.perf_counter(), time.process_time()
    people = detect(corpus.items, pol, now=NOW)
    detect_seconds = time.perf_counter() - started
    detect_cpu = time.process_time() - cpu

    predicted = {
        normalise(a) for p in people if p.classification is Classification.PEER for a in p.addresses
    }
    truth = corpus.peers
    true_positive = len(predicted & truth)
    precision = true_positive / len(predicted) if predicted else 1.0
    recall = true_positive / len(truth) if truth else 1.0
    false_peers = sorted(predicted - truth)
    missed = sorted(truth - predicted)

    addresses = sorted(
        {normalise(p.address) for s in corpus.items for p in s.interaction.participants}
    )
    repeat = max(1, 300_000 // len(addresses))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        labeller = Labeller(pol)  # fresh: no memo carried between rounds
        label = labeller.label
        for address in addresses:
            label(address)
    classify_seconds = time.perf_counter() - started
    classify_cpu = time.process_time() - cpu
    throughput = len(addresses) * repeat / classify_seconds
    cpu_throughput = len(addresses) * repeat / classify_cpu

    print(f"corpus: {len(corpus.items):,} interactions, {len(addresses):,} addresses, "
          f"{len(truth):,} true peers, {sum(len(v) for v in corpus.traps.values()):,} trap addresses")  # fmt: skip
    print(f"detect: {detect_seconds:.2f} s wall, {detect_cpu:.2f} s CPU "
          f"({len(corpus.items) / detect_cpu:,.0f} interactions/s of CPU), {len(people):,} people")  # fmt: skip
    print(f"precision: {precision:.4f} (target 1.00)   recall: {recall:.4f} (target >= 0.95)")
    print(f"classification throughput: {cpu_throughput:,.0f} addresses/s of CPU "
          f"({throughput:,.0f}/s wall; target >= 200,000)")  # fmt: skip
    for kind, found in sorted(corpus.traps.items()):
        wrong = len(found & predicted)
        print(f"  trap {kind:<28} {len(found):>6} addresses, {wrong} called peer")
    if false_peers:
        print(f"false peers (first 10): {false_peers[:10]}")
    if missed:
        print(f"missed peers (first 10): {missed[:10]}")
    met = precision >= PRECISION and recall >= RECALL and cpu_throughput >= ADDRESSES_PER_S
    print("targets: " + ("met" if met else "MISSED"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
