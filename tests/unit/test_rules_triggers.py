"""Triggers, conditions, timing and policies, all against a fixed clock (Friday 20 Nov 2026)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from keepwarm.models import Classification, Stage
from keepwarm.rules.evaluate import OpenDraft, QueueState, evaluate, propose, withdrawals
from keepwarm.rules.schema import Policies
from tests.unit.rules_helpers import NOW, OWNER, person, rule, touch

NO_POLICY = Policies(daily_cap=None, recent_inbound=None, one_pending_per_person=False)


def run(rules, people, history, *, policies=NO_POLICY, queue=None, now=NOW):  # type: ignore[no-untyped-def]
    return propose(rules, people, history, OWNER, now=now, policies=policies, queue=queue)


class TestNewPeer:
    r = rule("trigger: {type: new_peer, within: 14d}\nafter: 2h\nwindow: null")

    def test_first_meeting_gives_one_draft_due_after_the_delay(self) -> None:
        """A peer met yesterday gets a thank-you due two hours after the meeting ended."""
        met = touch("meeting", 1, subject="Compilers")
        p = person(planted_by=met.interaction_id, planted_at=met.at, stage=Stage.SEEDED)
        [draft] = run([self.r], [p], {p.key: [met]})
        assert draft.due_at == met.at + timedelta(hours=3)
        assert draft.key == f"r:{p.key}:{met.provider_id}"
        assert draft.body.startswith("About Compilers")
        assert draft.body.endswith("-- \nAda Lovelace\nAnalytical Engines\n")

    def test_owner_already_followed_up_or_too_old(self) -> None:
        """A thank-you already sent, or a first meeting outside `within`, gives nothing."""
        met = touch("meeting", 2)
        p = person(planted_by=met.interaction_id, planted_at=met.at)
        assert run([self.r], [p], {p.key: [met, touch("out", 1)]}) == []
        old = touch("meeting", 20)
        q = person(planted_by=old.interaction_id, planted_at=old.at)
        assert run([self.r], [q], {q.key: [old]}) == []

    def test_known_before_the_first_sync_is_never_new(self) -> None:
        """A peer met yesterday but already known when keepwarm started watching (DESIGN §11)
        gets no thank-you: installing keepwarm must not flood the queue with old acquaintances."""
        met = touch("meeting", 1)
        p = person(planted_by=met.interaction_id, planted_at=met.at, known=True)
        assert run([self.r], [p], {p.key: [met]}) == []
        assert len(run([self.r], [replace(p, known=False)], {p.key: [met]})) == 1

    def test_source_filter(self) -> None:
        """`source: [meeting]` ignores a peer planted by email."""
        r = rule("trigger: {type: new_peer, source: [meeting]}")
        mail = touch("out", 1)
        p = person(planted_by=mail.interaction_id, planted_at=mail.at)
        assert run([r], [p], {p.key: [mail]}) == []


class TestNoReply:
    r = rule(
        "trigger: {type: no_reply}\nafter: 5wd\nwindow: null\n"
        "draft:\n  reply_in_thread: true\n  subject: 'x'\n  body: 'Nudge'"
    )

    def test_unanswered_email_after_five_working_days_is_nudged_in_thread(self) -> None:
        """Sent Thursday 12 Nov: five working days later (Thu 19 Nov) a nudge replies in thread."""
        sent = touch("out", 8, subject="Proposal")
        [draft] = run([self.r], [person()], {person().key: [sent]})
        assert draft.in_reply_to == sent.message_id
        assert draft.subject == "Re: Proposal"
        assert draft.due_at == sent.at + timedelta(days=7)  # Thu → next Thu skips the weekend

    def test_not_before_the_wait_and_cancelled_by_an_answer(self) -> None:
        """Four working days is too early; an answer (or a meeting) cancels the nudge."""
        early = touch("out", 4)
        assert run([self.r], [person()], {person().key: [early]}) == []
        sent = touch("out", 10)
        for answer in ("in", "meeting"):
            assert run([self.r], [person()], {person().key: [sent, touch(answer, 2)]}) == []

    def test_mass_mail_is_not_nudged(self) -> None:
        """An email to many recipients is not a personal question awaiting an answer."""
        sent = touch("out", 10, size=8)
        assert run([self.r], [person()], {person().key: [sent]}) == []

    def test_holidays_extend_the_wait(self) -> None:
        """A holiday inside the five working days pushes the nudge one more day."""
        sent = touch("out", 8)  # Thu 12 Nov; Mon 16 Nov is a holiday → due Fri 20 Nov
        policies = NO_POLICY.model_copy(update={"holidays": [date(2026, 11, 16)]})
        [draft] = run([self.r], [person()], {person().key: [sent]}, policies=policies)
        assert draft.due_at == sent.at + timedelta(days=8)


class TestQuiet:
    tiers = (
        rule("trigger: {type: quiet, for: 90d}\nwhen: {stage: [established]}", "est"),
        rule("trigger: {type: quiet, for: 180d}\nwhen: {not: {stage: [established]}}", "other"),
    )

    def test_tiers_by_stage(self) -> None:
        """100 quiet days prompt an established peer but not a growing one; 200 days prompt both."""
        est = person(key="e@x.example", addresses=("e@x.example",), stage=Stage.ESTABLISHED)
        grow = person(key="g@x.example", addresses=("g@x.example",), stage=Stage.GROWING)
        history = {est.key: [touch("in", 100)], grow.key: [touch("in", 100)]}
        assert [d.rule for d in run(list(self.tiers), [est, grow], history)] == ["est"]
        history = {est.key: [touch("in", 200)], grow.key: [touch("in", 200)]}
        assert sorted(d.rule for d in run(list(self.tiers), [est, grow], history)) == [
            "est",
            "other",
        ]

    def test_until_bounds_the_quiet_span(self) -> None:
        """`until` stops a water rule from firing on long-dormant people."""
        r = rule("trigger: {type: quiet, for: 14d, until: 28d}")
        assert len(run([r], [person()], {person().key: [touch("out", 20)]})) == 1
        assert run([r], [person()], {person().key: [touch("out", 40)]}) == []


class TestMeetingEnded:
    r = rule("trigger: {type: meeting_ended, within: 3d}\nwhen: {meeting_size: {max: 4}}")

    def test_follow_up_after_a_small_known_meeting_only(self) -> None:
        """A later small meeting fires; the first meeting, a big one or a followed-up one do not."""
        first = touch("meeting", 60)
        p = person(planted_by=first.interaction_id, planted_at=first.at)
        assert len(run([self.r], [p], {p.key: [first, touch("meeting", 1)]})) == 1
        assert run([self.r], [p], {p.key: [first, touch("meeting", 1, size=9)]}) == []
        assert run([self.r], [p], {p.key: [first, touch("meeting", 2), touch("out", 1)]}) == []
        newest = touch("meeting", 1)
        q = person(planted_by=newest.interaction_id, planted_at=newest.at)
        assert run([self.r], [q], {q.key: [newest]}) == []


class TestConditions:
    def test_organisation_domain_account_source_interactions_and_classification(self) -> None:
        """Each condition filters; classification defaults to peers only."""
        quiet = "trigger: {type: quiet, for: 10d}\n"
        history = {person().key: [touch("in", 30, account="work")]}
        cases = {
            "when: {organisation: [navy.example]}": 1,
            "when: {organisation: [army.example]}": 0,
            "when: {domain: [example]}": 1,
            "when: {account: [home]}": 0,
            "when: {source: [meeting]}": 0,
            "when: {interactions: {min: 2}}": 0,
            "when: {classification: [candidate]}": 0,
        }
        for when, expected in cases.items():
            assert len(run([rule(quiet + when)], [person()], history)) == expected, when
        candidate = person(classification=Classification.CANDIDATE)
        assert run([rule(quiet)], [candidate], history) == []


class TestTimingAndPolicies:
    quiet = rule("trigger: {type: quiet, for: 10d}")

    def test_window_moves_due_time_to_next_business_slot(self) -> None:
        """Due Friday 19:00 London → Monday 09:00 London; a holiday Monday → Tuesday."""
        r = rule("trigger: {type: quiet, for: 10d}")  # default window mon–fri 09:00–17:30
        last = NOW - timedelta(days=10, hours=-1)  # due Fri 20 Nov 19:00 UTC (= London)
        t = touch("in", 0)
        t = type(t)(**{**{f: getattr(t, f) for f in t.__slots__}, "at": last})
        [d] = run([r], [person()], {person().key: [t]}, now=NOW + timedelta(hours=2))
        assert d.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        policies = NO_POLICY.model_copy(update={"holidays": [date(2026, 11, 23)]})
        [d] = run(
            [r], [person()], {person().key: [t]}, now=NOW + timedelta(hours=2), policies=policies
        )
        assert d.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def test_expired_before_now_is_not_proposed(self) -> None:
        """A nudge whose expiry already passed is never proposed; a fresh one is."""
        r = rule("trigger: {type: no_reply}\nafter: 2d\nexpires_after: 2d\nwindow: null")
        assert run([r], [person()], {person().key: [touch("out", 5)]}) == []
        assert len(run([r], [person()], {person().key: [touch("out", 3)]})) == 1

    def test_quiet_noticed_late_is_due_now(self) -> None:
        """A silence found long after it began gives a check-in due now, not an expired one."""
        r = rule("trigger: {type: quiet, for: 90d}\nwindow: null")
        [d] = run([r], [person()], {person().key: [touch("in", 400)]})
        assert d.due_at == NOW

    def test_priority_and_one_pending_per_person(self) -> None:
        """With one pending per person the higher-priority rule wins; a busy person gets none."""
        low = rule("trigger: {type: quiet, for: 10d}\npriority: 1", "low")
        high = rule("trigger: {type: quiet, for: 10d}\npriority: 9", "high")
        policies = Policies(daily_cap=None, recent_inbound=None)
        history = {person().key: [touch("in", 20)]}
        assert [d.rule for d in run([low, high], [person()], history, policies=policies)] == [
            "high"
        ]
        busy = QueueState(busy=frozenset({person().key}))
        assert run([low, high], [person()], history, policies=policies, queue=busy) == []

    def test_daily_cap_counts_drafts_already_made_today(self) -> None:
        """Cap 3 with 2 made today leaves room for one; the rest are counted as capped."""
        people = [person(key=f"p{i}@x.example", addresses=(f"p{i}@x.example",)) for i in range(5)]
        history = {p.key: [touch("in", 20)] for p in people}
        result = evaluate(
            [self.quiet],
            people,
            history,
            OWNER,
            now=NOW,
            policies=Policies(daily_cap=3, recent_inbound=None),
            queue=QueueState(created_today=2),
        )
        assert len(result.drafts) == 1 and result.capped == 4

    def test_recent_inbound_waits_and_cooldown_blocks(self) -> None:
        """Someone who wrote two days ago is left alone; a cooldown blocks a recent repeat."""
        meet = rule("trigger: {type: meeting_ended, include_first: true}")
        history = {person().key: [touch("in", 2), touch("meeting", 1)]}
        assert run([meet], [person()], history, policies=Policies(recent_inbound="3d")) == []
        assert len(run([meet], [person()], history, policies=Policies(recent_inbound="1d"))) == 1
        cool = rule("trigger: {type: quiet, for: 10d}\ncooldown: 30d")
        last = QueueState(last_draft_at={person().key: NOW - timedelta(days=5)})
        assert run([cool], [person()], {person().key: [touch("in", 20)]}, queue=last) == []


class TestIdempotencyAndWithdrawal:
    def test_known_keys_are_never_proposed_again(self) -> None:
        """A key already queued (in any state, even rejected or delivered) is skipped."""
        r = rule("trigger: {type: quiet, for: 10d}")
        history = {person().key: [touch("in", 20)]}
        [draft] = run([r], [person()], history)
        assert run([r], [person()], history) == [draft]
        assert run([r], [person()], history, queue=QueueState(keys=frozenset({draft.key}))) == []

    def test_withdrawn_when_the_person_writes_or_meets_first(self) -> None:
        """An open draft is withdrawn after an inbound email, a meeting, or the owner's own
        personal email to them (answered without keepwarm), with the reason; not after an
        announcement to many."""
        created = NOW - timedelta(days=3)
        drafts = [
            OpenDraft(1, "a", created),
            OpenDraft(2, "b", created),
            OpenDraft(3, "c", created),
            OpenDraft(4, "d", created),
        ]
        history = {
            "a": [touch("in", 1, subject="Re: hi")],
            "b": [touch("in", 5), touch("out", 1, subject="Re: Budget")],
            "c": [touch("meeting", 2, subject="Lunch")],
            "d": [touch("in", 5), touch("out", 1, subject="News", size=12)],
        }
        gone = withdrawals(drafts, history, now=NOW)
        assert [(w.draft_id, w.reason) for w in gone] == [
            (1, "wrote to you on 2026-11-19 ('Re: hi')"),
            (2, "you wrote to them on 2026-11-19 ('Re: Budget')"),
            (3, "met you on 2026-11-18 ('Lunch')"),
        ]
        assert withdrawals(drafts, history, now=NOW - timedelta(days=2, hours=1)) == []


def test_template_context_has_previous_interactions_and_organisation() -> None:
    """`previous` lists earlier touches (oldest first) and `organisation` is the person's."""
    r = rule(
        "trigger: {type: quiet, for: 10d}\ndraft:\n  subject: s\n  body: >-\n"
        "    {{ organisation }}:{% for p in previous %} {{ p.subject }}/{{ p.direction }}{% endfor %}"
    )
    history = {person().key: [touch("meeting", 40, subject="A"), touch("in", 30, subject="B")]}
    [draft] = run([r], [person()], history)
    assert draft.body.startswith("navy.example: A/meeting\n")


def test_tags_from_policies_select_a_cadence_tier() -> None:
    """`when: {tags: [vip]}` holds for addresses or (sub)domains listed under policies.tags."""
    r = rule("trigger: {type: quiet, for: 10d}\nwhen: {tags: [vip]}")
    policies = NO_POLICY.model_copy(update={"tags": {"vip": ["navy.example", "x@y.example"]}})
    inside = person(addresses=("grace@lab.navy.example",))
    history = {inside.key: [touch("in", 20)]}
    assert len(run([r], [inside], history, policies=policies)) == 1
    outside = person(addresses=("grace@army.example",))
    assert run([r], [outside], history, policies=policies) == []
    assert run([r], [inside], history) == []


def test_a_message_id_with_a_line_break_never_reaches_in_reply_to() -> None:
    """reply_in_thread drops a Message-ID that carries CR/LF instead of injecting a header."""
    r = rule(
        "trigger: {type: no_reply}\nafter: 1d\ndraft: {reply_in_thread: true, subject: s, body: b}"
    )
    sent = touch("out", 5)
    evil = type(sent)(
        **{**{f: getattr(sent, f) for f in sent.__slots__}, "message_id": "<a>\r\nBcc: x@y"}
    )
    [draft] = run([r], [person()], {person().key: [evil]})
    assert draft.in_reply_to is None and "\n" not in draft.subject


def test_quiet_since_two_way_ignores_the_owners_own_emails() -> None:
    """With `since: two_way`, your unanswered emails do not reset the quiet clock."""
    history = {person().key: [touch("meeting", 100), touch("out", 20)]}
    any_contact = rule("trigger: {type: quiet, for: 90d}")
    two_way = rule("trigger: {type: quiet, for: 90d, since: two_way}")
    assert run([any_contact], [person()], history) == []
    [draft] = run([two_way], [person()], history)
    assert draft.interaction_ids == (history[person().key][0].interaction_id,)
