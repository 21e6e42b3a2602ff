"""Header shapes seen in real mail (bounces, complaints, auto-replies, lists), as detection reads them.

The header values mirror public sample messages (Postfix, Gmail and Office 365 bounces, AOL
feedback reports, Mailman lists, Exchange out-of-office replies); addresses are made up.
"""

from __future__ import annotations

import pytest

from keepwarm.models import Classification
from keepwarm.peers import automated_signals, detect
from keepwarm.peers.signals import bounced_subject, failed_recipients
from tests.builders import NOW, OWNER, email
from tests.unit.test_peers import POLICY

POSTFIX_BOUNCE = {
    "return-path": "<>",
    "auto-submitted": "auto-replied",
    "content-type": 'multipart/report; report-type=delivery-status;\n\tboundary="9B3F.1793/mx"',
}
GMAIL_BOUNCE = {
    "return-path": "<>",
    "x-failed-recipients": "lost@nowhere.example",
    "content-type": "text/plain; charset=ISO-8859-1",
}
OFFICE365_BOUNCE = {
    "content-type": 'multipart/report; report-type="delivery-status";\n boundary="=====07=="',
    "auto-submitted": "auto-replied",
}
AOL_COMPLAINT = {
    "content-type": 'multipart/report; report-type="feedback-report";\n\tboundary="==81=="',
    "precedence": "list",
    "x-original-sender": "scomp@aol.example",
}
MAILMAN = {
    "list-id": "SoCal-Raves <scr.socal-raves.example>",
    "list-unsubscribe": "<http://socal-raves.example/mailman/listinfo/scr>,\n <mailto:x>",
    "precedence": "bulk",
}
EXCHANGE_OOO = {"auto-submitted": "auto-replied", "x-auto-response-suppress": "All"}


def people(*items):  # type: ignore[no-untyped-def]
    return {p.key: p for p in detect(list(items), POLICY, now=NOW)}


@pytest.mark.parametrize(
    ("headers", "subject", "expected"),
    [
        (POSTFIX_BOUNCE, "Undelivered Mail Returned to Sender", "delivery report (bounce)"),
        (GMAIL_BOUNCE, "Delivery Status Notification (Failure)", "delivery report (bounce)"),
        (OFFICE365_BOUNCE, "Undeliverable: test", "delivery report (bounce)"),
        (AOL_COMPLAINT, "Email Feedback Report for IP 10.0.0.1", "abuse complaint report"),
        (MAILMAN, "[scr] party", "header List-Id"),
        (EXCHANGE_OOO, "Automatic reply: plans", "Auto-Submitted: auto-replied"),
        ({}, "Out of Office: back Monday", "out-of-office reply"),
        ({}, "Abwesenheitsnotiz: Urlaub", "out-of-office reply"),
        ({}, "Returned mail: Cannot send message for 5 days", "delivery report (bounce)"),
        (
            {"auto-submitted": "auto-generated (failure)"},
            "x",
            "Auto-Submitted: auto-generated (failure)",
        ),
        ({"return-path": "<>"}, "x", "empty Return-Path"),
        ({"precedence": " Junk "}, "x", "Precedence: junk"),
    ],
)
def test_real_header_shapes_are_recognised(
    headers: dict[str, str], subject: str, expected: str
) -> None:
    """Each sample shape yields the named signal (quoted report types and folded values included)."""
    item = email("x@y.example", [OWNER], headers=headers, subject=subject).interaction
    assert expected in automated_signals(item)


def test_auto_submitted_no_and_plain_mail_are_human() -> None:
    """`Auto-Submitted: no` is the explicit statement that a human wrote it."""
    item = email("x@y.example", [OWNER], headers={"auto-submitted": "no"}, subject="Re: lunch")
    assert automated_signals(item.interaction) == []


def test_bounce_disqualifies_the_address_it_names() -> None:
    """Writing once to a mistyped address that bounced does not make a peer."""
    sent = email(OWNER, ["lost@nowhere.example"], days_ago=3, message_id="s@a")
    bounce = email("mailer-daemon@mx.example", [OWNER], days_ago=3, headers=GMAIL_BOUNCE)
    lost = people(sent, bounce)["lost@nowhere.example"]
    assert lost.classification is Classification.CANDIDATE
    assert "bounced on" in lost.reasons[0]


def test_office365_bounce_is_tied_by_in_reply_to() -> None:
    """A bounce without X-Failed-Recipients names the message it answers; its one recipient bounced."""
    sent = email(OWNER, ["gone@old-job.example"], days_ago=3, message_id="s2@a")
    bounce = email(
        "postmaster@old-job.example", [OWNER], days_ago=3, in_reply_to="s2@a",
        headers=OFFICE365_BOUNCE, subject="Undeliverable: test",
    )  # fmt: skip
    found = people(sent, bounce)
    assert found["gone@old-job.example"].classification is Classification.CANDIDATE
    assert found["postmaster@old-job.example"].classification is Classification.AUTOMATED


def test_bare_bounce_is_tied_by_its_subject() -> None:
    """A bounce that only quotes the subject is tied to the one mail with that subject."""
    sent = email(OWNER, ["typo@x.example"], days_ago=3, subject="Slides from the meetup")
    bounce = email(
        "mailer-daemon@mx.example", [OWNER], days_ago=2.9,
        headers={"content-type": "multipart/report; report-type=delivery-status"},
        subject="Undeliverable: Slides from the meetup",
    )  # fmt: skip
    assert people(sent, bounce)["typo@x.example"].classification is Classification.CANDIDATE


def test_a_reply_after_a_bounce_still_counts() -> None:
    """A transient bounce does not cancel a real reply from the same person."""
    sent = email(OWNER, ["ok@x.example"], days_ago=5, message_id="s3@a")
    bounce = email("mailer-daemon@mx.example", [OWNER], days_ago=5, headers={
        **GMAIL_BOUNCE, "x-failed-recipients": "ok@x.example"})  # fmt: skip
    reply = email("ok@x.example", [OWNER], days_ago=4, in_reply_to="s3@a")
    assert people(sent, bounce, reply)["ok@x.example"].classification is Classification.PEER


def test_complaint_reports_are_automated() -> None:
    """An abuse feedback report (ARF) comes from a machine."""
    report = email("scomp@aol.example", [OWNER], headers=AOL_COMPLAINT, subject="Email Feedback")
    assert people(report)["scomp@aol.example"].classification is Classification.AUTOMATED


def test_out_of_office_without_auto_submitted_is_not_a_reply() -> None:
    """Outlook auto-replies recognised by subject alone do not count as replies."""
    sent = email(OWNER, ["cold@x.example"], days_ago=5, message_id="s4@a")
    ooo = email("cold@x.example", [OWNER], days_ago=5, in_reply_to="s4@a",
                subject="Out of Office: until Monday")  # fmt: skip
    cold = people(sent, ooo)["cold@x.example"]
    assert cold.classification is Classification.PEER  # the owner wrote personally
    assert not any("replied" in r for r in cold.reasons)


def test_list_traffic_alone_is_no_relationship_but_a_direct_exchange_is() -> None:
    """A person who posts to a list is no peer for it; writing to them directly makes them one."""
    post = email("alice@uni.example", ["scr@socal-raves.example"], headers=MAILMAN, days_ago=9)
    assert people(post)["alice@uni.example"].classification is not Classification.PEER
    direct = email(OWNER, ["alice@uni.example"], days_ago=2)
    assert people(post, direct)["alice@uni.example"].classification is Classification.PEER


def test_dmarc_rewritten_from_is_attributed_to_the_real_sender() -> None:
    """`'Alice' via List <list@…>` is Alice's post (X-Original-From / Reply-To), not the list's."""
    headers = {"list-id": "<dev.lists.example>", "x-original-from": "Alice Ng <alice@uni.example>"}
    post = email("dev@lists.example", [OWNER], headers=headers,
                 names={"dev@lists.example": "'Alice Ng' via Dev"})  # fmt: skip
    found = people(post)
    assert found["alice@uni.example"].name == "Alice Ng"
    assert any(
        "posted to mailing list dev.lists.example" in r for r in found["alice@uni.example"].reasons
    )
    assert found["dev@lists.example"].classification is Classification.AUTOMATED
    reply_to = {"list-id": "<d.example>", "reply-to": "bob@corp.example"}
    post = email(
        "d@lists.example", [OWNER], headers=reply_to, names={"d@lists.example": "Bob via D"}
    )
    assert "bob@corp.example" in people(post)


@pytest.mark.parametrize(
    "value",
    ["", "<>", "=?utf-8?q?broken", "\x00\xff", "a@b, <<c@d>>", "Undisclosed recipients:;", "@@@"],
)
def test_broken_header_values_never_crash(value: str) -> None:
    """Garbage in any header the classifier reads yields a classification, not an exception."""
    headers = dict.fromkeys(("x-failed-recipients", "x-original-from", "reply-to", "content-type", "list-id", "precedence", "auto-submitted", "return-path"), value)  # fmt: skip
    item = email("x@y.example", [OWNER], headers=headers, subject=value,
                 names={"x@y.example": value + " via List"})  # fmt: skip
    assert people(item)


def test_bounced_subject_and_failed_recipients_parse_defensively() -> None:
    """Helpers return nothing rather than guessing on unusable input."""
    assert bounced_subject("Undeliverable: Hello there") == "hello there"
    assert bounced_subject("Hello") is None
    item = email("m@x.example", [OWNER], headers={"x-failed-recipients": "A+x@B.example, junk"})
    assert failed_recipients(item.interaction) == ["a@b.example"]


def test_addresses_from_headers_must_be_printable_and_short() -> None:
    """X-Original-From with NUL or a kilobyte of junk names nobody (PostgreSQL rejects NUL)."""
    from keepwarm.peers.addresses import parse_address

    assert parse_address("Jane \x00Roe <jane@uni.example>") == ("Jane Roe", "jane@uni.example")
    assert parse_address("x <ja\x00ne@uni.example>") is None
    assert parse_address("<" + "a" * 300 + "@uni.example>") is None
    assert parse_address("<\x7fe@uni.example>") is None
