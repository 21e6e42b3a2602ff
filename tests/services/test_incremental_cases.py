"""The cases incremental detection and drafting must not miss, one by one.

Each runs the same cycles on two stores, one incremental and one recomputing everything every
cycle, and checks both against pure `detect` and each other; then it checks the case itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from keepwarm.models import Interaction, Kind, Participant, Response, Role
from keepwarm.services import drafting
from keepwarm.services.workspace import Workspace
from tests.services.incremental_world import (
    ROOT,
    START,
    Scenario,
    at_clock,
    cycle,
    people,
    queue,
    truth,
    workspace_at,
)

OWNER = "ada@analytical.example"
GRACE = "grace@navy.example"


def mail(
    n: int, sender: str, to: str, at: datetime, *, subject: str = "Compilers", **more: object
) -> Interaction:
    names = {GRACE: "Grace Hopper", "ghopper@navy.example": "Grace Hopper"}
    return Interaction(
        f"msg:m{n}@x",
        Kind.EMAIL,
        at,
        (
            Participant(sender, Role.FROM, names.get(sender, "")),
            Participant(to, Role.TO, names.get(to, "")),
        ),
        subject,
        message_id=f"m{n}@x",
        thread_id=f"m{n}@x",
        **more,  # type: ignore[arg-type]
    )


def meeting(n: int, at: datetime, *others: str) -> Interaction:
    parts = (
        Participant(OWNER, Role.ORGANIZER),
        *(Participant(o, Role.ATTENDEE, "", Response.ACCEPTED) for o in others),
    )
    return Interaction(
        f"ics:{n}", Kind.MEETING, at, parts, "Roadmap", ended_at=at + timedelta(hours=1)
    )


def day(n: float) -> datetime:
    return START + timedelta(days=n)


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    with workspace_at(tmp_path / "a") as a, workspace_at(tmp_path / "b") as b:
        yield a, b


def run(
    twins: tuple[Workspace, Workspace], steps: list[tuple[datetime, list[Interaction]]]
) -> Workspace:
    """Run the cycles on both stores, comparing after each; returns the incremental one."""
    items = [i for _, batch in steps for i in batch]
    cycles, offset = [], 0
    for _, batch in steps:
        cycles.append(list(range(offset, offset + len(batch))))
        offset += len(batch)
    scenario = Scenario(items, cycles, [at for at, _ in steps], [[] for _ in steps])
    incremental, full = twins
    for index, (now, _) in enumerate(steps):
        cycle(incremental, scenario, index, full=False)
        cycle(full, scenario, index, full=True)
        assert people(at_clock(incremental, now)) == truth(at_clock(incremental, now))
        assert people(at_clock(full, now)) == truth(at_clock(full, now))
        assert queue(incremental) == queue(full)
    return at_clock(incremental, steps[-1][0])


def test_a_nudge_is_drafted_when_its_wait_is_over_with_nothing_new(
    twins: tuple[Workspace, Workspace],
) -> None:
    exchange = [mail(1, OWNER, GRACE, day(0)), mail(2, GRACE, OWNER, day(1), in_reply_to="m1@x")]
    ws = run(
        twins,
        [
            (day(1.5), exchange),
            (day(30), [mail(3, OWNER, GRACE, day(30) - timedelta(hours=1), subject="Slides")]),
            (day(31), []),
            (day(39), []),  # five working days later: nothing new, only time
        ],
    )
    assert [d[2] for d in queue(ws) if d[1] == "pending"][-1:] == ["no-reply-nudge"]


def test_a_meeting_counts_once_it_has_ended(twins: tuple[Workspace, Workspace]) -> None:
    ws = run(
        twins,
        [(day(10), [meeting(1, day(12), GRACE)]), (day(11), []), (day(12.5), [])],
    )
    assert people(ws)[GRACE].classification.value == "peer"
    assert any(d[2] == "new-peer-thank-you" for d in queue(ws))


def test_a_relationship_turns_dormant_with_time_alone(twins: tuple[Workspace, Workspace]) -> None:
    exchange = [mail(1, OWNER, GRACE, day(0)), mail(2, GRACE, OWNER, day(1), in_reply_to="m1@x")]
    ws = run(twins, [(day(2), exchange), (day(60), []), (day(95), [])])
    assert people(ws)[GRACE].stage is not None and people(ws)[GRACE].stage.value == "dormant"


def test_a_reply_and_a_bounce_stored_before_the_mail_they_refer_to(
    twins: tuple[Workspace, Workspace],
) -> None:
    """Katherine answers mail the owner sent to someone else; the bounce quotes only a subject.
    Neither later mail touches the address whose evidence changes."""
    bounce = {"content-type": "multipart/report; report-type=delivery-status"}
    katherine, nobody = "katherine@orbital.example", "nobody@orbital.example"
    early = [
        mail(2, katherine, OWNER, day(1), in_reply_to="m1@x"),
        mail(
            4,
            "mailer-daemon@mx.example",
            OWNER,
            day(3),
            subject="Undeliverable: Budget",
            headers=bounce,
        ),
    ]
    later = [mail(1, OWNER, GRACE, day(0)), mail(3, OWNER, nobody, day(1), subject="Budget")]
    ws = run(twins, [(day(4), early), (day(5), later), (day(6), [])])
    assert people(ws)[katherine].counts["replies"] == 1
    assert any("bounced" in r for r in people(ws)[nobody].reasons)


def test_a_second_mailbox_with_the_same_name_merges_into_one_person(
    twins: tuple[Workspace, Workspace],
) -> None:
    ws = run(
        twins,
        [
            (
                day(2),
                [mail(1, OWNER, GRACE, day(0)), mail(2, GRACE, OWNER, day(1), in_reply_to="m1@x")],
            ),
            (day(40), [mail(3, "ghopper@navy.example", OWNER, day(39))]),
        ],
    )
    [grace] = [p for p in people(ws).values() if GRACE in p.addresses]
    assert set(grace.addresses) == {GRACE, "ghopper@navy.example"}


def test_an_update_moves_an_interaction_to_another_bucket(
    twins: tuple[Workspace, Workspace],
) -> None:
    first = meeting(1, day(3), GRACE)
    moved = Interaction(
        first.provider_id,
        Kind.MEETING,
        day(70),
        first.participants,
        "Moved",
        ended_at=day(70) + timedelta(hours=1),
    )
    ws = run(twins, [(day(5), [first]), (day(80), [moved])])
    assert people(ws)[GRACE].first_seen == day(70)


def test_the_daily_cap_holds_across_chunks_and_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    policies = rules / "policies.yaml"
    policies.write_text(policies.read_text().replace("daily_cap: 20", "daily_cap: 2"))
    monkeypatch.setattr(drafting, "CHUNK", 3)
    peers = [f"p{i}@org{i}.example" for i in range(9)]
    met = [meeting(i, day(1) + timedelta(hours=i), p) for i, p in enumerate(peers)]
    with workspace_at(tmp_path / "a", rules) as a, workspace_at(tmp_path / "b", rules) as b:
        # Stored the day before (a calendar syncs ahead), so they are new peers, not known ones.
        steps = [(day(0.5), met), (day(2), []), (day(2.2), []), (day(3.1), []), (day(4.1), [])]
        ws = run((a, b), steps)
    created = sorted(d[0] for d in queue(ws))
    assert len(created) == 6  # two a day, three days


def test_an_address_revealed_as_a_mailing_list_later(twins: tuple[Workspace, Workspace]) -> None:
    """Mail to Katherine first; weeks later a post's List-Post names her address: she was a
    list all along, and the mail stored before says so once refolded."""
    katherine = "katherine@orbital.example"
    headers = {"list-post": f"<mailto:{katherine}>", "list-id": "<katherine.orbital.example>"}
    ws = run(
        twins,
        [
            (
                day(3),
                [
                    mail(1, OWNER, katherine, day(1)),
                    mail(2, katherine, OWNER, day(2), in_reply_to="m1@x"),
                ],
            ),
            (day(60), [mail(3, GRACE, OWNER, day(59), headers=headers)]),
            (day(61), []),
        ],
    )
    assert people(ws)[katherine].classification.value != "peer"


def test_people_met_before_the_first_sync_are_known_not_new(
    twins: tuple[Workspace, Workspace],
) -> None:
    """Installing keepwarm must not thank everyone in last week's calendar (DESIGN §11): Grace,
    met before the first sync, is known; Katherine, met after it, gets the thank-you."""
    katherine = "katherine@orbital.example"
    ws = run(
        twins,
        [(day(2), [meeting(1, day(1), GRACE)]), (day(5), [meeting(2, day(4), katherine)])],
    )
    found = people(ws)
    assert found[GRACE].classification.value == "peer" and found[GRACE].known
    assert found[katherine].classification.value == "peer" and not found[katherine].known
    thanked = [d[3] for d in queue(ws) if d[2] == "new-peer-thank-you"]
    assert thanked == [(katherine,)]
