"""The synthetic calendar: ~200 meetings with series, rooms, cancellations and declines."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from bench_settings import NOW, OWNER, OWNER_DOMAIN
from synthetic_words import FIRST_NAMES, ORG_WORDS, TOPICS


def _ics_time(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")


def generate_calendar(path: Path, count: int, rng: random.Random) -> int:
    """About `count` meetings in one .ics (a few weekly series among them). Returns VEVENTs written."""
    externals = [
        f"{rng.choice(FIRST_NAMES).lower()}.{i}@{rng.choice(ORG_WORDS)}partners{i % 37}.com"
        for i in range(300)
    ]
    internals = [f"colleague{i}@{OWNER_DOMAIN}" for i in range(20)]
    rooms = [f"c_{i:04d}room@resource.calendar.google.com" for i in range(5)]
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//keepwarm bench//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for i in range(count):
        start = (NOW - timedelta(days=350) + timedelta(days=rng.random() * 370)).replace(
            minute=rng.choice((0, 30)), second=0, microsecond=0
        )
        end = start + timedelta(minutes=rng.choice((30, 30, 45, 60)))
        big = rng.random() < 0.05
        people = rng.sample(externals, rng.randint(9, 14) if big else rng.randint(1, 3))
        if rng.random() < 0.3:
            people += rng.sample(internals, rng.randint(1, 2))
        organizer = OWNER if rng.random() < 0.5 else people[0]
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART:{_ics_time(start)}",
            f"DTEND:{_ics_time(end)}",
            f"DTSTAMP:{_ics_time(NOW)}",
            f"UID:bench-{i:05d}-{rng.randrange(16**10):010x}@keepwarm.bench",
            f"SUMMARY:{rng.choice(TOPICS).capitalize()}",
            f"ORGANIZER;CN={'Ada Lovelace' if organizer == OWNER else 'Organizer'}:mailto:{organizer}",
        ]
        if i % 40 == 0:  # a handful of weekly series, expanded by the connector
            lines.append("RRULE:FREQ=WEEKLY;COUNT=8")
        if rng.random() < 0.05:
            lines.append("STATUS:CANCELLED")
        else:
            lines.append("STATUS:CONFIRMED")
        owner_status = "DECLINED" if rng.random() < 0.05 else "ACCEPTED"
        lines.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={owner_status}")
        lines.append(f" ;CN=Ada Lovelace:mailto:{OWNER}")
        for person in people:
            status = rng.choice(
                ("ACCEPTED", "ACCEPTED", "ACCEPTED", "TENTATIVE", "NEEDS-ACTION", "DECLINED")
            )
            lines.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={status}")
            lines.append(f" ;CN={person.split('@')[0].replace('.', ' ').title()}:mailto:{person}")
        if rng.random() < 0.2:
            lines.append(
                f"ATTENDEE;CUTYPE=ROOM;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Room:mailto:{rng.choice(rooms)}"
            )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    return count


# =============================================================================================
# The workspace on disk
# =============================================================================================
