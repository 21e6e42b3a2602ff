"""Contact histories for the rule engine agree with detection on what counts as the person writing."""

from __future__ import annotations

from keepwarm.rules.history import build_histories
from tests.builders import OWNER, email
from tests.unit.rules_helpers import person

PEER = "g@x.example"


def _history(*items):  # type: ignore[no-untyped-def]
    peer = person(key=PEER, addresses=(PEER,))
    return build_histories([peer], list(items), frozenset({OWNER})).get(PEER, [])


def test_a_real_reply_is_an_inbound_touch() -> None:
    """A plain message from the person to the owner counts as them writing."""
    assert [t.direction for t in _history(email(PEER, [OWNER], days_ago=2))] == ["in"]


def test_out_of_office_recognised_by_subject_alone_is_not_an_answer() -> None:
    """An auto-reply without Auto-Submitted (subject only) is not the person answering."""
    ooo = email(PEER, [OWNER], days_ago=2, subject="Automatic reply: our chat")
    assert _history(ooo) == []


def test_bounces_and_list_posts_are_not_the_person_writing() -> None:
    """A delivery report or a list post from the address does not count as an answer."""
    bounce = email(PEER, [OWNER], headers={"x-failed-recipients": OWNER})
    post = email(PEER, [OWNER], headers={"list-id": "<engine.lists.example>"})
    assert _history(bounce, post) == []


def test_mass_mail_is_no_touch_in_either_direction() -> None:
    """A 66-recipient message can be neither 'our exchange' nor an answer (issue #11)."""
    crowd = [f"p{i}@crowd.example" for i in range(64)]
    peer = person(key=PEER, addresses=(PEER,))
    mine = email(OWNER, [PEER, *crowd], days_ago=3)
    theirs = email(PEER, [OWNER, *crowd], days_ago=2)
    small = email(PEER, [OWNER], days_ago=1)
    found = build_histories(
        [peer], [mine, theirs, small], frozenset({OWNER}), mass_mail_recipients=10
    )
    assert [t.interaction_id for t in found[PEER]] == [small.id]


def test_a_reply_through_a_rewritten_list_is_the_authors_touch() -> None:
    """`'G' via Dev <dev@lists…>` with X-Original-From: the person answered, not the list."""
    headers = {"list-id": "<dev.lists.example>", "x-original-from": f"G <{PEER}>"}
    post = email("dev@lists.example", ["dev@lists.example"], cc=[OWNER], headers=headers,
                 names={"dev@lists.example": "'G' via Dev"})  # fmt: skip
    assert [t.direction for t in _history(post)] == ["in"]
