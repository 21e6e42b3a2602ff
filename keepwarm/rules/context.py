"""The variables a draft template can use (documented in rules/README.md).

What a person would look at before writing: who they are and how to greet them, the interaction
the rule fired on (its topic, a snippet, a meeting's attendees, organiser and location), their
last message, and how much has passed between you. `sample_contexts` have exactly the same
shape with made-up values, so `rules check` can render every template and catch variables that
do not exist, and templates that break on an edge case (no earlier interaction, no name, …),
before a real person is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from keepwarm.models import Classification, Owner, PersonView, Stage
from keepwarm.rules.history import Touch
from keepwarm.rules.names import greeting, greeting_name
from keepwarm.rules.placeholders import neutralise
from keepwarm.rules.subjects import topic

PREVIOUS_LIMIT = 5
# English names without strftime (locale-independent, and much faster in bulk).
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_NO_SNIPPETS: Mapping[int, str] = {}


def template_context(
    owner: Owner,
    person: PersonView,
    touch: Touch,
    history: Sequence[Touch],
    *,
    rule: str,
    trigger: str,
    now: datetime,
    with_previous: bool = True,
    snippets: Mapping[int, str] = _NO_SNIPPETS,
) -> dict[str, Any]:
    """Everything a template may use.

    `history` is every contact with the person up to `now` (oldest first, `touch` among them);
    `snippets` maps interaction ids to their stored snippets (only those wanted are looked up);
    `with_previous=False` skips building `previous` when the template does not use it.
    """
    zone = ZoneInfo(owner.timezone)
    view = _View(owner, person, zone, now, snippets)
    theirs = next((t for t in reversed(history) if t.direction == "in"), None)
    together = next((t for t in reversed(history) if t.direction != "out"), None)
    return {
        "owner": {
            "name": owner.name,
            "first_name": greeting_name(owner.name) or first_name(owner.name),
            "address": owner.addresses[0],
            "signature": owner.signature,
        },
        "person": {
            "name": person.name,
            "first_name": greeting_name(person.name),
            "greeting": greeting(person.name),
            "address": person.addresses[0],
            "organisation": person.organisation,
            "stage": person.stage.value if person.stage else "",
            "first_seen": _day(person.first_seen, zone),
            "last_seen": _day(person.last_seen, zone),
            "tags": sorted(person.tags),
            "fields": dict(person.fields),
        },
        "organisation": person.organisation,
        "interaction": view.touch(touch, people=True),
        "last_from_them": view.touch(theirs) if theirs is not None else None,
        "last_exchange": view.touch(together) if together is not None else None,
        "exchanges": _exchanges(history, now),
        "previous": [
            view.touch(t) for t in [t for t in history if t is not touch][-PREVIOUS_LIMIT:]
        ]
        if with_previous
        else [],
        "rule": {"name": rule, "trigger": trigger},
    }


class _View:
    """Turns touches into template dicts for one owner, person and clock."""

    def __init__(
        self,
        owner: Owner,
        person: PersonView,
        zone: ZoneInfo,
        now: datetime,
        snippets: Mapping[int, str],
    ) -> None:
        self.owner, self.person, self.zone, self.now, self.snippets = (
            owner, person, zone, now, snippets,
        )  # fmt: skip

    def touch(self, touch: Touch, *, people: bool = False) -> dict[str, Any]:
        local = touch.at.astimezone(self.zone)
        weekday = _WEEKDAYS[local.weekday()]
        out: dict[str, Any] = {
            "kind": "meeting" if touch.direction == "meeting" else "email",
            "direction": touch.direction,
            "subject": touch.subject,
            "topic": neutralise(topic(touch.subject)),
            "snippet": self.snippets.get(touch.interaction_id, ""),
            "date": f"{weekday} {local.day} {_MONTHS[local.month - 1]}",
            "weekday": weekday,
            "days_ago": max(0, (self.now - touch.at).days),
            "size": touch.size + 1,
            "location": touch.location,
        }
        if people:
            attendees = [self._someone(a, n) for a, n in touch.attendees]
            out["attendees"] = attendees
            out["others"] = [a for a in attendees if a["address"] not in self.person.addresses]
            out["organiser"] = self._organiser(touch)
        return out

    def _someone(self, address: str, name: str) -> dict[str, str]:
        if not name and address in self.person.addresses:
            name = self.person.name
        return {"name": name, "first_name": greeting_name(name), "address": address}

    def _organiser(self, touch: Touch) -> dict[str, Any] | None:
        if not touch.organiser:
            return None
        if touch.organiser in self.owner.addresses:
            found = {"name": self.owner.name, "first_name": greeting_name(self.owner.name),
                     "address": touch.organiser}  # fmt: skip
            return {**found, "is_you": True, "is_them": False}
        name = next((n for a, n in touch.attendees if a == touch.organiser), "")
        them = touch.organiser in self.person.addresses
        return {**self._someone(touch.organiser, name), "is_you": False, "is_them": them}


def _exchanges(history: Sequence[Touch], now: datetime) -> dict[str, Any]:
    """How much has passed between you: counts by kind and who wrote last."""
    meetings = sum(1 for t in history if t.direction == "meeting")
    theirs = sum(1 for t in history if t.direction == "in")
    last = history[-1] if history else None
    return {
        "count": len(history),
        "meetings": meetings,
        "from_them": theirs,
        "from_you": len(history) - meetings - theirs,
        "days_since_last": max(0, (now - last.at).days) if last is not None else 0,
        # Only personal mail is owed anything: after a list post it is "" (as after a meeting).
        "wrote_last": (
            {"in": "them", "out": "you"}.get(last.direction, "") if last and not last.listed else ""
        ),
    }


def _day(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def first_name(name: str) -> str:
    parts = name.replace(",", " ").split()
    return parts[0] if parts else ""


@dataclass(frozen=True, slots=True)
class Sample:
    """A context `rules check` renders every template against, and what makes it special."""

    #: Completes "the template fails …", e.g. "when there is no earlier interaction".
    case: str
    #: How to write the template so this case renders well.
    hint: str
    context: dict[str, Any]


def sample_contexts() -> list[Sample]:
    """Contexts with every variable present, for checking templates: a typical meeting (with
    an organiser and attendees) and an email they wrote (with a snippet), so variables inside
    either branch of an `if` are checked, then the edge cases a real person brings: no earlier
    interaction, no name, no organisation, no subject, no location, no tags or fields."""
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    owner = Owner(
        name="Sam Owner",
        addresses=["sam@owner.example"],
        timezone="UTC",
        signature="Sam Owner\nOwner & Co",
    )
    person = PersonView(
        key="pat@peer.example",
        name="Pat Peer",
        addresses=("pat@peer.example",),
        classification=Classification.PEER,
        reasons=("you met",),
        stage=Stage.SEEDED,
        first_seen=now - timedelta(days=3),
        last_seen=now - timedelta(days=1),
        organisation="peer.example",
        tags=frozenset({"sample"}),
    )
    meeting = Touch(
        at=now - timedelta(days=1),
        direction="meeting",
        interaction_id=1,
        account="sample",
        provider_id="sample:1",
        subject="Coffee",
        size=2,
        location="Jacquard Room",
        organiser="sam@owner.example",
        attendees=(("pat@peer.example", "Pat Peer"), ("lee@peer.example", "Lee Other")),
    )
    email = Touch(
        at=now - timedelta(days=2),
        direction="in",
        interaction_id=2,
        account="sample",
        provider_id="sample:2",
        subject="Re: [list] Coffee",
        message_id="m2@peer.example",
    )
    earlier = Touch(
        at=now - timedelta(days=4),
        direction="out",
        interaction_id=3,
        account="sample",
        provider_id="sample:3",
        subject="Coffee?",
        message_id="m3@owner.example",
    )
    snippets = {2: "Shall we plan a call next week?"}

    def sample(
        case: str, hint: str, touch: Touch, *, previous: bool = True, **changes: Any
    ) -> Sample:
        someone = replace(person, **changes)
        before = [earlier, email] if touch is not email else [earlier]
        history = [*before, touch] if previous else [touch]
        context = template_context(
            owner, someone, touch, history, rule="sample", trigger="new_peer", now=now,
            snippets=snippets,
        )  # fmt: skip
        return Sample(case, hint, context)

    guard = "guard it with {% if … %}…{% endif %}"
    return [
        sample("for a meeting", "", meeting),
        sample("for an email", "", email),
        sample(
            "when there is no earlier interaction",
            "use previous only inside {% if previous %}…{% endif %}, and last_from_them or "
            "last_exchange inside {% if last_from_them %}…{% endif %}",
            meeting,
            previous=False,
        ),
        sample(
            "when the person's name is unknown",
            'greet with {{ person.greeting }} ("Hello," without a human first name), or use '
            "person.first_name inside {% if person.first_name %}…{% endif %}",
            meeting,
            name="",
        ),
        sample(
            "when the person has no organisation",
            f"{guard}: {{% if organisation %}}…{{% endif %}}",
            meeting,
            organisation="",
        ),
        sample(
            "when the interaction has no subject",
            f"{guard}: {{% if interaction.topic %}}…{{% endif %}}",
            replace(meeting, subject=""),
        ),
        sample(
            "when the meeting has no location",
            f"{guard}: {{% if interaction.location %}}…{{% endif %}}",
            replace(meeting, location="", organiser="", attendees=()),
        ),
        sample(
            "when the person has no tags",
            f"{guard}: {{% if 'vip' in person.tags %}}…{{% endif %}}",
            meeting,
            tags=frozenset(),
        ),
    ]
