"""The incremental pipeline's tables on SQLite and PostgreSQL: units, links, an upgrade.

Units come back equal and lazily; links find what a mail refers to and what refers to it,
inside the subject window only; a store migrated from before these tables gets one full pass
that files its old interactions under their links, after which cycles are incremental again.
"""

from __future__ import annotations

import bisect
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy.orm import Session

from keepwarm.incremental.buckets import OWNER
from keepwarm.incremental.folding import fold_units
from keepwarm.peers import detect as pure_detect
from keepwarm.services import open_workspace
from keepwarm.services.pipeline import detect, policy
from keepwarm.store import units
from keepwarm.store.accounts import ensure_account
from keepwarm.store.engine import alembic_config, make_engine
from keepwarm.store.interactions import fingerprint, load_interactions, upsert_interactions
from keepwarm.store.links import context_ids, dependent_ids
from keepwarm.store.people import people_views
from keepwarm.store.tables import Account, InteractionRow, ParticipantRow
from tests.builders import NOW, email, meeting
from tests.builders import OWNER as ADA


def _workspace(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    from keepwarm.settings import Settings

    settings = Settings(
        owner={"name": "Ada", "addresses": [ADA]},
        base_dir=tmp_path,
        database_url=database_url,
        as_of=NOW,
    )
    return open_workspace(settings)


def test_units_round_trip_and_histories_read_lazily(tmp_path: Path, database_url: str) -> None:
    ws = _workspace(tmp_path, database_url)
    items = [
        email(ADA, ["grace@navy.example"], days_ago=9, subject="Compilers"),
        email("grace@navy.example", [ADA], days_ago=8, subject="Re: Compilers"),
        meeting({"grace@navy.example": None, ADA: None}, days_ago=-1),  # ends tomorrow
        email(ADA, ["grace@navy.example"], days_ago=1, subject="Slides"),
    ]
    items.sort(key=lambda x: x.interaction.occurred_at)
    folded = fold_units(items, policy(ws), NOW)
    with ws.session() as s:
        units.write_units(s, evidence=folded.evidence, touches=folded.touches, due=folded.due)
        units.write_members(s, folded.members)
    with ws.session() as s:
        stored = units.evidence_of(s, ["grace@navy.example", OWNER])
        history = units.touches_of(s, ["grace@navy.example"])["grace@navy.example"]
        due = units.due_units(s, now=NOW + timedelta(days=2))
        members = units.members_of(s, [u for u in folded.members if u[0] != OWNER])
    grace = [u for u in sorted(folded.evidence) if u[0] == "grace@navy.example"]
    assert [units.encode_evidence(e) for e in stored["grace@navy.example"]] == [
        units.encode_evidence(folded.evidence[u]) for u in grace
    ]
    expected = [t for u in sorted(folded.touches) for t in folded.touches[u]]
    assert len(history) == len(expected) == 4
    assert (
        history[-1] == expected[-1] and history[0] == expected[0] and history[1:3] == expected[1:3]
    )
    assert list(reversed(history)) == expected[::-1] and list(history) == expected
    assert bisect.bisect_right(history, NOW, key=lambda t: t.at) == 3  # the meeting is ahead
    assert due and all(key == "grace@navy.example" for key, _ in due)  # the owner's never are
    assert members == {s.id for s in items}
    with ws.session() as s:
        units.write_units(s, evidence={}, touches={}, due={}, replace=grace)
        assert "grace@navy.example" not in units.evidence_of(s, ["grace@navy.example"])


def test_links_find_what_a_mail_refers_to_and_what_refers_to_it(
    tmp_path: Path, database_url: str
) -> None:
    ws = _workspace(tmp_path, database_url)
    bounce = {"content-type": "multipart/report; report-type=delivery-status"}
    asked = email(ADA, ["grace@navy.example"], days_ago=6, subject="Hi", message_id="a@x")
    reply = email("grace@navy.example", [ADA], days_ago=4, subject="Re: Hi", in_reply_to="a@x")
    sent = email(ADA, ["nobody@orbital.example"], days_ago=5, subject="Budget", message_id="b@x")
    daemon = "mailer-daemon@mx.example"
    near = email(daemon, [ADA], days_ago=4, subject="Undeliverable: Budget", headers=bounce)
    far = email(daemon, [ADA], days_ago=-30, subject="Undeliverable: Budget", headers=bounce)
    everything = (asked, reply, sent, near, far)
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=NOW).id
        upsert_interactions(
            s, account_id=account, items=[x.interaction for x in everything], now=NOW
        )
    with ws.session() as s:
        stored = {x.interaction.provider_id: x for x in load_interactions(s)}
        ids = {pid: x.id for pid, x in stored.items()}
        a, r, b, n, f = (ids[x.interaction.provider_id] for x in everything)

        def context(iid: int) -> set[int]:
            return context_ids(s, [x for x in stored.values() if x.id == iid]) - {iid}

        def dependents(iid: int) -> set[int]:
            return dependent_ids(s, [x for x in stored.values() if x.id == iid]) - {iid}

        assert context(r) == {a} and r in dependents(a)  # by In-Reply-To
        assert context(n) == {b} and n in dependents(b)  # a bare bounce, by subject
        assert context(f) == set() and f not in dependents(b)  # outside the subject window
    ws.close()


def test_a_store_from_before_the_upgrade_gets_one_full_pass_then_cycles_incrementally(
    tmp_path: Path, database_url: str
) -> None:
    """Interactions stored before revision 1601 (no links, no units); after the upgrade the first
    detection refolds everything and files them under their links, so a reply that arrives
    later is read in the light of the mail it answers."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "1201")  # the revision before this one
    # Grace answers mail the owner sent to Katherine: only its link ties the two.
    asked = email(ADA, ["katherine@orbital.example"], days_ago=9, subject="Hi", message_id="a@x")
    items = [asked, email("katherine@orbital.example", [ADA], days_ago=8, subject="Hello")]
    with Session(engine) as s, s.begin():
        account = Account(name="demo", kind="files", created_at=NOW, owner_addresses=[])
        s.add(account)
        s.flush()
        for x in items:
            it = x.interaction
            row = InteractionRow(
                account_id=account.id, provider_id=it.provider_id, kind=it.kind.value,
                occurred_at=it.occurred_at, subject=it.subject, thread_id=it.thread_id,
                message_id=it.message_id, references=[], headers={}, cancelled=False,
                source="", fingerprint=fingerprint(it), ingested_at=NOW,
            )  # fmt: skip
            s.add(row)
            s.flush()
            s.add_all(
                ParticipantRow(
                    interaction_id=row.id, address=p.address, name=p.name, role=p.role.value
                )
                for p in it.participants
            )
    engine.dispose()
    ws = _workspace(tmp_path, database_url)  # migrates to head
    assert detect(ws).mode == "full"
    reply = email("grace@navy.example", [ADA], days_ago=1, subject="Re: Hi", in_reply_to="a@x")
    with ws.session() as s:
        upsert_interactions(s, account_id=1, items=[reply.interaction], now=NOW)
    assert detect(ws).mode == "incremental"
    with ws.session() as s:
        stored = load_interactions(s)
        people = {p.key: p for p in people_views(s)}
    assert people == {p.key: p for p in pure_detect(stored, policy(ws), now=NOW)}
    assert people["grace@navy.example"].counts["replies"] == 1
    ws.close()
