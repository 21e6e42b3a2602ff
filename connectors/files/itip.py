"""Invitations saved as files: which version of a meeting counts (iTIP, RFC 5546).

A folder of invitations holds several files per meeting: the REQUEST, an update that moved it
(a higher SEQUENCE), a CANCEL, the attendees' REPLYs. Each file is its own stream and the
store keeps one row per occurrence, so without this the file read last would win. The ledger
is built from a light scan of every calendar file of the account and tells each file, for
each of its events:

- `keep`: this is the newest version (highest SEQUENCE, then latest DTSTAMP);
- `cancelled`: a CANCEL (or `STATUS:CANCELLED`) at least as new exists: its occurrences are
  written as cancelled, whichever file holds them;
- `moved`: a newer version starts at another time: this time never happened (cancelled);
- `skip`: a newer version at the same time exists elsewhere, or this is a REPLY whose meeting
  is known: nothing is written from it;

and the newest answer (PARTSTAT) each attendee gave by REPLY, applied to the kept version.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from icalendar.prop import vDDDTypes

from connectors.files.icsevents import RESPONSES, iso, to_utc
from keepwarm.models import Interaction, Response, Role

_UNFOLD = re.compile(r"\r?\n[ \t]")
_MAILTO = re.compile(r"mailto:([^;:\s]+@[^;:\s]+)", re.IGNORECASE)
_PARAM = re.compile(r";([A-Za-z-]+)=(\"[^\"]*\"|[^;:]*)")
_NOT_VERSIONS = frozenset({"REPLY", "COUNTER", "REFRESH", "DECLINECOUNTER"})


@dataclass(frozen=True, slots=True)
class Fact:
    """What the ledger needs from one VEVENT."""

    uid: str
    rid: str
    method: str
    #: The organiser's address: a meeting is its UID *and* its organiser (unrelated calendars
    #: that number their events `UID:1` never touch each other).
    organiser: str
    sequence: int
    stamp: str
    start: str
    recurring: bool
    cancelled: bool
    replies: tuple[tuple[str, str], ...] = ()

    @property
    def version(self) -> tuple[int, str]:
        return self.sequence, self.stamp

    def text(self) -> str:
        return "|".join([self.uid, self.organiser, self.rid, self.method, str(self.sequence), self.stamp,
                         self.start, str(self.recurring), str(self.cancelled),
                         ",".join(f"{a}={p}" for a, p in self.replies)])  # fmt: skip


def scan(text: str) -> list[Fact]:
    """The VEVENTs of a calendar text, read line by line (no full parse: this runs on every
    file of the account whenever one of them changes)."""
    facts: list[Fact] = []
    method = ""
    event: dict[str, str] | None = None
    attendees: list[str] = []
    organiser = ""
    for line in _UNFOLD.sub("", text).splitlines():
        name, _, value = line.partition(":")
        prop = name.split(";", 1)[0].strip().upper()
        if prop == "BEGIN" and value.strip().upper() == "VCALENDAR":
            method = ""
        elif prop == "METHOD" and event is None:
            method = value.strip().upper()
        elif prop == "BEGIN" and value.strip().upper() == "VEVENT":
            event, attendees, organiser = {}, [], ""
        elif event is None:
            continue
        elif prop == "END" and value.strip().upper() == "VEVENT":
            facts.append(_fact(event, attendees, method, organiser))
            event = None
        elif prop == "ATTENDEE":
            attendees.append(line)
        elif prop == "ORGANIZER":
            organiser = _calendar_address(line)
        elif prop in ("UID", "RECURRENCE-ID", "SEQUENCE", "DTSTAMP", "DTSTART", "STATUS",
                      "RRULE", "RDATE"):  # fmt: skip
            event.setdefault(prop, (name[len(prop):] + ":" + value).strip() if prop in (
                "RECURRENCE-ID", "DTSTART") else value.strip())  # fmt: skip
    return facts


def instant(raw: str) -> str:
    """`TZID=Europe/Lisbon:20261005T100000` (as scanned) as the UTC time meetings are keyed by
    (`2026-10-05T09:00:00Z`); a date stays a date; what cannot be read stays as written."""
    if not raw:
        return ""
    params, _, value = raw.rpartition(":")
    tzid = dict(_PARAM.findall(";" + params.lstrip(";"))).get("TZID", "").strip('"') or None
    try:
        moment = vDDDTypes.from_ical(value.strip(), timezone=tzid)  # type: ignore[no-untyped-call]
    except Exception:  # icalendar raises assorted types for odd values
        return raw
    if isinstance(moment, datetime):
        return iso(to_utc(moment, tzid))
    return str(moment)


def _calendar_address(line: str) -> str:
    """The address of an ORGANIZER/ATTENDEE line as the event reader takes it (EMAIL= first)."""
    head = line.partition(":")[0]
    params = {k.upper(): v.strip('"') for k, v in _PARAM.findall(head)}
    found = params.get("EMAIL") or next(iter(_MAILTO.findall(line[len(head) :])), "")
    return found.removeprefix("mailto:").lower() if "@" in found else ""


def _fact(event: dict[str, str], attendees: list[str], method: str, organiser: str) -> Fact:
    try:
        sequence = int(event.get("SEQUENCE", "0"))
    except ValueError:
        sequence = 0
    replies: list[tuple[str, str]] = []
    if method == "REPLY":
        for line in attendees:
            params = {k.upper(): v.strip('"') for k, v in _PARAM.findall(line.partition(":")[0])}
            found = _calendar_address(line)
            if found and params.get("PARTSTAT"):
                replies.append((found, params["PARTSTAT"].upper()))
    return Fact(
        uid=event.get("UID", ""),
        rid=instant(event.get("RECURRENCE-ID", "")),
        method=method,
        organiser=organiser,
        sequence=sequence,
        stamp=event.get("DTSTAMP", ""),
        start=instant(event.get("DTSTART", "")),
        recurring="RRULE" in event or "RDATE" in event,
        cancelled=method == "CANCEL" or event.get("STATUS", "").upper() == "CANCELLED",
        replies=tuple(replies),
    )


Key = tuple[str, str, str]  # UID, organiser, recurrence id ("" for a series or a single event)


@dataclass
class Ledger:
    """Every calendar file's facts, and what they decide together."""

    files: dict[str, list[Fact]] = field(default_factory=dict)
    _best: dict[Key, Fact] = field(default_factory=dict)
    _answers: dict[Key, dict[str, tuple[str, str]]] = field(default_factory=dict)
    _cancelled: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _holders: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: dict[str, list[Fact]]) -> Ledger:
        ledger = cls(files)
        for path, facts in files.items():
            for f in facts:
                if not f.uid:
                    continue
                ledger._holders.setdefault(f.uid, set()).add(path)
                key = (f.uid, f.organiser, f.rid)
                if f.method in _NOT_VERSIONS:
                    answers = ledger._answers.setdefault(key, {})
                    for address, partstat in f.replies:
                        if address not in answers or answers[address][0] <= f.stamp:
                            answers[address] = (f.stamp, partstat)
                    continue
                best = ledger._best.get(key)
                if best is None or f.version > best.version or (
                    f.version == best.version and f.cancelled and not best.cancelled
                ):
                    ledger._best[key] = f
        for (uid, organiser, rid), best in ledger._best.items():
            if rid and best.cancelled:
                ledger._cancelled.setdefault((uid, organiser), set()).add(rid)
        return ledger

    def verdict(self, f: Fact) -> str:
        """`keep`, `cancelled`, `moved` or `skip` for this file's event."""
        if f.method in _NOT_VERSIONS:
            known = any(k[0] == f.uid and k[1] == f.organiser for k in self._best)
            return "skip" if known else "keep"
        keys = [(f.uid, f.organiser, "")] + ([(f.uid, f.organiser, f.rid)] if f.rid else [])
        for key in keys:
            # A series cancel covers its exceptions; an occurrence's cancel only that one.
            best = self._best.get(key)
            if best is not None and best.cancelled and best.version >= f.version:
                return "cancelled"
        best = self._best.get((f.uid, f.organiser, f.rid))
        if best is None or best.version <= f.version:
            return "keep"
        if not f.recurring and not best.recurring and best.start != f.start:
            return "moved"
        return "skip"

    def cancelled_at(self, uid: str, organiser: str) -> set[str]:
        """Occurrences (UTC recurrence ids) of a series cancelled one by one."""
        return self._cancelled.get((uid, organiser), set())

    def answers(self, uid: str, organiser: str, rid: str = "") -> dict[str, str]:
        """The newest PARTSTAT each attendee sent by REPLY for this meeting (and occurrence)."""
        found = {a: p for a, (_, p) in self._answers.get((uid, organiser, ""), {}).items()}
        if rid:
            found.update({a: p for a, (_, p) in self._answers.get((uid, organiser, rid), {}).items()})
        return found

    def digest(self, path: str) -> str:
        """What other files say about this file's meetings ("" when they share none)."""
        uids = {f.uid for f in self.files.get(path, ()) if f.uid}
        shared = sorted(
            f.text()
            for uid in uids
            for other in sorted(self._holders.get(uid, ()))
            if other != path
            for f in self.files[other]
            if f.uid == uid
        )
        if not shared:
            return ""
        return hashlib.sha1("\n".join(shared).encode(), usedforsecurity=False).hexdigest()[:16]


def ledger_of(texts: Iterable[tuple[str, str]]) -> Ledger:
    """The ledger of (path, calendar text) pairs."""
    return Ledger.of({path: scan(text) for path, text in texts})


def _moment(prop: Any) -> str:
    """A DTSTART/RECURRENCE-ID property as `instant` writes it."""
    if prop is None:
        return ""
    try:
        value = prop.dt
        params = getattr(prop, "params", None)
        tzid = str(params.get("TZID")) if params and params.get("TZID") else None
        return iso(to_utc(value, tzid)) if isinstance(value, datetime) else str(value)
    except Exception:  # an unusable time: the event is quarantined elsewhere
        return ""


def _organiser_of(component: Any) -> str:
    """The organiser as `scan` reads it: the EMAIL= parameter, else the `mailto:` value."""
    prop = component.get("ORGANIZER")
    if prop is None:
        return ""
    params = getattr(prop, "params", None)
    email = str(params.get("EMAIL", "")).strip('"') if params else ""
    found = email if "@" in email else str(prop)
    found = found.strip()
    found = found[7:] if found.lower().startswith("mailto:") else found
    return found.lower() if "@" in found else ""


def fact_of(component: Any, method: str) -> Fact:
    """The `Fact` of a parsed VEVENT, equal to what `scan` finds for it in the text."""
    try:
        sequence = int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    stamp = component.get("DTSTAMP")
    try:
        stamp_text = stamp.to_ical().decode() if stamp is not None else ""
    except Exception:  # DTSTAMP icalendar could not read
        stamp_text = ""
    return Fact(
        uid=str(component.get("UID", "")).strip(),
        rid=_moment(component.get("RECURRENCE-ID")),
        method=method,
        organiser=_organiser_of(component),
        sequence=sequence,
        stamp=stamp_text,
        start=_moment(component.get("DTSTART")),
        recurring="RRULE" in component or "RDATE" in component,
        cancelled=method == "CANCEL" or str(component.get("STATUS", "")).upper() == "CANCELLED",
    )


def answered(item: Interaction, ledger: Ledger) -> Interaction:
    """The occurrence with what REPLY files and per-occurrence CANCELs say about it."""
    uid = (item.thread_id or "").removeprefix("ics:")
    ident = item.provider_id.removeprefix(f"ics:{uid}:")
    organiser = next((p.address for p in item.participants if p.role is Role.ORGANIZER), "")
    if not item.cancelled and ident in ledger.cancelled_at(uid, organiser):
        item = replace(item, cancelled=True)
    answers = ledger.answers(uid, organiser, ident)
    if not answers:
        return item
    people = tuple(
        replace(p, response=RESPONSES.get(answers[p.address], p.response))
        if p.role is Role.ATTENDEE
        and p.address in answers
        and p.response is not Response.NON_PARTICIPANT
        else p
        for p in item.participants
    )
    return replace(item, participants=people)
