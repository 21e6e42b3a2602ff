"""The shipped cadence on every email and meeting case: who wrote last decides what is owed.

Clock: Friday 20 November 2026, 18:00 in London (UTC in winter).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from keepwarm.models import Classification, ProposedDraft, Stage
from keepwarm.rules.evaluate import evaluate
from keepwarm.rules.history import Touch
from keepwarm.services.rulesio import load_rules
from tests.unit.rules_helpers import NOW, OWNER, person, rule, touch

SHIPPED = load_rules(Path("rules"))


def drafts(who, history, *, now=NOW, snippets=None, rules=None):  # type: ignore[no-untyped-def]
    result = evaluate(
        rules or SHIPPED.rules, [who], {who.key: history}, OWNER, now=now,
        policies=SHIPPED.policies, snippets=snippets,
    )  # fmt: skip
    assert not result.problems
    return result.drafts


def only(found: list[ProposedDraft]) -> ProposedDraft:
    assert len(found) == 1, [d.rule for d in found]
    return found[0]


def planted(first: Touch, **changes: object):  # type: ignore[no-untyped-def]
    return person(planted_by=first.interaction_id, planted_at=first.at, stage=Stage.SEEDED,
                  **changes)  # fmt: skip


class TestWhoWroteLast:
    def test_you_wrote_they_replied_a_reply_is_owed_in_their_thread(self) -> None:
        """Their answer waited three working days: a reply in their thread, never a thank-you."""
        mine = touch("out", 10, subject="Great meeting you at the summit")
        theirs = touch(
            "in", 8, subject="Re: Great meeting you at the summit", thread_id="T-42",
            references=(mine.message_id,),
        )  # fmt: skip
        draft = only(drafts(planted(mine), [mine, theirs], snippets={theirs.interaction_id: "Shall we plan a call?"}))  # fmt: skip
        assert draft.rule == "reply-owed"
        assert draft.subject == "Re: Great meeting you at the summit"
        assert draft.in_reply_to == theirs.message_id  # References and thread: at delivery
        assert draft.body.startswith("Hi Grace,\n\nOn Thursday 12 November you wrote:\n")
        assert "> Shall we plan a call?" in draft.body
        assert draft.reasons[0].startswith("reply owed: they wrote ")

    def test_a_message_without_message_id_is_still_answered_under_its_subject(self) -> None:
        """No Message-ID to cite: no In-Reply-To, but still "Re: <their subject>", not a template's."""
        mine = touch("out", 10)
        theirs = replace(touch("in", 8, subject="[ppp] Minutes"), message_id=None)
        draft = only(drafts(planted(mine), [mine, theirs]))
        assert (draft.rule, draft.subject, draft.in_reply_to) == (
            "reply-owed",
            "Re: [ppp] Minutes",
            None,
        )

    def test_a_fresh_answer_waits_for_you_and_never_becomes_a_thank_you(self) -> None:
        """Answered yesterday: nothing yet (you may answer it yourself), and no thank-you."""
        mine = touch("out", 3)
        theirs = touch("in", 1)
        assert drafts(planted(mine), [mine, theirs]) == []
        later = NOW + timedelta(days=4)
        assert [d.rule for d in drafts(planted(mine), [mine, theirs], now=later)] == ["reply-owed"]

    def test_they_wrote_you_answered_no_thank_you_then_the_nudge(self) -> None:
        """Your reply to their cold email is the follow-up; if they go quiet, the nudge."""
        cold = touch("in", 9)
        answer = touch("out", 8, subject="Re: Hello")
        p = planted(answer)
        assert drafts(p, [cold, answer], now=NOW - timedelta(days=2)) == []
        nudge = only(drafts(p, [cold, answer]))
        assert nudge.rule == "no-reply-nudge" and nudge.in_reply_to == answer.message_id

    def test_your_unanswered_cold_email_gets_the_nudge_not_a_thank_you(self) -> None:
        """Your own email that got no answer is never thanked for."""
        mine = touch("out", 2, subject="Intro")
        assert drafts(planted(mine), [mine]) == []
        old = touch("out", 8, subject="Intro")
        nudge = only(drafts(planted(old), [old]))
        assert nudge.rule == "no-reply-nudge" and nudge.subject == "Re: Intro"

    def test_a_cold_email_from_a_stranger_gets_nothing(self) -> None:
        """They wrote, you never answered: a candidate, not a peer, so nothing is drafted."""
        cold = touch("in", 6)
        stranger = person(classification=Classification.CANDIDATE, stage=None)
        assert drafts(stranger, [cold]) == []

    def test_met_then_they_wrote_a_reply_is_owed_not_a_thank_you(self) -> None:
        """A first meeting followed by their email: the email is what needs an answer."""
        met = touch("meeting", 9, subject="Coffee")
        theirs = touch("in", 7, subject="Slides from our coffee")
        draft = only(drafts(planted(met), [met, theirs]))
        assert draft.rule == "reply-owed" and draft.subject == "Re: Slides from our coffee"

    def test_a_meeting_already_planned_answers_their_email(self) -> None:
        """They proposed a call and it is in the calendar: no reply is owed."""
        mine, theirs = touch("out", 12), touch("in", 8)
        call = touch("meeting", -3, subject="Call")
        assert drafts(planted(mine), [mine, theirs, call]) == []

    def test_a_mass_email_from_them_is_owed_nothing(self) -> None:
        """An announcement to twelve people is not a personal question."""
        mine = touch("out", 12)
        blast = touch("in", 8, size=12)
        assert [d.rule for d in drafts(planted(mine), [mine, blast])] == []


class TestMeetings:
    def test_first_meeting_thank_you_names_the_meeting_and_who_organised_it(self) -> None:
        """The thank-you quotes the meeting's topic and credits the organiser."""
        met = touch(
            "meeting", 0.5, subject="Re: [Guild] Compiler tooling chat", size=2,
            organiser="charles@analytical.example",
            attendees=(("grace@navy.example", ""), ("charles@analytical.example", "Charles Babbage")),
        )  # fmt: skip
        draft = only(drafts(planted(met), [met]))
        assert draft.rule == "new-peer-thank-you"
        assert draft.subject == "Thank you for Friday: Compiler tooling chat"
        assert 'joining "Compiler tooling chat" on Friday 20 November' in draft.body
        assert "I am glad Charles brought us together" in draft.body
        assert "Re:" not in draft.body and "[Guild]" not in draft.body

    def test_organised_by_them_and_untitled(self) -> None:
        """They organised a meeting with no title: "organising our meeting", no empty quotes."""
        met = touch("meeting", 0.5, subject="", organiser="grace@navy.example")
        draft = only(drafts(planted(met), [met]))
        assert "Thank you for organising our meeting on Friday 20 November." in draft.body
        assert '""' not in draft.body + draft.subject and draft.subject == "Thank you for Friday"


class TestEveryShippedTemplate:
    SUBJECT = "RE: [Python-Dev] PEP 999: frozen records"

    def situations(self) -> dict[str, tuple[object, list[Touch]]]:
        s = self.SUBJECT
        met = touch("meeting", 1, subject=s)
        return {
            "reply-owed": (planted(touch("out", 10, subject=s)), [touch("in", 8, subject=s)]),
            "new-peer-thank-you": (planted(met), [met]),
            "no-reply-nudge": (person(), [touch("out", 9, subject=s)]),
            "water-two-weeks": (
                person(stage=Stage.WATERED),
                [touch("in", 20, subject=s), touch("out", 15, subject="Thanks")],
            ),
            "check-in-established": (
                person(stage=Stage.ESTABLISHED),
                [
                    touch("meeting", 130),
                    touch("in", 120),
                    touch("out", 110),
                    touch("in", 100, subject=s),
                ],
            ),
            "check-in-others": (person(stage=Stage.GROWING), [touch("in", 200, subject=s)]),
            "meeting-follow-up": (person(planted_by=1), [touch("meeting", 1, subject=s)]),
        }

    @pytest.mark.parametrize("name", ["", "Grace Hopper", "LKML"])
    def test_topic_greeting_and_no_placeholder(self, name: str) -> None:
        """Each shipped rule, in its situation: the topic without `RE:`/list tags, a greeting
        from a human name or "Hello,", no `{`, no placeholder, the owner's name once."""
        assert {r.rule.name for r in SHIPPED.rules} == set(self.situations())
        for loaded in SHIPPED.rules:
            who, history = self.situations()[loaded.rule.name]
            who = replace(who, name=name)  # type: ignore[type-var]
            draft = only(drafts(who, history, rules=[loaded]))
            text = draft.body
            assert text.startswith("Hi Grace,\n" if name == "Grace Hopper" else "Hello,\n")
            assert "PEP 999: frozen records" in text, loaded.rule.name
            assert "RE:" not in text and "[Python-Dev]" not in text, loaded.rule.name
            assert "{" not in text + draft.subject and "[[" not in text + draft.subject
            assert "[Python-Dev]" not in draft.subject or draft.in_reply_to, loaded.rule.name
            assert text.count("Ada Lovelace") == 1, loaded.rule.name  # signed once

    def test_check_in_owns_up_to_an_unanswered_note(self) -> None:
        """A check-in to someone whose last note went unanswered says so."""
        who, history = self.situations()["check-in-others"]
        [draft] = drafts(who, history, rules=[r for r in SHIPPED.rules if r.rule.name == "check-in-others"])  # type: ignore[arg-type]  # fmt: skip
        assert "It has been 7 months since we last wrote about" in draft.body
        assert "I also owe you an answer to your last note" in draft.body


class TestStaleness:
    def test_a_draft_due_long_ago_is_not_created_even_without_expires_after(self) -> None:
        """First sync over old mail: a thank-you due five weeks ago is not worth sending now."""
        r = rule("trigger: {type: new_peer, within: 60d}\nexpires_after: null")
        met = touch("meeting", 35)
        assert drafts(planted(met), [met], rules=[r]) == []
        recent = touch("meeting", 10)
        assert len(drafts(planted(recent), [recent], rules=[r])) == 1

    def test_recent_inbound_never_holds_back_the_reply(self) -> None:
        """`recent_inbound` holds follow-ups back while someone just wrote, not the answer."""
        r = rule("trigger: {type: reply_owed}\nwindow: null")
        thanks = rule("trigger: {type: quiet, for: 1d}\nwindow: null", name="other")
        mine, theirs = touch("out", 3), touch("in", 1)
        assert [d.rule for d in drafts(planted(mine), [mine, theirs], rules=[thanks, r])] == ["r"]
