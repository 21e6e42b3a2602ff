"""A big store, built fast: the synthetic mailbox's messages parsed in memory, no mbox file.

The same cast and mix as `synthetic_mailbox` (without the transport noise keepwarm never
keeps), plus meetings, inserted through the ingest path in large batches. Building 1M
interactions this way takes minutes, not the hour a 2.6 GB mbox would.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from bench_settings import NOW, OWNER
from synthetic_mailbox import Correspondence, _pick_correspondent, message_times

from connectors.files.parallel import ordered_map
from keepwarm.models import Interaction, Kind, Participant, Response, Role

BATCH = 5000


def _blocks(mail: Correspondence, times: list[datetime]) -> Iterator[list[tuple[bytes, str, bytes]]]:
    batch: list[tuple[bytes, str, bytes]] = []
    for n, at in enumerate(times):
        text = mail.message(at)
        header = text.partition("\n\n")[0].partition("\n")[2]  # no `From ` line, no body
        batch.append((header.encode(), f"synthetic#{n}", b""))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def interactions(mail: Correspondence, count: int) -> Iterator[list[Interaction]]:
    """`count` messages over the year before NOW, in batches, parsed on every core."""
    mail.world.plain = True
    times = message_times(count, mail.world.rng)
    try:
        for parsed in ordered_map("parse_blocks", _blocks(mail, times), parallel=True):
            yield [p for p in parsed if isinstance(p, Interaction)]
    finally:
        mail.world.plain = False


def meetings(mail: Correspondence, count: int) -> list[Interaction]:
    """Small meetings with correspondents over the year before NOW and the month after."""
    rng = mail.world.rng
    out = []
    for n in range(count):
        start = NOW - timedelta(days=365) + timedelta(minutes=rng.randrange(395 * 24 * 4) * 15)
        guests = {_pick_correspondent(mail.world).address for _ in range(rng.randint(1, 3))}
        parts = [Participant(OWNER, Role.ORGANIZER, "Ada Lovelace", Response.ACCEPTED)]
        parts += [
            Participant(a, Role.ATTENDEE, "", rng.choice((Response.ACCEPTED, Response.DECLINED)))
            for a in sorted(guests)
        ]
        out.append(
            Interaction(
                f"ics:synthetic-{n}",
                Kind.MEETING,
                start,
                tuple(parts),
                "Project sync",
                ended_at=start + timedelta(minutes=45),
                source="synthetic.ics",
            )
        )
    return out


def fresh_messages(mail: Correspondence, count: int, until: datetime, rng: random.Random) -> str:
    """`count` new messages in the quarter hour before `until`, as mbox text."""
    times = sorted(until - timedelta(seconds=rng.randrange(1, 900)) for _ in range(count))
    return "".join(mail.message(at.replace(microsecond=0)) for at in times)
