"""The variables a draft template can use (documented in rules/README.md).

`sample_contexts` have exactly the same shape with made-up values, so `rules check` can render
every template and catch variables that do not exist, and templates that break on an edge case
(no earlier interaction, no name, …), before a real person is involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from keepwarm.models import Classification, Owner, PersonView, Stage
from keepwarm.rules.history import Touch

PREVIOUS_LIMIT = 5
# English names without strftime (locale-independent, and much faster in bulk).
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def template_context(
    owner: Owner,
    person: PersonView,
    touch: Touch,
    previous: Sequence[Touch],
    *,
    rule: str,
    trigger: str,
    now: datetime,
    with_previous: bool = True,
) -> dict[str, Any]:
    """Everything a template may use; `with_previous=False` skips `previous` (not used)."""
    zone = ZoneInfo(owner.timezone)
    return {
        "owner": {
            "name": owner.name,
            "first_name": first_name(owner.name),
            "address": owner.addresses[0],
            "signature": owner.signature,
        },
        "person": {
            "name": person.name,
            "first_name": first_name(person.name) or "there",
            "address": person.addresses[0],
            "organisation": person.organisation,
            "stage": person.stage.value if person.stage else "",
            "first_seen": _day(person.first_seen, zone),
            "last_seen": _day(person.last_seen, zone),
            "tags": sorted(person.tags),
            "fields": dict(person.fields),
        },
        "organisation": person.organisation,
        "interaction": _touch(touch, zone, now),
        "previous": [_touch(t, zone, now) for t in previous[-PREVIOUS_LIMIT:]]
        if with_previous
        else [],
        "rule": {"name": rule, "trigger": trigger},
    }


def _touch(touch: Touch, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    local = touch.at.astimezone(zone)
    weekday = _WEEKDAYS[local.weekday()]
    return {
        "kind": "meeting" if touch.direction == "meeting" else "email",
        "direction": touch.direction,
        "subject": touch.subject,
        "date": f"{weekday} {local.day} {_MONTHS[local.month - 1]}",
        "weekday": weekday,
        "days_ago": max(0, (now - touch.at).days),
        "size": touch.size + 1,
        "location": touch.location,
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
    """Contexts with every variable present, for checking templates: a typical meeting and
    email (so variables inside either branch of an `if` are checked), then the edge cases a
    real person brings: no earlier interaction, no name, no organisation, no subject, no
    location, no tags or fields."""
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
    )
    email = Touch(
        at=now - timedelta(days=2),
        direction="in",
        interaction_id=2,
        account="sample",
        provider_id="sample:2",
        subject="Re: Coffee",
        message_id="m2@peer.example",
    )

    def sample(
        case: str, hint: str, touch: Touch, *, previous: bool = True, **changes: Any
    ) -> Sample:
        someone = replace(person, **changes)
        context = template_context(
            owner, someone, touch, [email] if previous else [], rule="sample",
            trigger="new_peer", now=now,
        )  # fmt: skip
        return Sample(case, hint, context)

    guard = "guard it with {% if … %}…{% endif %}"
    return [
        sample("for a meeting", "", meeting),
        sample("for an email", "", email),
        sample(
            "when there is no earlier interaction",
            "use previous only inside {% if previous %}…{% endif %}",
            meeting,
            previous=False,
        ),
        sample(
            "when the person's name is unknown",
            "use person.first_name (it is 'there' when the name is unknown) or "
            "{% if person.name %}…{% endif %}",
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
            f"{guard}: {{% if interaction.subject %}}…{{% endif %}}",
            replace(meeting, subject=""),
        ),
        sample(
            "when the meeting has no location",
            f"{guard}: {{% if interaction.location %}}…{{% endif %}}",
            replace(meeting, location="", organiser=""),
        ),
        sample(
            "when the person has no tags",
            f"{guard}: {{% if 'vip' in person.tags %}}…{{% endif %}}",
            meeting,
            tags=frozenset(),
        ),
    ]
