"""An Enron-style mailbox: `maildir/<user>/<folder>/<n>.`, one RFC 822 message per file.

Shapes studied from the public Enron corpus (header set and order, `X-From`/`X-To` display
forms of Lotus Notes and Exchange, `Cc:` repeated as `Bcc:`, JavaMail Message-IDs, folders
`inbox`, `sent`, `_sent_mail`, `sent_items`, `all_documents`, `discussion_threads`,
`deleted_items`, the same message filed in several folders under different Message-IDs, no
List-* or In-Reply-To headers at all). Every person here is made up.

Daniel Whitcomb trades gas. Most of his mail is with colleagues; a dozen external
counterparties, lawyers and bankers correspond with him; brokers and newsletters write without
answer; friends write from free-mail; announcements go to everyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.realistic.cast import Cast, ascii_fold
from tests.realistic.mailfile import Addr
from tests.realistic.truth import CHECK_INS, Truth

OWNER: Addr = ("Daniel K Whitcomb", "daniel.whitcomb@enron.com")
ALIAS = "d..whitcomb@enron.com"  # how the 2001 Exchange export spells him
USER = "whitcomb-d"
NOW = datetime(2001, 12, 5, 22, 0, tzinfo=UTC)  # a Wednesday, 14:00 in Houston
PACIFIC = ZoneInfo("America/Los_Angeles")
EXTERNAL = ["gulfstream-energy.example", "vinsonlaw.example", "firstcapital.example",
            "texmex-pipeline.example", "calpower.example", "midwestgen.example",
            "brokerage-one.example", "nymex-desk.example"]  # fmt: skip
FREE = ["aol.com", "hotmail.com", "yahoo.com", "msn.com"]
SUBJECTS = ["Q1 2002 gas supply", "Transport capacity on the Katy line", "Storage contract",
            "Credit terms", "ISDA schedule", "Weekly position", "Curve update",
            "Term sheet comments", "Meeting next week", "Trade confirmation 4471",
            "Imbalance on Transwestern", "Houston office lunch", "Draft agreement",
            "Counterparty exposure", "Basis quotes", "NDA", "Pricing for January"]  # fmt: skip


@dataclass
class Note:
    """One message as Enron's export wrote it."""

    sender: Addr
    to: list[Addr]
    subject: str
    date: datetime
    cc: list[Addr] = field(default_factory=list)
    body: str = ""
    folders: tuple[str, ...] = ("inbox",)
    notes_era: bool = True

    def render(self, mid: str, folder: str) -> str:
        local = self.date.astimezone(PACIFIC)
        lines = [
            f"Message-ID: <{mid}>",
            f"Date: {local:%a, %d %b %Y %H:%M:%S %z} ({local:%Z})",
            f"From: {self.sender[1]}",
        ]
        if self.to:
            lines.append(_fold("To", [a for _, a in self.to]))
        lines.append(f"Subject: {self.subject}")
        if self.cc:
            lines.append(_fold("Cc", [a for _, a in self.cc]))
        lines += ["Mime-Version: 1.0", "Content-Type: text/plain; charset=us-ascii",
                  "Content-Transfer-Encoding: 7bit"]  # fmt: skip
        if self.cc:  # Enron's export repeats Cc as Bcc
            lines.append(_fold("Bcc", [a for _, a in self.cc]))
        lines += [
            f"X-From: {_display(self.sender, self.notes_era)}",
            f"X-To: {', '.join(_display(a, self.notes_era) for a in self.to)}",
            f"X-cc: {', '.join(_display(a, self.notes_era) for a in self.cc)}",
            "X-bcc: ",
            f"X-Folder: \\Daniel_Whitcomb_Dec2001\\Notes Folders\\{folder.strip('_').replace('_', ' ').title()}",
            "X-Origin: Whitcomb-D",
            "X-FileName: dwhitcom.nsf",
        ]  # fmt: skip
        return "\n".join(lines) + "\n\n" + (self.body or "See attached.\n")


def _fold(name: str, addresses: list[str]) -> str:
    out, line = [], f"{name}: "
    for i, a in enumerate(addresses):
        piece = a + ("," if i < len(addresses) - 1 else "")
        if len(line) + len(piece) > 72 and line.strip() != f"{name}:":
            out.append(line.rstrip())
            line = "\t"
        line += piece + " "
    out.append(line.rstrip())
    return "\n".join(out)


def _display(who: Addr, notes_era: bool) -> str:
    """How Enron's export names someone in X-From/X-To."""
    name, address = who
    if not name:
        return address
    if address.endswith("@enron.com"):
        if notes_era:
            return name
        last = name.split()[-1]
        first = " ".join(name.split()[:-1])
        return f"{last}, {first} </O=ENRON/OU=NA/CN=RECIPIENTS/CN={address.split('@')[0].upper()[:8]}>"
    return f'"{name}" <{address}>@ENRON' if notes_era else f"{name} <{address}>"


def build(root: Path, *, seed: int = 11, scale: int = 1) -> Truth:
    """Write `root/maildir/whitcomb-d/...`; returns the truth at `NOW`."""
    rng = random.Random(seed)
    cast = Cast(seed)
    home = root / "maildir" / USER
    truth = Truth("enron-trader", "Daniel Whitcomb", [OWNER[1], ALIAS], ["enron.com"],
                  "America/Chicago", NOW, [root / "maildir" / USER])  # fmt: skip
    t = truth.add
    t(OWNER[1], "self", "the owner")
    t(ALIAS, "self", "the owner, as the Exchange export spells him")
    notes: list[Note] = []

    def when(days: float, *, before: datetime = NOW) -> datetime:
        at = before - timedelta(minutes=rng.randint(0, int(days * 24 * 60)))
        return at.replace(second=0, microsecond=0)

    def era(at: datetime) -> bool:
        return at < datetime(2001, 8, 1, tzinfo=UTC)

    def me(at: datetime) -> Addr:
        return OWNER if era(at) else (OWNER[0], ALIAS)

    def sent_folders(at: datetime) -> tuple[str, ...]:
        return ("sent", "_sent_mail", "all_documents") if era(at) else ("sent_items",)

    def person(domain: str, style: str = "first.last") -> Addr:
        name, address = cast.person(domain, style)  # the export is ASCII: so are its names
        return " ".join(ascii_fold(w).title() for w in name.split()), address

    colleagues = [person("enron.com") for _ in range(45 * scale)]
    for c in colleagues:
        t(c[1], "colleague", "Enron colleague")
    # --- colleagues: the bulk of the mail -----------------------------------------------------
    for _ in range(380 * scale):
        c = rng.choice(colleagues)
        at = when(500)
        subject = rng.choice(SUBJECTS)
        if rng.random() < 0.5:
            others = rng.sample(colleagues, rng.randint(0, 3))
            notes.append(Note(c, [me(at)], subject, at, cc=others, notes_era=era(at),
                              folders=rng.choice([("inbox",), ("inbox", "all_documents"),
                                                  ("deleted_items",), ("discussion_threads",)])))  # fmt: skip
        else:
            notes.append(Note(me(at), [c], "RE: " + subject, at, notes_era=era(at),
                              folders=sent_folders(at)))  # fmt: skip
    # --- meetings arranged by mail (Lotus Notes calendar notices) ------------------------------
    for _ in range(25 * scale):
        c = rng.choice(colleagues)
        at = when(500)
        notes.append(Note(c, [me(at), *rng.sample(colleagues, 2)], "Meeting", at, notes_era=era(at),
                          body="Calendar Entry\n\nDescription:\n\tGas desk weekly\n"))  # fmt: skip
    # --- announcements to everyone --------------------------------------------------------------
    for _ in range(30 * scale):
        at = when(500)
        sender = rng.choice([("Enron Announcements", "enron.announcements@enron.com"),
                             ("Office of the Chairman", "chairman.office@enron.com"),
                             ("", "no.address@enron.com")])  # fmt: skip
        t(sender[1], "colleague", "company-wide announcements")
        notes.append(Note(sender, [("All Enron Worldwide", "all.worldwide@enron.com")],
                          rng.choice(["Enron in Action", "United Way campaign", "Benefits enrollment",
                                      "New expense system", "Security reminder"]), at,
                          notes_era=era(at), folders=("inbox", "deleted_items")))  # fmt: skip
    t("all.worldwide@enron.com", "colleague", "everyone at Enron")

    # --- external counterparties: real two-way correspondence ---------------------------------
    counterparts = [person(rng.choice(EXTERNAL), rng.choice(["first.last", "flast"]))
                    for _ in range(12 * scale)]  # fmt: skip
    for p in counterparts:
        t(p[1], "peer", "counterparty he corresponds with", drafts=CHECK_INS)
        for _ in range(rng.randint(1, 3)):
            at = when(480, before=NOW - timedelta(days=30))
            subject = rng.choice(SUBJECTS)
            cc = [rng.choice(colleagues)] if rng.random() < 0.4 else []
            notes.append(Note(p, [me(at)], subject, at, cc=cc, notes_era=era(at),
                              folders=("inbox", "all_documents"),
                              body=f"Daniel,\n\nCan we talk about {subject.lower()}?\n\n{p[0]}\n"))  # fmt: skip
            back = at + timedelta(hours=rng.randint(1, 30))
            notes.append(Note(me(back), [p], "RE: " + subject, back, cc=cc, notes_era=era(back),
                              folders=sent_folders(back),
                              body=f"Sounds good.\n\nDaniel\n\n -----Original Message-----\nFrom: \t{p[0]}\nSent:\t...\n"))  # fmt: skip
    # The one who wrote last, five days ago, with a question: an answer is owed.
    asker = person("gulfstream-energy.example")
    first = NOW - timedelta(days=16)
    notes.append(Note(me(first), [asker], "Q1 2002 gas supply - term sheet", first, notes_era=False,
                      folders=sent_folders(first)))  # fmt: skip
    theirs = NOW - timedelta(days=6, hours=2)
    notes.append(Note(asker, [me(theirs)], "RE: Q1 2002 gas supply - term sheet", theirs,
                      notes_era=False, folders=("inbox",),
                      body="Daniel,\n\nWe can do 20,000/day at Katy. Can you confirm the credit terms by Friday?\n\n"
                           " -----Original Message-----\nFrom: \tWhitcomb, Daniel K  \nSent:\tMonday, November 19, 2001\n"
                           "To:\tLindqvist, Elif\nSubject:\tQ1 2002 gas supply - term sheet\n\nPlease send terms.\n"))  # fmt: skip
    t(asker[1], "peer", "counterparty who wrote last with a question", wanted="reply-owed",
      drafts=frozenset({"reply-owed"}), answers="RE: Q1 2002 gas supply - term sheet",
      quote="We can do 20,000/day at Katy. Can you confirm the credit terms by Friday?")
    # The lawyer he asked for a draft, no answer for eight days: a nudge.
    lawyer = person("vinsonlaw.example")
    asked = NOW - timedelta(days=8, hours=3)
    notes.append(Note(me(asked), [lawyer], "Draft ISDA schedule for Calpower", asked,
                      notes_era=False, folders=sent_folders(asked)))  # fmt: skip
    t(lawyer[1], "peer", "lawyer he asked for a draft; no answer", wanted="no-reply-nudge",
      drafts=frozenset({"no-reply-nudge"}), answers="Draft ISDA schedule for Calpower")
    # Someone he forwarded a colleague's note to, once, a year ago.
    banker = person("firstcapital.example")
    at = NOW - timedelta(days=300)
    notes.append(Note(me(at), [banker], "FW: Counterparty exposure", at, notes_era=True,
                      folders=sent_folders(at)))  # fmt: skip
    t(banker[1], "peer", "he wrote to him personally once", drafts=CHECK_INS)

    # --- brokers and cold pitches: they write, he never answers ---------------------------------
    for _ in range(15 * scale):
        p = person(rng.choice([*EXTERNAL, "energybroker.example"]))
        t(p[1], "candidate", "writes to him, never answered")
        for _ in range(rng.randint(1, 4)):
            at = when(500)
            notes.append(Note(p, [me(at)], rng.choice(["Basis quotes", "Indicative offer",
                                                       "Introduction", "Storage opportunity"]), at,
                              notes_era=era(at), folders=rng.choice([("inbox",), ("deleted_items",)])))  # fmt: skip
    # --- his mass mail: a holiday note to forty people, externals among them ------------------
    crowd_ext = [person(rng.choice(EXTERNAL)) for _ in range(8)]
    for p in crowd_ext:
        t(p[1], "candidate", "only in his mass mail")
    at = NOW - timedelta(days=350)
    notes.append(Note(me(at), [*rng.sample(colleagues, 20), *crowd_ext], "Happy holidays", at,
                      notes_era=True, folders=sent_folders(at)))  # fmt: skip
    # --- newsletters and notifications: no List-* headers survive in this export ---------------
    letters = [("Enerfax Daily", "enerfax1@bellsouth.net"),
               ("Energy Insight", "newsletter@energycentral.example"),
               ("CERA", "webmaster@cera.example"),
               ("The Motley Fool", "fool@foolmail.example"),
               ("", "arsystem@mailman.enron.com")]  # fmt: skip
    for name, address in letters:
        t(address, "newsletter", "newsletter or notification")
        for _ in range(12 * scale):
            at = when(500)
            notes.append(Note((name, address), [me(at)], f"{name or 'Request'} - {at:%B %d}", at,
                              notes_era=era(at), folders=("inbox",)))  # fmt: skip
    # --- friends and family on free-mail ----------------------------------------------------------
    for _ in range(5):
        p = person(rng.choice(FREE), "firstl")
        t(p[1], "personal-domain", "a friend writing from free-mail")
        at = when(400, before=NOW - timedelta(days=40))
        notes.append(Note(p, [me(at)], "dinner saturday?", at, notes_era=era(at)))
        notes.append(Note(me(at + timedelta(hours=2)), [p], "Re: dinner saturday?",
                          at + timedelta(hours=2), notes_era=era(at), folders=sent_folders(at)))  # fmt: skip

    truth.messages = _write(home, notes, rng)
    return truth


def _write(home: Path, notes: list[Note], rng: random.Random) -> int:
    notes.sort(key=lambda n: n.date)
    counters: dict[str, int] = {}
    written = 0
    for note in notes:
        for folder in note.folders:
            counters[folder] = counters.get(folder, 0) + 1
            mid = f"{rng.randint(10**6, 10**8)}.{1075855000000 + written}.JavaMail.evans@thyme"
            path = home / folder / f"{counters[folder]}."
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(note.render(mid, folder), encoding="ascii", errors="replace")
            written += 1
    return written
