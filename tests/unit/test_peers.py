"""Peer detection over plain data: who becomes a peer, and the reasons given."""

from __future__ import annotations

from dataclasses import replace

from keepwarm.models import Classification, Participant, Response, Role, Stage
from keepwarm.peers import DetectionPolicy, automated_signals, detect
from tests.builders import NOW, OWNER, email, meeting

POLICY = DetectionPolicy(
    owner_addresses=frozenset({OWNER, "ada.lovelace@analytical.example"}),
    owner_domains=("analytical.example",),
    personal_domains=frozenset({"gmail.com"}),
    blocked=("spam.example",),
)
ACCEPTED = Response.ACCEPTED


def by_address(*items):  # type: ignore[no-untyped-def]
    return {p.key: p for p in detect(list(items), POLICY, now=NOW)}


def test_small_meeting_that_happened_makes_a_seeded_peer() -> None:
    """A 1:1 meeting in the past is evidence of a real relationship."""
    people = by_address(meeting({OWNER: ACCEPTED, "grace@navy.example": ACCEPTED}, days_ago=3))
    grace = people["grace@navy.example"]
    assert grace.classification is Classification.PEER
    assert grace.stage is Stage.SEEDED
    assert grace.planted_at is not None and grace.followed_up_at is None
    assert any("you met at 'Coffee'" in r for r in grace.reasons)


def test_meetings_that_do_not_count() -> None:
    """Cancelled, future, declined, large and all-internal meetings are no evidence."""
    big = {OWNER: ACCEPTED, **{f"g{i}@partner.example": ACCEPTED for i in range(12)}}
    people = by_address(
        meeting({OWNER: ACCEPTED, "x@cancel.example": ACCEPTED}, cancelled=True),
        meeting({OWNER: ACCEPTED, "y@future.example": ACCEPTED}, days_ago=-3),
        meeting({OWNER: Response.DECLINED, "z@declined.example": ACCEPTED}),
        meeting({OWNER: ACCEPTED, "w@they-declined.example": Response.DECLINED}),
        meeting(big, subject="All hands"),
    )
    for address in (
        "x@cancel.example",
        "y@future.example",
        "z@declined.example",
        "w@they-declined.example",
        "g1@partner.example",
    ):
        assert people[address].classification is Classification.CANDIDATE, address
    assert "had 13 attendees (more than 8)" in people["g1@partner.example"].reasons[0]
    assert "was cancelled" in people["x@cancel.example"].reasons[0]


def test_colleagues_and_rooms_are_never_peers() -> None:
    """Owner-domain subdomains are colleagues; CUTYPE=ROOM attendees are resources."""
    people = by_address(
        meeting(
            {
                OWNER: ACCEPTED,
                "mary@eng.analytical.example": ACCEPTED,
                "alan@bletchley.example": ACCEPTED,
            },
            rooms=["room-1@resource.analytical.example"],
        )
    )
    assert people["mary@eng.analytical.example"].classification is Classification.COLLEAGUE
    assert people["room-1@resource.analytical.example"].classification is Classification.RESOURCE
    assert people["alan@bletchley.example"].classification is Classification.PEER


def test_cold_inbound_mail_is_a_candidate_until_answered() -> None:
    """Someone who wrote once and got no answer is a candidate; answering makes them a peer."""
    cold = email("dan@leadgen.example", [OWNER], days_ago=5, message_id="c1@x")
    assert by_address(cold)["dan@leadgen.example"].classification is Classification.CANDIDATE
    answered = email(OWNER, ["dan@leadgen.example"], days_ago=4, in_reply_to="c1@x")
    dan = by_address(cold, answered)["dan@leadgen.example"]
    assert dan.classification is Classification.PEER
    assert any("wrote to them personally 1 time(s)" in r for r in dan.reasons)


def test_replies_count_but_out_of_office_does_not() -> None:
    """An auto-reply is neither a reply nor a reason to call a person a bot."""
    sent = email(OWNER, ["hedy@freq.example"], days_ago=6, message_id="s1@a")
    ooo = email(
        "hedy@freq.example", [OWNER], days_ago=6, in_reply_to="s1@a",
        subject="Automatic reply: plans", headers={"auto-submitted": "auto-replied"},
    )  # fmt: skip
    hedy = by_address(sent, ooo)["hedy@freq.example"]
    assert hedy.classification is Classification.PEER
    assert not any("replied" in r for r in hedy.reasons)
    real = email("hedy@freq.example", [OWNER], days_ago=5, in_reply_to="s1@a")
    assert any(
        "replied to your email 1 time" in r
        for r in by_address(sent, real)["hedy@freq.example"].reasons
    )


def test_newsletters_bounces_and_noreply_are_automated_with_header_evidence() -> None:
    """Automated senders are recognised from headers and local parts, with counted reasons."""
    news = [
        email(
            "editor@weekly.example",
            [OWNER],
            days_ago=d,
            headers={"list-unsubscribe": "<mailto:u@x>", "list-id": "<w.x>"},
        )
        for d in (3, 10, 17, 24)
    ]
    bounce = email(
        "mailer-daemon@mx.example", [OWNER],
        headers={"content-type": "multipart/report; report-type=delivery-status", "return-path": "<>"},
    )  # fmt: skip
    people = by_address(*news, bounce, email("no-reply@billing.example", [OWNER]))
    editor = people["editor@weekly.example"]
    assert editor.classification is Classification.AUTOMATED
    assert "header List-Unsubscribe present in 4 messages" in editor.reasons
    assert people["mailer-daemon@mx.example"].classification is Classification.AUTOMATED
    assert people["no-reply@billing.example"].classification is Classification.AUTOMATED


def test_role_personal_and_blocked_addresses() -> None:
    """Role addresses and block-listed domains never become peers; free-mail peers are labelled."""
    people = by_address(
        email(OWNER, ["info@shop.example"]),
        email(OWNER, ["barbara@gmail.com"]),
        email(OWNER, ["eve@mail.spam.example"]),
    )
    assert people["info@shop.example"].classification is Classification.ROLE
    assert people["barbara@gmail.com"].classification is Classification.PERSONAL_DOMAIN
    assert people["eve@mail.spam.example"].classification is Classification.BLOCKED


def test_mass_mail_is_not_personal() -> None:
    """Writing to more recipients than the threshold is an announcement, not a relationship."""
    crowd = [f"p{i}@crowd.example" for i in range(15)]
    people = by_address(email(OWNER, crowd))
    assert people["p1@crowd.example"].classification is Classification.CANDIDATE
    assert "only in 1 mass mail(s) from you" in people["p1@crowd.example"].reasons


def test_follow_up_after_planting_waters_the_peer() -> None:
    """Writing to a peer after the first meeting moves them from seeded to watered."""
    met = meeting({OWNER: ACCEPTED, "margaret@apollo.example": ACCEPTED}, days_ago=4)
    thanks = email(OWNER, ["margaret@apollo.example"], days_ago=3)
    margaret = by_address(met, thanks)["margaret@apollo.example"]
    assert margaret.stage is Stage.WATERED
    assert margaret.followed_up_at == thanks.interaction.occurred_at


def test_owner_is_never_a_person_and_names_ignore_addresses() -> None:
    """The owner's aliases are one `self` person; a display name equal to an address is not a name."""
    people = by_address(
        email(
            "kj@orbital.example",
            ["ada.lovelace@analytical.example"],
            names={"kj@orbital.example": "kj@orbital.example"},
        ),
        email("kj@orbital.example", [OWNER], names={"kj@orbital.example": "Katherine Johnson"}),
    )
    assert set(people) == {"kj@orbital.example", "ada.lovelace@analytical.example"}
    assert people["ada.lovelace@analytical.example"].classification is Classification.SELF
    assert people["kj@orbital.example"].name == "Katherine Johnson"


def test_automated_signals_ignore_human_mail() -> None:
    """A plain personal message carries no automated signal; Precedence: bulk does."""
    assert automated_signals(email("a@b.example", [OWNER]).interaction) == []
    bulk = email("a@b.example", [OWNER], headers={"precedence": "Bulk"}).interaction
    assert automated_signals(bulk) == ["Precedence: bulk"]


def test_system_addresses_win_over_the_organisation_domain() -> None:
    """mailer-daemon on the owner's domain and notifications from a noreply subdomain are automated."""
    people = by_address(
        email("mailer-daemon@mx.analytical.example", [OWNER]),
        email("notifications@codehub.example", [OWNER], cc=["pr@noreply.codehub.example"]),
    )
    assert people["mailer-daemon@mx.analytical.example"].classification is Classification.AUTOMATED
    assert people["pr@noreply.codehub.example"].classification is Classification.AUTOMATED


def test_an_organizer_listed_as_attendee_counts_once() -> None:
    """One meeting is one piece of evidence, however many times a person is listed in it."""
    m = meeting({OWNER: ACCEPTED, "m@apollo.example": ACCEPTED}, organizer="m@apollo.example")
    [reason] = by_address(m)["m@apollo.example"].reasons
    assert reason.startswith("you met at 'Coffee'")


def test_delegated_and_non_participant_attendees_were_not_met() -> None:
    """Someone who passed the invitation on, or was only copied, is no meeting evidence."""
    met = meeting({OWNER: ACCEPTED, "b@x.example": Response.DELEGATED,
                   "fyi@x.example": Response.NON_PARTICIPANT, "c@x.example": ACCEPTED})  # fmt: skip
    people = by_address(met)
    assert people["b@x.example"].classification is Classification.CANDIDATE
    assert "delegated" in people["b@x.example"].reasons[0]
    assert people["fyi@x.example"].classification is Classification.CANDIDATE
    assert people["c@x.example"].classification is Classification.PEER
    owner_delegated = meeting({OWNER: Response.DELEGATED, "d@x.example": ACCEPTED})
    assert by_address(owner_delegated)["d@x.example"].classification is Classification.CANDIDATE


def test_undeliverable_addresses_are_never_peers() -> None:
    """`laszlo.@krr-bremse.com` (an anonymised calendar) or an intranet name cannot get a draft."""
    people = by_address(
        meeting({OWNER: ACCEPTED, "laszlo.@krr-bremse.example": ACCEPTED}),
        email(OWNER, ["adam.marton@lisbon"]),
    )
    for address in ("laszlo.@krr-bremse.example", "adam.marton@lisbon"):
        assert people[address].classification is Classification.CANDIDATE
        assert "not a deliverable address" in people[address].reasons[0]


def test_every_author_of_a_message_is_seen() -> None:
    """`From: alice, bob` (two authors): both are in the data, so `why` answers for both."""
    item = email("alice@x.example", [OWNER])
    two = replace(
        item,
        interaction=replace(
            item.interaction,
            participants=(*item.interaction.participants, Participant("bob@x.example", Role.FROM)),
        ),
    )
    assert {"alice@x.example", "bob@x.example"} <= set(by_address(two))
