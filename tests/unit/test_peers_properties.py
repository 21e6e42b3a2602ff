"""Invariants of detection over generated mailboxes (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwarm.models import (
    CLASSIFICATION_HEADERS,
    Classification,
    Interaction,
    Kind,
    Participant,
    Response,
    Role,
    StoredInteraction,
)
from keepwarm.peers import detect, normalise
from keepwarm.peers.addresses import parse_address
from tests.builders import NOW, OWNER
from tests.unit.test_peers import POLICY

ALIAS = "ada.lovelace@analytical.example"
locals_ = st.sampled_from(
    ["ada", "Ada+x", "grace", "g.race", "info", "no-reply", "tim", "kj", "bob"]
)
domains = st.sampled_from(
    ["analytical.example", "eng.analytical.example", "navy.example", "gmail.com", "spam.example",
     "resource.calendar.google.com", "x.co.uk"]
)  # fmt: skip
addresses = st.one_of(
    st.builds(lambda lp, d: f"{lp}@{d}", locals_, domains), st.sampled_from([OWNER, ALIAS])
)
header_values = st.text(max_size=40)
headers = st.dictionaries(
    st.sampled_from(sorted(CLASSIFICATION_HEADERS)), header_values, max_size=4
)
names = st.one_of(st.just(""), st.text(max_size=20), st.just("'Someone' via List"))


@st.composite
def interactions(draw: st.DrawFn) -> Interaction:
    kind = draw(st.sampled_from(Kind))
    at = NOW - timedelta(hours=draw(st.integers(-48, 24 * 400)))
    people = draw(st.lists(st.tuples(addresses, names), min_size=1, max_size=6))
    if kind is Kind.EMAIL:
        roles = [Role.FROM] + [
            draw(st.sampled_from([Role.TO, Role.CC, Role.BCC])) for _ in people[1:]
        ]
        participants = tuple(Participant(a, r, n) for (a, n), r in zip(people, roles, strict=True))
    else:
        participants = tuple(
            Participant(a, Role.ORGANIZER if i == 0 else Role.ATTENDEE, n,
                        draw(st.sampled_from([*Response, None])), draw(st.booleans()))
            for i, (a, n) in enumerate(people)
        )  # fmt: skip
    ref = draw(st.one_of(st.none(), st.sampled_from([f"m{i}@t" for i in range(5)])))
    return Interaction(
        provider_id=draw(st.uuids()).hex, kind=kind, occurred_at=at,
        ended_at=at + timedelta(hours=1) if kind is Kind.MEETING else None,
        participants=participants, subject=draw(st.text(max_size=30)),
        message_id=draw(st.sampled_from([f"m{i}@t" for i in range(5)])), in_reply_to=ref,
        references=(ref,) if ref else (), headers=draw(headers), cancelled=draw(st.booleans()),
    )  # fmt: skip


mailboxes = st.lists(interactions(), max_size=12).map(
    lambda items: [StoredInteraction(i, "t", item) for i, item in enumerate(items, 1)]
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(mailboxes)
def test_the_owner_is_never_a_peer(items: list[StoredInteraction]) -> None:
    """No alias or spelling of the owner is ever classified anything but `self`."""
    owner = {normalise(OWNER), normalise(ALIAS)}
    for person in detect(items, POLICY, now=NOW):
        if any(normalise(a) in owner for a in person.addresses):
            assert person.classification is Classification.SELF
        else:
            assert person.classification is not Classification.SELF


@SETTINGS
@given(mailboxes)
def test_every_address_is_classified_once_with_a_reason(items: list[StoredInteraction]) -> None:
    """Any header value, any name: every address seen lands in exactly one person with reasons."""
    people = detect(items, POLICY, now=NOW)
    seen = {normalise(p.address) for s in items for p in s.interaction.participants}
    seen |= {  # list mail is attributed to the real sender named in these headers
        normalise(found[1])
        for s in items
        for header in ("x-original-from", "x-original-sender", "reply-to")
        if (found := parse_address(s.interaction.headers.get(header, "")))
    }
    covered = [a for p in people for a in {normalise(a) for a in p.addresses}]
    assert len(covered) == len(set(covered))  # no mailbox in two people
    assert set(covered) <= seen
    assert all(p.reasons for p in people)
    senders_or_met = {
        normalise(p.address) for s in items for p in s.interaction.participants
        if p.role is not Role.FROM or normalise(p.address) not in {normalise(OWNER), normalise(ALIAS)}
    }  # fmt: skip
    assert senders_or_met - set(covered) <= {normalise(OWNER), normalise(ALIAS)}


@SETTINGS
@given(mailboxes)
def test_detection_is_idempotent_and_order_independent(items: list[StoredInteraction]) -> None:
    """Re-running gives the same people; so does feeding the same interactions in another order."""
    first = detect(items, POLICY, now=NOW)
    assert detect(items, POLICY, now=NOW) == first
    shuffled = sorted(items, key=lambda s: s.interaction.provider_id)
    keyed = {p.key: (p.classification, p.stage, p.planted_by) for p in first}
    assert {
        p.key: (p.classification, p.stage, p.planted_by) for p in detect(shuffled, POLICY, now=NOW)
    } == keyed


@SETTINGS
@given(mailboxes)
def test_peers_have_evidence_and_non_peers_no_stage(items: list[StoredInteraction]) -> None:
    """A peer always rests on a planting interaction; only related people have a stage."""
    for p in detect(items, POLICY, now=NOW):
        if p.classification is Classification.PEER:
            assert p.planted_by is not None and p.stage is not None
        if p.classification not in (Classification.PEER, Classification.PERSONAL_DOMAIN):
            assert p.stage is None and p.planted_by is None
