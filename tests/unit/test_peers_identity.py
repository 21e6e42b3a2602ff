"""Identity, calendar shapes, overrides and stages: one person per human, staged by the evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from keepwarm.models import Classification, Participant, Response, Role, Stage
from keepwarm.peers import DetectionPolicy, Labeller, detect, normalise
from keepwarm.peers.identity import best_name
from tests.builders import NOW, OWNER, email, meeting
from tests.unit.test_peers import POLICY

ACCEPTED = Response.ACCEPTED


def people(*items, policy: DetectionPolicy = POLICY):  # type: ignore[no-untyped-def]
    return {a: p for p in detect(list(items), policy, now=NOW) for a in p.addresses}


def test_normalise_folds_case_plus_tags_and_gmail_dots() -> None:
    """One mailbox, one key: case, +tags and Gmail's ignored dots do not make new people."""
    assert normalise(" Grace.Hopper+Work@Navy.Example ") == "grace.hopper@navy.example"
    assert normalise("b.liskov.home@googlemail.com") == "bliskovhome@gmail.com"
    assert normalise("first.last@outlook.com") == "first.last@outlook.com"
    assert normalise("not-an-address") == "not-an-address"


def test_spellings_of_one_mailbox_are_one_person() -> None:
    """Mail to Grace+work@ and a meeting with grace@ are the same person, addressed as written."""
    found = people(
        email(OWNER, ["Grace+work@navy.example"], days_ago=9),
        meeting({OWNER: ACCEPTED, "grace@navy.example": ACCEPTED}, days_ago=3),
        meeting({OWNER: ACCEPTED, "grace@navy.example": ACCEPTED}, days_ago=2),
    )
    grace = found["grace@navy.example"]
    assert grace is found["Grace+work@navy.example"]
    assert grace.addresses[0] == "grace@navy.example"  # the spelling used most
    assert grace.key == "grace@navy.example"


def test_same_full_name_at_one_organisation_merges_but_not_across() -> None:
    """Two addresses of 'Tim Berners' at web.example merge; the one at other.example does not."""
    names = {
        "tim@web.example": "Tim Berners",
        "t.berners@mail.web.example": "Tim Berners",
        "tim@other.example": "Tim Berners",
    }
    found = people(
        email(OWNER, ["tim@web.example"], names=names),
        email(OWNER, ["t.berners@mail.web.example"], names=names),
        email(OWNER, ["tim@other.example"], names=names),
        policy=replace(POLICY, organisation_of=lambda d: ".".join(d.split(".")[-2:])),
    )
    assert found["tim@web.example"] is found["t.berners@mail.web.example"]
    assert found["tim@other.example"] is not found["tim@web.example"]
    assert any("one person with 2 addresses" in r for r in found["tim@web.example"].reasons)


def test_free_mail_and_first_names_never_merge_on_name() -> None:
    """Two 'John Smith's on gmail.com, or two 'Sam's at one company, stay separate people."""
    names = {"js1@gmail.com": "John Smith", "js2@gmail.com": "John Smith",
             "sam@co.example": "Sam", "sam.k@co.example": "Sam"}  # fmt: skip
    found = people(*(email(OWNER, [a], names=names) for a in names))
    assert found["js1@gmail.com"] is not found["js2@gmail.com"]
    assert found["sam@co.example"] is not found["sam.k@co.example"]


def test_explicit_aliases_merge_across_domains() -> None:
    """An alias group in the settings ties two mailboxes of one human together."""
    policy = replace(POLICY, aliases=(("KJ@orbital.example", "katherine@kj-consulting.example"),))
    found = people(
        email(OWNER, ["kj@orbital.example"], days_ago=20),
        email("katherine@kj-consulting.example", [OWNER], days_ago=2),
        policy=policy,
    )
    kj = found["kj@orbital.example"]
    assert kj is found["katherine@kj-consulting.example"]
    assert kj.key == "kj@orbital.example"  # the earliest address is the stable key
    assert kj.counts["sent"] == 1 and kj.counts["received"] == 1


def test_best_name_skips_addresses_roles_and_list_rewrites() -> None:
    """A display name that is an address, a role or 'X via List' is not the person's name."""
    assert (
        best_name("kj@o.example", {"kj@o.example": 5, "Katherine Johnson": 1})
        == "Katherine Johnson"
    )
    assert (
        best_name("kj@o.example", {"Support Team": 3, "Kathy": 1}, frozenset({"support", "team"}))
        == "Kathy"
    )
    assert best_name("a@l.example", {"'Alice Ng' via Dev": 2}) == "Alice Ng"
    assert best_name("kj@o.example", {"kj": 2}) == ""


def test_google_rooms_and_calendar_resources_are_not_people() -> None:
    """`resource: true` / CUTYPE=ROOM attendees and resource.calendar.google.com are resources."""
    found = people(
        meeting(
            {OWNER: ACCEPTED, "alan@bletchley.example": ACCEPTED,
             "c_1889@resource.calendar.google.com": ACCEPTED},
            rooms=["boardroom@bletchley.example"],
        )
    )  # fmt: skip
    assert found["c_1889@resource.calendar.google.com"].classification is Classification.RESOURCE
    assert found["boardroom@bletchley.example"].classification is Classification.RESOURCE
    assert found["alan@bletchley.example"].classification is Classification.PEER


def test_optional_and_silent_attendees_of_a_meeting_that_happened_count() -> None:
    """An attendee who never answered (NEEDS-ACTION, often optional) still met you if it happened."""
    found = people(
        meeting({OWNER: ACCEPTED, "opt@x.example": Response.NEEDS_ACTION, "none@x.example": None})
    )
    assert found["opt@x.example"].classification is Classification.PEER
    assert found["none@x.example"].classification is Classification.PEER


def test_meeting_size_threshold_is_a_setting() -> None:
    """With max_meeting_size=3 a four-person meeting is no evidence."""
    four = meeting({OWNER: ACCEPTED, **{f"p{i}@x.example": ACCEPTED for i in range(3)}})
    assert people(four)["p1@x.example"].classification is Classification.PEER
    small = replace(POLICY, max_meeting_size=3)
    assert people(four, policy=small)["p1@x.example"].classification is Classification.CANDIDATE


def test_bcc_only_is_not_personal() -> None:
    """Being blind-copied on the owner's mail to someone else is no exchange."""
    item = email(OWNER, ["charles@analytical.example"])
    bcc = replace(item.interaction, participants=(
        *item.interaction.participants, Participant("hidden@x.example", Role.BCC)))  # fmt: skip
    found = people(replace(item, interaction=bcc))
    assert found["hidden@x.example"].classification is Classification.CANDIDATE
    assert "only blind-copied (1 message)" in found["hidden@x.example"].reasons


def test_allow_and_block_lists_and_the_narrower_rule_wins() -> None:
    """A blocked domain blocks its subdomains; an allowed address inside it is still allowed."""
    policy = replace(
        POLICY, blocked=("@spam.example",), allowed=("ok@mail.spam.example", "sales@shop.example")
    )
    labeller = Labeller(policy)
    assert labeller.label("x@mail.spam.example") == (
        Classification.BLOCKED, "spam.example is on your block list")  # fmt: skip
    assert labeller.label("ok@mail.spam.example")[0] is Classification.PEER  # type: ignore[index]
    found = people(email(OWNER, ["sales@shop.example"]), policy=policy)
    assert found["sales@shop.example"].classification is Classification.PEER


def test_forgotten_addresses_produce_no_person() -> None:
    """A forgotten address or domain never comes back, whatever the data says."""
    policy = replace(POLICY, forgotten=("dan@lead.example", "@spam2.example"))
    found = people(
        email("dan@lead.example", [OWNER]), email(OWNER, ["eve@mx.spam2.example"]),
        email(OWNER, ["kept@x.example"]), policy=policy,
    )  # fmt: skip
    assert set(found) == {"kept@x.example", OWNER}


def test_owner_aliases_discovered_or_plus_tagged_are_self() -> None:
    """The owner writing from ada+lists@ is still the owner; the owner is one `self` person."""
    found = people(email("Ada+Lists@analytical.example", ["grace@navy.example"]))
    assert found["Ada+Lists@analytical.example"].classification is Classification.SELF
    assert found["grace@navy.example"].classification is Classification.PEER


def test_stage_thresholds_are_settings() -> None:
    """Two-way contacts move seeded → growing → established; quiet peers become dormant."""
    meetings = [
        meeting({OWNER: ACCEPTED, "m@x.example": ACCEPTED}, days_ago=d) for d in (80, 50, 20, 10, 5)
    ]
    assert people(*meetings)["m@x.example"].stage is Stage.ESTABLISHED
    assert people(*meetings[:2])["m@x.example"].stage is Stage.GROWING
    strict = replace(POLICY, growing_after=3, established_after=9)
    assert people(*meetings[:2], policy=strict)["m@x.example"].stage is Stage.SEEDED
    old = meeting({OWNER: ACCEPTED, "o@x.example": ACCEPTED}, days_ago=200)
    assert people(old)["o@x.example"].stage is Stage.DORMANT
    assert (
        people(old, policy=replace(POLICY, dormant_after_days=365))["o@x.example"].stage
        is Stage.SEEDED
    )


def test_baseline_marks_relationships_older_than_the_first_sync() -> None:
    """Evidence before the first sync means known; being old does not stop someone being a peer."""
    policy = replace(POLICY, baseline_at=NOW - timedelta(days=7))
    found = people(
        meeting({OWNER: ACCEPTED, "old@x.example": ACCEPTED}, days_ago=30),
        meeting({OWNER: ACCEPTED, "new@x.example": ACCEPTED}, days_ago=2),
        policy=policy,
    )
    assert (
        found["old@x.example"].known
        and found["old@x.example"].classification is Classification.PEER
    )
    assert not found["new@x.example"].known


def test_evidence_ids_put_the_evidence_first() -> None:
    """`why` lists the meeting that made a peer before mere sightings."""
    cc = email("x@y.example", [OWNER], cc=["m@x.example"], days_ago=1)
    met = meeting({OWNER: ACCEPTED, "m@x.example": ACCEPTED}, days_ago=3)
    assert people(met, cc)["m@x.example"].evidence[:2] == (met.id, cc.id)
