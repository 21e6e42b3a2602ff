"""The queue service: every transition, the illegal ones, history, context, mutes, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from keepwarm import queue_states
from keepwarm.errors import ConfigError, InvalidTransition, NotFound
from keepwarm.models import DraftState, ProposedDraft
from keepwarm.services import queue as service
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from keepwarm.store.tables import Draft
from tests.queuedata import NOW, open_at, seed, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "ws")


@pytest.fixture
def ws(config: Path) -> Iterator[Workspace]:
    w = open_at(config)
    yield w
    w.close()


def state(ws: Workspace, draft_id: int) -> str:
    with ws.session() as session:
        return store.get_draft(session, draft_id).state


def force(ws: Workspace, draft_id: int, to: DraftState) -> None:
    with ws.session() as session:
        store.get_draft(session, draft_id).state = to.value


def test_state_machine_table_covers_every_state_and_terminal_states_are_final() -> None:
    """Each state has an entry; delivered, rejected, withdrawn and expired lead nowhere."""
    assert set(queue_states.TRANSITIONS) == set(DraftState)
    assert {s.value for s in queue_states.TERMINAL} == {
        "delivered", "rejected", "withdrawn", "expired"
    }  # fmt: skip


@pytest.mark.parametrize("start", list(DraftState))
@pytest.mark.parametrize("target", list(DraftState))
def test_store_transition_follows_the_state_machine(
    ws: Workspace, start: DraftState, target: DraftState
) -> None:
    """Every (from, to) pair is either done and recorded, or refused with a clear error."""
    [draft_id] = seed(ws, 1)
    force(ws, draft_id, start)
    if queue_states.allowed(start, target):
        with ws.session() as session:
            store.transition(session, ids=[draft_id], to=target, actor="t", now=NOW)
        assert state(ws, draft_id) == target.value
        with ws.session() as session:
            assert store.history(session, draft_id)[-1].action == target.value
    else:
        with (
            pytest.raises(InvalidTransition, match=f"draft {draft_id} is {start.value}"),
            ws.session() as session,
        ):
            store.transition(session, ids=[draft_id], to=target, actor="t", now=NOW)
        assert state(ws, draft_id) == start.value


def test_approving_a_withdrawn_draft_is_a_clear_error(ws: Workspace) -> None:
    """The message names the draft, its state and that the state is final."""
    [draft_id] = seed(ws, 1)
    force(ws, draft_id, DraftState.WITHDRAWN)
    with pytest.raises(InvalidTransition) as info:
        service.approve(ws, [draft_id])
    assert str(info.value) == (
        f"draft {draft_id} is withdrawn and cannot be approved: it is withdrawn, which is final"
    )


def test_approve_is_all_or_nothing(ws: Workspace) -> None:
    """One illegal id in a batch leaves the others pending."""
    a, b = seed(ws, 2)
    force(ws, b, DraftState.REJECTED)
    with pytest.raises(InvalidTransition):
        service.approve(ws, [a, b])
    assert state(ws, a) == "pending"


def test_approve_every_pending_draft_of_a_rule(ws: Workspace) -> None:
    """`approve --rule` approves that rule's pending drafts and leaves other rules alone."""
    ours = seed(ws, 3, rule="thank-you")
    other = seed(ws, 1, rule="check-in")
    assert sorted(service.approve(ws, rule="thank-you")) == sorted(ours)
    assert state(ws, other[0]) == "pending"
    with pytest.raises(NotFound, match="no pending drafts of rule 'thank-you'"):
        service.approve(ws, rule="thank-you")


def test_unknown_draft_and_state_are_clear_errors(ws: Workspace) -> None:
    """A missing id and a misspelt state name the fix."""
    with pytest.raises(NotFound, match="no draft with id 99"):
        service.approve(ws, [99])
    with pytest.raises(ConfigError, match="'pendng' is not a draft state"):
        service.queue(ws, state="pendng")


def test_queue_filters_by_state_rule_account_and_person(ws: Workspace) -> None:
    """Each filter narrows the list to the matching drafts."""
    a, b = seed(ws, 2)
    [c] = seed(ws, 1, rule="check-in")
    service.approve(ws, [a])
    assert [d["id"] for d in service.queue(ws, state="pending")] == [b, c]
    assert [d["id"] for d in service.queue(ws, rule="check-in")] == [c]
    assert [d["id"] for d in service.queue(ws, account="demo")] == [a, b, c]
    assert [d["id"] for d in service.queue(ws, account="other")] == []
    assert [d["id"] for d in service.queue(ws, person="peer1@org1.example")] == [b]
    assert [d["id"] for d in service.queue(ws, person="peer 2")] == [c]
    assert service.counts(ws)["pending"] == 2 and service.counts(ws)["approved"] == 1


def test_show_gives_person_rule_evidence_window_and_history(ws: Workspace) -> None:
    """A draft's view carries everything needed to judge it without another lookup."""
    [draft_id] = seed(ws, 1)
    service.approve(ws, [draft_id])
    d = service.show(ws, draft_id)
    assert d["person"]["name"] == "Peer 0" and d["person"]["reasons"] == ["met in a meeting"]
    assert d["person"]["addresses"] == ["peer0@org0.example"]
    assert d["rule"] == "thank-you" and d["reasons"] == ["new peer: meeting 'Coffee 0'"]
    [ev] = d["evidence"]
    assert ev["subject"] == "Coffee 0" and ev["from"] == "ada@analytical.example"
    assert "Peer 0 <peer0@org0.example>" in ev["who"]
    assert d["window"]["from"] == (NOW - timedelta(minutes=1)).isoformat()
    assert [(h["actor"], h["action"]) for h in d["history"]] == [
        ("keepwarm", "created"), ("you", "approved")
    ]  # fmt: skip


def test_edit_validates_and_records_the_changed_fields(ws: Workspace) -> None:
    """Good edits are stored and logged; bad addresses and CR/LF in headers are refused."""
    [draft_id] = seed(ws, 1)
    d = service.edit(ws, draft_id, to=["Grace <Grace@Navy.example>"], subject="Thanks", body="Hi")
    assert d["to"] == ["grace@navy.example"] and d["subject"] == "Thanks" and d["body"] == "Hi"
    assert d["history"][-1]["action"] == "edited"
    assert d["history"][-1]["detail"] == "to, subject, body"
    with pytest.raises(ConfigError, match="not an email address"):
        service.edit(ws, draft_id, to=["not-an-address"])
    with pytest.raises(ConfigError, match="line breaks"):
        service.edit(ws, draft_id, subject="Hi\r\nBcc: evil@example.com")
    force(ws, draft_id, DraftState.DELIVERED)
    with pytest.raises(InvalidTransition, match="cannot be edited"):
        service.edit(ws, draft_id, body="late")


def test_reject_with_forget_stops_every_future_draft_for_the_person(ws: Workspace) -> None:
    """After 'forget', no rule drafts for that person again; other people are unaffected."""
    a, b = seed(ws, 2)
    service.reject(ws, [a], reason="not relevant", forget=True)
    d = service.show(ws, a)
    assert d["state"] == "rejected"
    assert [h["action"] for h in d["history"]][-2:] == ["rejected", "forgot person"]
    with ws.session() as session:
        draft = store.get_draft(session, a)
        b_draft = store.get_draft(session, b)
        b_person = b_draft.person_id
        store.transition(session, ids=[b], to=DraftState.REJECTED, actor="t", now=NOW)
        again = [
            ProposedDraft(
                key=f"check-in:{pid}",
                rule="check-in",
                person_key=str(pid),
                account="demo",
                to=("x@y.example",),
                subject="s",
                body="b",
                reasons=(),
                interaction_ids=(),
                due_at=NOW,
            )
            for pid in (draft.person_id, b_person)
        ]
        made = store.add_drafts(
            session, proposals=again, person_ids={str(p): p for p in (draft.person_id, b_person)},
            now=NOW,
        )  # fmt: skip
    assert made == 1


def test_reject_with_mute_rule_only_mutes_that_rule(ws: Workspace) -> None:
    """A muted rule no longer drafts for the person; another rule still does."""
    [a] = seed(ws, 1)
    service.reject(ws, [a], mute_rule=True)
    with ws.session() as session:
        pid = store.get_draft(session, a).person_id
        proposals = [
            ProposedDraft(
                key=f"{rule}:again",
                rule=rule,
                person_key="p",
                account="demo",
                to=("x@y.example",),
                subject="s",
                body="b",
                reasons=(),
                interaction_ids=(),
                due_at=NOW,
            )
            for rule in ("thank-you", "check-in")
        ]
        assert store.add_drafts(session, proposals=proposals, person_ids={"p": pid}, now=NOW) == 1
        [new] = [d for d in session.query(Draft).all() if d.id != a]
        assert new.rule == "check-in"


def test_snooze_returns_to_pending_when_the_date_comes(config: Path, ws: Workspace) -> None:
    """A snoozed draft is out of the pending list until its date, then back automatically."""
    [draft_id] = seed(ws, 1)
    with pytest.raises(InvalidTransition, match="not in the future"):
        service.snooze(ws, [draft_id], until=NOW - timedelta(hours=1))
    service.snooze(ws, [draft_id], until=NOW + timedelta(days=2))
    assert service.queue(ws, state="pending") == []
    later = open_at(config, now=NOW + timedelta(days=3))
    try:
        [d] = service.queue(later, state="pending")
        assert d["id"] == draft_id and d["snoozed_until"] is None
        assert service.show(later, draft_id)["history"][-1]["action"] == "woken"
    finally:
        later.close()


def test_open_drafts_expire_after_their_expiry(config: Path, ws: Workspace) -> None:
    """Pending and approved drafts past `expires_at` become expired and can't be approved."""
    a, b = seed(ws, 2, expires_days=1)
    service.approve(ws, [b])
    later = open_at(config, now=NOW + timedelta(days=2))
    try:
        assert {d["id"]: d["state"] for d in service.queue(later)} == {a: "expired", b: "expired"}
        with pytest.raises(InvalidTransition, match="expired, which is final"):
            service.approve(later, [a])
    finally:
        later.close()


def test_failed_draft_can_be_re_approved_for_a_fresh_attempt(ws: Workspace) -> None:
    """Re-approving a failed draft clears its outbox row so delivery can try again."""
    from keepwarm.store.tables import Delivery

    [draft_id] = seed(ws, 1)
    with ws.session() as session:
        session.add(Delivery(draft_id=draft_id, state="failed", started_at=NOW))
        store.get_draft(session, draft_id).state = "failed"
    service.approve(ws, [draft_id])
    with ws.session() as session:
        assert store.delivery_of(session, draft_id) is None


def test_no_user_action_while_a_delivery_is_in_flight(ws: Workspace) -> None:
    """An approved draft whose attempt is recorded cannot be rejected, snoozed or edited."""
    from keepwarm.store.tables import Delivery

    [draft_id] = seed(ws, 1)
    service.approve(ws, [draft_id])
    with ws.session() as session:
        session.add(Delivery(draft_id=draft_id, state="attempting", started_at=NOW))
    with pytest.raises(InvalidTransition, match="being delivered"):
        service.reject(ws, [draft_id])
    with pytest.raises(InvalidTransition, match="being delivered"):
        service.edit(ws, draft_id, body="changed")


def test_person_timeline_lists_interactions_and_followups(ws: Workspace) -> None:
    """The per-person page data: interactions and drafts, with the person's classification."""
    [draft_id] = seed(ws, 1)
    p = service.person(ws, "PEER0@org0.example")
    assert p["name"] == "Peer 0" and p["classification"] == "peer"
    assert [i["subject"] for i in p["interactions"]] == ["Coffee 0"]
    assert [f["id"] for f in p["followups"]] == [draft_id]
    with pytest.raises(NotFound):
        service.person(ws, "nobody@x.example")
