"""A business developer's calendars and invitations: a Google Calendar export, Outlook/Exchange
invitations saved from mail (REQUEST, an update that moved a meeting, a CANCEL, SENT-BY, a
delegation, a non-participant), an iCloud invitation whose people hide behind iMIP relays,
attendees' METHOD:REPLY files, and the invitation e-mails themselves.

Shapes studied from real producers (Google `X-NUM-GUESTS`, `resource.calendar.google.com`
rooms; Outlook's Windows zone names and `X-MICROSOFT-CDO-*`; iCloud's `EMAIL=` parameter with
a `…@imip.me.com` calendar address); every person is made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.realistic.cast import Cast
from tests.realistic.mailfile import Addr, Mail, write_mboxrd
from tests.realistic.truth import CHECK_INS, Truth

OWNER: Addr = ("Ines Carvalho", "ines.carvalho@harbourline.example")
DOMAIN = "harbourline.example"
NOW = datetime(2026, 10, 14, 17, 0, tzinfo=UTC)  # a Wednesday
#: The second cycle, three days on: a first meeting happened in between.
LATER = NOW + timedelta(days=2, hours=20)
THANKS = frozenset({"new-peer-thank-you"})
ORGS = ["northwind.example", "bergdesign.example", "tagus-capital.example", "atlantico.example",
        "porto-logistics.example", "meridian-foods.example", "quayside.example"]  # fmt: skip

LISBON_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Lisbon
X-LIC-LOCATION:Europe/Lisbon
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:WEST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:WET
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""
GMT_STANDARD = """BEGIN:VTIMEZONE
TZID:GMT Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    out, chunk = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > (75 if not out else 74):
            out.append(chunk.decode("utf-8"))
            chunk = b""
        chunk += b
    out.append(chunk.decode("utf-8"))
    return "\r\n ".join(out)


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local(at: datetime, zone: str = "Europe/Lisbon") -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


@dataclass
class Person:
    name: str
    address: str
    partstat: str = "ACCEPTED"
    role: str = "REQ-PARTICIPANT"
    cutype: str = "INDIVIDUAL"
    extra: str = ""
    #: Written as the calendar address instead of `mailto:address` (iCloud relays).
    uri: str = ""

    def line(self, producer: str, prop: str = "ATTENDEE") -> str:
        cn = f'"{self.name}"' if "," in self.name else self.name
        target = self.uri or f"mailto:{self.address}"
        if prop == "ORGANIZER":
            params = f"CN={cn}{self.extra}"
        elif producer == "google":
            params = (f"CUTYPE={self.cutype};ROLE={self.role};PARTSTAT={self.partstat};"
                      f"RSVP=TRUE;CN={cn};X-NUM-GUESTS=0{self.extra}")  # fmt: skip
        elif producer == "outlook":
            params = f"ROLE={self.role};PARTSTAT={self.partstat};RSVP=TRUE;CN={cn}{self.extra}"
        else:
            params = f"CN={cn};CUTYPE={self.cutype};PARTSTAT={self.partstat};ROLE={self.role}{self.extra}"
        return fold(f"{prop};{params}:{target}")


@dataclass
class Event:
    uid: str
    summary: str
    start: datetime
    minutes: int
    organizer: Person
    attendees: list[Person]
    producer: str = "google"
    sequence: int = 0
    status: str = "CONFIRMED"
    rrule: str = ""
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None
    location: str = ""
    zone: str = "Europe/Lisbon"

    def render(self) -> str:
        z = self.zone
        lines = ["BEGIN:VEVENT"]
        lines.append(f"DTSTART;TZID={z}:{local(self.start, _iana(z))}")
        lines.append(f"DTEND;TZID={z}:{local(self.start + timedelta(minutes=self.minutes), _iana(z))}")
        if self.rrule:
            lines.append(f"RRULE:{self.rrule}")
        for ex in self.exdates:
            lines.append(f"EXDATE;TZID={z}:{local(ex, _iana(z))}")
        if self.recurrence_id is not None:
            lines.append(f"RECURRENCE-ID;TZID={z}:{local(self.recurrence_id, _iana(z))}")
        lines.append(f"DTSTAMP:{stamp(self.start - timedelta(days=7) + timedelta(hours=self.sequence))}")
        lines.append(self.organizer.line(self.producer, "ORGANIZER"))
        lines.append(f"UID:{self.uid}")
        lines.extend(a.line(self.producer) for a in self.attendees)
        lines.append(f"SEQUENCE:{self.sequence}")
        lines.append(f"STATUS:{self.status}")
        lines.append(fold(f"SUMMARY:{self.summary}"))
        if self.location:
            lines.append(fold(f"LOCATION:{self.location}"))
        if self.producer == "outlook":
            lines += ["X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "X-MICROSOFT-CDO-IMPORTANCE:1"]
        lines.append("TRANSP:OPAQUE")
        lines.append("END:VEVENT")
        return "\r\n".join(lines)


def _iana(zone: str) -> str:
    return {"GMT Standard Time": "Europe/London"}.get(zone, zone)


def calendar(events: list[Event], *, method: str = "", producer: str = "google") -> str:
    head = {
        "google": ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "CALSCALE:GREGORIAN",
                   f"X-WR-CALNAME:{OWNER[1]}", "X-WR-TIMEZONE:Europe/Lisbon"],
        "outlook": ["PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN"],
        "icloud": ["PRODID:-//Apple Inc.//iPhone OS 18.1//EN", "CALSCALE:GREGORIAN"],
    }[producer]  # fmt: skip
    zones = {e.zone for e in events}
    blocks = [LISBON_TZ if z == "Europe/Lisbon" else GMT_STANDARD for z in sorted(zones)]
    parts = ["BEGIN:VCALENDAR", *head, "VERSION:2.0"]
    if method:
        parts.append(f"METHOD:{method}")
    parts += [*blocks, *(e.render() for e in events), "END:VCALENDAR", ""]
    return "\r\n".join(parts)


def build(root: Path, *, seed: int = 5, scale: int = 1) -> Truth:
    """Write `root/calendar/…` and `root/mail/invitations.mbox`; the truth at `NOW`.

    `later(root)` then adds what the second cycle (at `LATER`) reads, with its truth.
    """
    rng = random.Random(seed)
    cast = Cast(seed)
    cal = root / "calendar"
    truth = Truth("calendar-invitations", OWNER[0], [OWNER[1]], [DOMAIN], "Europe/Lisbon", NOW,
                  [root / "mail"], [cal])  # fmt: skip
    t = truth.add
    me = Person(*OWNER)
    t(OWNER[1], "self", "the owner")
    seq = iter(range(1, 100_000))

    def uid(host: str = "google.com") -> str:
        return f"{rng.getrandbits(80):020x}{next(seq)}@{host}"

    def someone(domain: str | None = None, **kw: str) -> Person:
        name, address = cast.person(domain or rng.choice(ORGS), rng.choice(["first.last", "flast"]))
        return Person(name, address, **kw)

    colleagues = [someone(DOMAIN) for _ in range(6)]
    for c in colleagues:
        t(c.address, "colleague", "works with her")
    google: list[Event] = []
    # Weekly stand-up: internal, recurring, with a cancelled week and a moved one.
    standup_start = NOW - timedelta(days=180, hours=7)
    standup = Event(uid(), "Weekly stand-up", standup_start, 30, me, [me, *colleagues[:5]],
                    rrule="FREQ=WEEKLY;BYDAY=" + ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][standup_start.weekday()],
                    exdates=[standup_start + timedelta(weeks=4)])  # fmt: skip
    moved = Event(standup.uid, "Weekly stand-up (moved)", standup_start + timedelta(weeks=6, hours=2),
                  30, me, [me, *colleagues[:5]], recurrence_id=standup_start + timedelta(weeks=6))  # fmt: skip
    google += [standup, moved]
    room = Person("Lisbon-3-Tejo (8)", "c_1889f2c3d4e5a6b7@resource.calendar.google.com",
                  cutype="RESOURCE", partstat="ACCEPTED")  # fmt: skip
    t(room.address, "resource", "a meeting room")
    # External one-to-ones that happened: new professional peers met in person.
    met = []
    for _ in range(8 * scale):
        p = someone()
        at = NOW - timedelta(days=rng.randint(15, 170), hours=rng.randint(0, 6))
        google.append(Event(uid(), f"Intro: {OWNER[0].split()[0]} / {p.name.split()[0]}", at, 45,
                            rng.choice([me, p]), [me, p, *([room] if rng.random() < 0.4 else [])],
                            location=rng.choice(["", "Harbourline HQ, Rua do Alecrim 12", "https://meet.google.com/abc-defg-hij"])))  # fmt: skip
        t(p.address, "peer", "a one-to-one meeting that happened", drafts=CHECK_INS)
        met.append(p)
    # A monthly external sync, with one occurrence moved.
    mateo = someone("atlantico.example")
    monthly = Event(uid(), "Atlantico / Harbourline monthly", NOW - timedelta(days=150, hours=5),
                    60, mateo, [mateo, me, colleagues[0]], rrule="FREQ=MONTHLY;COUNT=6")  # fmt: skip
    google.append(monthly)
    t(mateo.address, "peer", "monthly meeting he organises",
      drafts=CHECK_INS | {"meeting-follow-up"})  # its sixth meeting falls between the cycles
    # Meetings that are not evidence.
    decliner = someone(partstat="DECLINED")
    google.append(Event(uid(), "Pricing chat", NOW - timedelta(days=30), 30, me, [me, decliner]))
    t(decliner.address, "candidate", "declined her only meeting")
    skipped = someone()
    google.append(Event(uid(), "Vendor demo", NOW - timedelta(days=25), 60, skipped,
                        [skipped, Person(*OWNER, partstat="DECLINED")]))  # fmt: skip
    t(skipped.address, "candidate", "organised a meeting she declined")
    called_off = someone()
    google.append(Event(uid(), "Lunch", NOW - timedelta(days=20), 60, called_off, [called_off, me],
                        status="CANCELLED"))  # fmt: skip
    t(called_off.address, "candidate", "their only meeting was cancelled")
    crowd = [someone() for _ in range(12)]
    google.append(Event(uid(), "Lisbon logistics roundtable", NOW - timedelta(days=40), 120,
                        crowd[0], [me, *crowd]))  # fmt: skip
    for p in crowd:
        t(p.address, "candidate", "only met in a 13-person roundtable")
    team_cal = Person("Harbourline shared", "c_9a8b7c6d5e4f@group.calendar.google.com")
    google.append(Event(uid(), "Offsite planning", NOW - timedelta(days=35), 60, me,
                        [me, colleagues[1], team_cal]))  # fmt: skip
    t(team_cal.address, "relay", "a shared calendar invited as an attendee")
    upcoming = someone()
    google.append(Event(uid(), "First call", NOW + timedelta(days=6), 30, upcoming, [upcoming, me]))
    t(upcoming.address, "candidate", "a meeting that has not happened yet")
    # A workshop she organised with three partners; one declines by a REPLY file.
    partners = [someone() for _ in range(3)]
    for p in partners:
        p.partstat = "NEEDS-ACTION"
    workshop = Event(uid(), "Partner workshop", NOW - timedelta(days=45), 90, me, [me, *partners])
    google.append(workshop)
    for p in partners[:2]:
        t(p.address, "peer", "attended her partner workshop", drafts=CHECK_INS)
    t(partners[2].address, "candidate", "declined the workshop (METHOD:REPLY)")
    (cal / "google").mkdir(parents=True)
    (cal / "google" / f"{OWNER[1]}.ics").write_text(calendar(google), encoding="utf-8")

    replies = cal / "replies"
    replies.mkdir()
    for i, (p, answer) in enumerate([(partners[0], "ACCEPTED"), (partners[2], "DECLINED")]):
        reply = Event(workshop.uid, "Partner workshop", workshop.start, 90, me,
                      [Person(p.name, p.address, partstat=answer)])  # fmt: skip
        (replies / f"reply-{i}.ics").write_text(calendar([reply], method="REPLY"), encoding="utf-8")

    # --- Outlook / Exchange invitations saved from mail ----------------------------------------
    out = cal / "outlook"
    out.mkdir()

    def invite(name: str, event: Event, method: str = "REQUEST") -> None:
        event.producer, event.zone = "outlook", "GMT Standard Time"
        (out / name).write_text(calendar([event], method=method, producer="outlook"), encoding="utf-8")

    amara = someone("northwind.example")
    amara.name = ", ".join(reversed(amara.name.split(" ", 1)))  # Exchange: "Okafor, Amara"
    invite("Quarterly review.ics", Event(uid("northwind.example"), "Quarterly review",
                                          NOW - timedelta(days=20), 60, amara,
                                          [amara, Person(*OWNER, partstat="NEEDS-ACTION")]))  # fmt: skip
    t(amara.address, "peer", "her Exchange invitation, met", drafts=CHECK_INS)
    leila = someone("northwind.example")
    assistant = someone("northwind.example")
    boss = Person(leila.name, leila.address, extra=f';SENT-BY="mailto:{assistant.address}"')
    invite("Supply agreement.ics", Event(uid("northwind.example"), "Supply agreement",
                                          NOW - timedelta(days=18), 60, boss,
                                          [Person(*OWNER), Person(leila.name, leila.address)]))  # fmt: skip
    t(leila.address, "peer", "organised a meeting (sent by her assistant)", drafts=CHECK_INS)
    t(assistant.address, "candidate", "only sent the invitation on someone's behalf")
    chief = someone("quayside.example")
    deputy = someone("quayside.example")
    planner = someone("quayside.example")
    t(planner.address, "peer", "attended her harbour slots meeting", drafts=CHECK_INS)
    invite("Harbour slots.ics", Event(uid("quayside.example"), "Harbour slots", NOW - timedelta(days=16),
                                      45, me, [
                                          Person(*OWNER),
                                          Person(chief.name, chief.address, partstat="DELEGATED",
                                                 extra=f';DELEGATED-TO="mailto:{deputy.address}"'),
                                          Person(deputy.name, deputy.address,
                                                 extra=f';DELEGATED-FROM="mailto:{chief.address}"'),
                                          planner,
                                      ]))  # fmt: skip
    t(chief.address, "candidate", "delegated the meeting to his deputy")
    t(deputy.address, "peer", "attended in his chief's place", drafts=CHECK_INS)
    fyi = someone("tagus-capital.example", role="NON-PARTICIPANT", partstat="NEEDS-ACTION")
    host = someone("tagus-capital.example")
    invite("Term sheet walkthrough.ics", Event(uid("tagus-capital.example"), "Term sheet walkthrough",
                                                NOW - timedelta(days=12), 60, host,
                                                [host, Person(*OWNER), fyi]))  # fmt: skip
    # Met within `new_peer`'s 14 days before the first sync: a late thank-you is still fine.
    t(host.address, "peer", "term sheet walkthrough", drafts=CHECK_INS | THANKS)
    t(fyi.address, "candidate", "copied for information (NON-PARTICIPANT)")
    # A meeting moved to next week: the first invitation's time never happened.
    mover = someone("meridian-foods.example")
    first = Event(uid("meridian-foods.example"), "Cold chain pilot", NOW - timedelta(days=9), 60,
                  mover, [mover, Person(*OWNER)])  # fmt: skip
    invite("Cold chain pilot.ics", first)
    moved_to = Event(first.uid, "Cold chain pilot", NOW + timedelta(days=5), 60, mover,
                     [mover, Person(*OWNER)], sequence=1)  # fmt: skip
    invite("Cold chain pilot (updated).ics", moved_to)
    t(mover.address, "candidate", "their meeting was moved to next week: not met yet")
    # A meeting called off: the CANCEL file sorts before the invitation it cancels.
    canceller = someone("porto-logistics.example")
    request = Event(uid("porto-logistics.example"), "Supplier call", NOW - timedelta(days=6), 30,
                    canceller, [canceller, Person(*OWNER)])  # fmt: skip
    invite("Supplier call.ics", request)
    cancel = Event(request.uid, "Supplier call", request.start, 30, canceller,
                   [canceller, Person(*OWNER)], sequence=1, status="CANCELLED")  # fmt: skip
    invite("Canceled_ Supplier call.ics", cancel, method="CANCEL")
    t(canceller.address, "candidate", "cancelled their only meeting")

    # --- iCloud: people behind iMIP relay addresses ---------------------------------------------
    icloud = cal / "icloud"
    icloud.mkdir()
    noah = someone("bergdesign.example")
    relay = f"2_GEZDGMJRGEYTCNBSG{rng.getrandbits(60):X}@imip.me.com"
    noah_p = Person(noah.name, noah.address, role="CHAIR", uri=f"mailto:{relay}",
                    extra=f";EMAIL={noah.address}")  # fmt: skip
    ev = Event(uid("icloud.com"), "Brand refresh kickoff", NOW - timedelta(days=11), 60, noah_p,
               [noah_p, Person(*OWNER, extra=f";EMAIL={OWNER[1]}")], producer="icloud")  # fmt: skip
    (icloud / "invite.ics").write_text(calendar([ev], method="REQUEST", producer="icloud"), encoding="utf-8")
    t(noah.address, "peer", "met him; iCloud wrote his address only in EMAIL=",
      drafts=CHECK_INS | THANKS)
    t(relay.lower(), "relay", "Apple iMIP relay")

    # --- the invitation e-mails in her mailbox ------------------------------------------------
    mails: list[Mail] = []
    for k, p in enumerate(partners[:2]):
        mails.append(Mail((p.name, p.address), [OWNER], f"Accepted: Partner workshop @ Tue Aug 30, 2026 10am - 11:30am (WEST) ({OWNER[1]})",
                          workshop.start - timedelta(days=3 - k), f"accept{k}.{rng.getrandbits(40):x}@google.com",
                          headers=[("Content-Type", 'multipart/mixed; boundary="000000000000abcd"')]))  # fmt: skip
    # Amara's Exchange invitation as mail, and her "Accepted" on a meeting she was sent.
    mails.append(Mail((amara.name, amara.address), [OWNER], "Quarterly review",
                      NOW - timedelta(days=27), f"inv1.{rng.getrandbits(40):x}@northwind.example",
                      headers=[("Content-Type", 'multipart/alternative; boundary="_000_x"'),
                               ("Thread-Topic", "Quarterly review"),
                               ("X-Auto-Response-Suppress", "All")]))  # fmt: skip
    # A real exchange by mail with a met peer, where she owes the answer.
    p = met[0]
    ask_at = NOW - timedelta(days=6, hours=5)
    mails.append(Mail(OWNER, [(p.name, p.address)], "Pilot numbers", NOW - timedelta(days=9),
                      f"m1.{rng.getrandbits(40):x}@harbourline.example"))  # fmt: skip
    mails.append(Mail((p.name, p.address), [OWNER], "Re: Pilot numbers", ask_at,
                      f"m2.{rng.getrandbits(40):x}@{p.address.split('@')[1]}",
                      in_reply_to=mails[-1].message_id, references=[mails[-1].message_id],
                      body="Thanks Ines. Could you share the Q3 volumes before our call?\n"))  # fmt: skip
    t(p.address, "peer", "met, then wrote last with a question", wanted="reply-owed",
      drafts=frozenset({"reply-owed"}), answers="Re: Pilot numbers")
    # Her own calendar answering invitations: an upcoming first call, and Amara's review.
    mails.append(Mail(OWNER, [(upcoming.name, upcoming.address)],
                      f"Accepted: First call @ Tue 20 Oct 2026 3pm - 3:30pm (WEST) ({OWNER[1]})",
                      NOW - timedelta(days=8), f"a1.{rng.getrandbits(40):x}@harbourline.example",
                      headers=[("Content-Type", 'text/calendar; charset="UTF-8"; method=REPLY')]))  # fmt: skip
    mails.append(Mail(OWNER, [(amara.name, amara.address)], "Accepted: Quarterly review",
                      NOW - timedelta(days=26), f"a2.{rng.getrandbits(40):x}@harbourline.example",
                      headers=[("X-Auto-Response-Suppress", "All")]))  # fmt: skip
    # Google's own invitation notices.
    mails.append(Mail(("Google Calendar", "calendar-notification@google.com"), [OWNER],
                      "Notification: Weekly stand-up @ Mon 12 Oct 2026", NOW - timedelta(days=2),
                      f"n1.{rng.getrandbits(40):x}@google.com",
                      headers=[("Auto-Submitted", "auto-generated")]))  # fmt: skip
    t("calendar-notification@google.com", "bot", "Google Calendar notifications")
    write_mboxrd(root / "mail" / "invitations.mbox", mails)
    truth.messages = len(mails)
    truth.events = len(google) + 9
    _later_people.clear()
    _later_people.append(someone("quayside.example"))
    return truth


_later_people: list[Person] = []


def later(root: Path, truth: Truth) -> Truth:
    """Three days on: a first meeting happened with someone new, and they accepted by mail.

    What a professional wants now: a thank-you for that first meeting; nothing else new.
    """
    kwame = _later_people[0]
    ev = Event(f"later-{kwame.address}", "Harbour analytics demo", LATER - timedelta(hours=28), 60,
               Person(*OWNER), [Person(*OWNER), Person(kwame.name, kwame.address)])  # fmt: skip
    (root / "calendar" / "google" / "later.ics").write_text(calendar([ev]), encoding="utf-8")
    accept = Mail((kwame.name, kwame.address), [OWNER],
                  f"Accepted: Harbour analytics demo @ Mon ({OWNER[1]})", ev.start - timedelta(days=1),
                  "accept-later@google.com")  # fmt: skip
    write_mboxrd(root / "mail" / "later.mbox", [accept])
    truth.now = LATER
    truth.add(kwame.address, "peer", "first meeting, yesterday", wanted="new-peer-thank-you",
              drafts=frozenset({"new-peer-thank-you"}))  # fmt: skip
    # The reply owed three days ago is still owed (or withdrawn if she answered): unchanged.
    return truth
