"""The real public samples (`../shared/samples`) as detection runs: one owner, its interactions.

Read at run time through keepwarm's own connectors' parsers (files, Gmail and Graph mapping);
nothing is copied into the repository. Each run names its owner and how it was chosen:
the mailbox a Gmail export belongs to, the calendar's `self` attendee, or the address most of
a folder's messages were delivered to.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from connectors.files.calendar import expand_file
from connectors.files.maildir import read_eml
from connectors.google import mapping as gmapping
from connectors.microsoft import mapping as mmapping
from keepwarm.models import Interaction, Kind, Role, StoredInteraction

#: Calendars are read from here to `NOW`; everything in the samples happened before it.
SINCE = datetime(1990, 1, 1, tzinfo=UTC)
NOW = datetime(2027, 1, 1, tzinfo=UTC)


@dataclass
class Run:
    name: str
    owner: tuple[str, ...]
    how: str
    items: list[StoredInteraction] = field(default_factory=list)

    def add(self, item: Interaction) -> None:
        self.items.append(StoredInteraction(len(self.items) + 1, self.name, item))


def _mail(folder: Path) -> list[Interaction]:
    found: list[Interaction] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        for page in read_eml(path, None):
            found += page.interactions
    return found


def _top_recipient(items: list[Interaction]) -> str:
    """The address most messages were delivered to (To/Cc), as the folder's owner."""
    counts = Counter(
        p.address for i in items for p in i.participants if p.role in (Role.TO, Role.CC)
    )
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def mail_runs(root: Path) -> Iterator[Run]:
    for name in ("flanker", "cpython-test_email", "spamscope-mail-parser"):
        items = _mail(root / "mail" / name)
        owner = _top_recipient(items)
        run = Run(f"mail-{name.split('-')[0]}", (owner,), "the address most messages were sent to")
        for item in sorted(items, key=lambda i: i.occurred_at):
            run.add(item)
        yield run


def _ics(paths: list[Path]) -> list[Interaction]:
    found: list[Interaction] = []
    for path in paths:
        interactions, _, _ = expand_file(path.read_bytes(), str(path), SINCE, NOW)
        found += interactions
    return found


def _top_attendee(items: list[Interaction]) -> str:
    counts = Counter(p.address for i in items for p in i.participants)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def ics_runs(root: Path) -> Iterator[Run]:
    """One run per calendar file that names people: a calendar has one owner."""
    for folder in ("recurring-ical-events", "icalendar", "icaljs", "libical"):
        for path in sorted((root / "ics" / folder).glob("*.ics")):
            items = _ics([path])
            if not any(len(i.participants) > 1 for i in items):
                continue
            owner = _top_attendee(items)
            run = Run(
                f"ics-{folder}-{path.stem}", (owner,), "the calendar's most frequent attendee"
            )
            for item in sorted(items, key=lambda i: i.occurred_at):
                run.add(item)
            yield run


def _gmail_resources(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict) and "payload" in data:
        yield data
    elif isinstance(data, dict) and isinstance(data.get("response"), dict):
        yield from _gmail_resources(data["response"])


def _with_date(resource: dict[str, Any]) -> dict[str, Any]:
    """heedspin's export (a Ruby dump) lost `internalDate`: take it from the Date header."""
    if resource.get("internalDate"):
        return resource
    headers = {h["name"].lower(): h["value"] for h in resource["payload"].get("headers", [])}
    moment = parsedate_to_datetime(headers["date"])
    return {**resource, "internalDate": str(int(moment.timestamp() * 1000))}


def gmail_runs(root: Path) -> Iterator[Run]:
    """heedspin's export is keyed by mailbox: each mailbox is a run owned by that address."""
    for path in sorted((root / "google" / "heedspin-htk_gmail-2014").glob("*.json")):
        for mailbox, messages in json.loads(path.read_text()).items():
            run = Run(
                f"gmail-{path.stem}-{mailbox.split('@')[0]}", (mailbox,), "the export's mailbox"
            )
            items = [gmapping.message(_with_date(m)) for m in messages]
            for item in sorted(items, key=lambda i: i.occurred_at):
                run.add(item)
            yield run


def calendar_api_runs(root: Path) -> Iterator[Run]:
    """Google Calendar and Graph event lists: owned by the `self` attendee or the organizer."""
    for path in sorted((root / "google").glob("*events-list*.json")):
        data = json.loads(path.read_text())
        owner = next(
            (i["organizer"]["email"] for i in data["items"] if i.get("organizer", {}).get("self")),
            "",
        )
        run = Run(f"gcal-{path.stem.split('_')[0]}", (owner,), "the `self` organizer")
        for resource in data["items"]:
            run.add(gmapping.event(resource, calendar="primary", zone=data.get("timeZone")))
        yield run
    path = (
        root
        / "microsoft"
        / "graph-docs"
        / "calendarView-delta_round-trip_delta-query-events.md.json"
    )
    rounds = json.loads(path.read_text())
    events = [e for r in rounds for e in (r.get("response") or {}).get("value") or []]
    owner = Counter(
        (e.get("organizer") or {}).get("emailAddress", {}).get("address", "").lower()
        for e in events
    ).most_common(1)[0][0]
    run = Run("graph-calendarview", (owner,), "the organizer of most events")
    for event in events:
        try:
            found = mmapping.event(event, source="graph")
        except mmapping.Unusable:
            continue  # a delta `@removed` stub: no meeting
        if found is not None:
            run.add(found)
    yield run


def runs(root: Path) -> list[Run]:
    found = [*mail_runs(root), *ics_runs(root), *gmail_runs(root), *calendar_api_runs(root)]
    return [r for r in found if r.items and r.owner[0]]


def describe(item: Interaction) -> str:
    """One line per interaction, for reading the data while labelling."""
    who = " ".join(
        f"{p.role.value}={p.address}"
        + (f"[{p.response.value}]" if p.response else "")
        + ("(room)" if p.is_resource else "")
        + (f"'{p.name}'" if p.name else "")
        for p in item.participants
    )
    flags = " ".join(f"{k}" for k in sorted(item.headers))
    extra = f" irt={item.in_reply_to}" if item.in_reply_to else ""
    kind = "MEET" if item.kind is Kind.MEETING else "MAIL"
    return f"{kind} {item.occurred_at:%Y-%m-%d} {item.subject[:40]!r} {who}{extra} [{flags}]"
