"""Conditions (`when:` blocks and `policies.exclude`): do they hold for a person and a hit?

Pure: everything a condition may look at comes in as a `Facts` record.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from keepwarm.models import PersonView
from keepwarm.rules.history import Touch
from keepwarm.rules.schema import MeetingWhen, Policies, When


@dataclass(frozen=True, slots=True)
class Facts:
    person: PersonView
    #: The interaction the trigger fired on.
    touch: Touch
    #: Every touch with the person up to now (oldest first).
    touches: Sequence[Touch]
    #: The person's tags, from `keepwarm peers tag` and `policies.tags` (see `person_tags`).
    tags: frozenset[str]
    owner_addresses: Collection[str]
    now: datetime


def person_tags(person: PersonView, policies: Policies) -> frozenset[str]:
    """A person's tags, the only place they are computed: what `peers tag` stored for them
    plus the `policies.tags` whose addresses or domains cover them."""
    if not policies.tags:
        return person.tags
    return person.tags | policies.tags_of(person.addresses)


def matches(when: When, facts: Facts) -> bool:
    """Whether every condition of `when` holds for this person and triggering interaction."""
    if facts.person.classification.value not in when.classification:
        return False
    return _holds(when, facts)


def excluded(policies: Policies, facts: Facts) -> bool:
    """Whether any `policies.exclude` block holds (its classification only counts if given)."""
    return any(_holds(block, facts) for block in policies.exclude)


def _holds(when: When, facts: Facts) -> bool:
    person, touch = facts.person, facts.touch
    if "classification" in when.model_fields_set and person.classification.value not in (
        when.classification
    ):
        return False
    if when.stage is not None and (person.stage is None or person.stage.value not in when.stage):
        return False
    if when.organisation is not None and person.organisation.lower() not in {
        o.lower() for o in when.organisation
    }:
        return False
    if when.domain is not None and not _in_domains(person.addresses, when.domain):
        return False
    if when.tags is not None and not facts.tags.intersection(t.lower() for t in when.tags):
        return False
    if when.fields is not None and not all(
        person.fields.get(name, "").strip().lower() in {v.strip().lower() for v in values}
        for name, values in when.fields.items()
    ):
        return False
    if when.account is not None and touch.account not in when.account:
        return False
    if when.source is not None and touch.kind.value not in when.source:
        return False
    if when.meeting_size is not None and (
        touch.direction != "meeting" or not when.meeting_size.holds(touch.size + 1)
    ):
        return False
    if when.meeting is not None and not _meeting(when.meeting, facts):
        return False
    if when.interactions is not None and not when.interactions.holds(len(facts.touches)):
        return False
    if when.since_last_contact is not None and not (
        facts.touches and when.since_last_contact.holds(facts.now - facts.touches[-1].at)
    ):
        return False
    return when.negate is None or not _holds(when.negate, facts)


def _meeting(block: MeetingWhen, facts: Facts) -> bool:
    touch = facts.touch
    if touch.direction != "meeting":
        return False
    title = touch.subject.lower()
    if block.title_contains is not None and not any(
        word.lower() in title for word in block.title_contains
    ):
        return False
    if block.title_matches is not None and not re.search(
        block.title_matches, touch.subject, re.IGNORECASE
    ):
        return False
    if block.organiser is not None and not _organised_by(block.organiser, facts):
        return False
    if block.attendees is not None and not block.attendees.holds(touch.size):
        return False
    location = touch.location.lower()
    return block.location_contains is None or any(
        word.lower() in location for word in block.location_contains
    )


def _organised_by(wanted: list[str], facts: Facts) -> bool:
    organiser = facts.touch.organiser
    if not organiser:
        return False
    for who in wanted:
        if who == "owner" and organiser in facts.owner_addresses:
            return True
        if who == "person" and organiser in facts.person.addresses:
            return True
        if who.startswith("@") and _in_domains((organiser,), [who[1:]]):
            return True
        if who == organiser:
            return True
    return False


def _in_domains(addresses: Sequence[str], domains: Collection[str]) -> bool:
    wanted = {d.lower() for d in domains}
    found = {a.rpartition("@")[2] for a in addresses}
    return any(d == w or d.endswith("." + w) for d in found for w in wanted)
