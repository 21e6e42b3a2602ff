"""A reply delivered through the outbox joins the stored Gmail thread, with or without search.

The fake applies Gmail's documented rule (discovery document, `Message.threadId`): a draft joins
a thread only when the request names the threadId, In-Reply-To and References are set, and the
Subject matches. The thread id comes from the stored interaction, so no search is needed (and a
gmail.metadata grant could not search); References carry the parent's own chain (RFC 5322).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fakes.google import BASE_TIME, OWNER, FakeGoogle
from fakes.google_rules import header
from keepwarm.models import DraftState, Owner
from keepwarm.services import deliver as deliver_service
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import GoogleAccount, Settings
from keepwarm.store.tables import Account, Draft, InteractionRow, Person

PARENT = "grace-2@mail.navylabs.example"


def _mailbox(fake: FakeGoogle) -> str:
    """A conversation: Ada wrote, Grace answered; returns the thread id."""
    first = fake.add_message(
        {"From": f"Ada <{OWNER}>", "To": "grace@navylabs.example",
         "Subject": "Compilers, as promised", "Message-ID": "<ada-1@fake.example>"},
        labels=("SENT",),
    )  # fmt: skip
    fake.add_message(
        {"From": "Grace <grace@navylabs.example>", "To": OWNER,
         "Subject": "Re: Compilers, as promised", "Message-ID": f"<{PARENT}>",
         "In-Reply-To": "<ada-1@fake.example>", "References": "<ada-1@fake.example>"},
        thread=first,
    )  # fmt: skip
    return first


def _workspace(tmp_path: Path, fake: FakeGoogle, *, search: bool) -> Workspace:
    settings = Settings(
        owner=Owner(name="Ada Lovelace", addresses=[OWNER]),
        accounts=[
            GoogleAccount(
                name="work", kind="google", mode="draft", api_endpoint=fake.url,
                token_command="echo fake-access-token", calendars=[], search_filters=search,
            )
        ],
        state_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'keepwarm.db'}",
        as_of=BASE_TIME,
    )  # fmt: skip
    return open_workspace(settings)


def _approve_reply(ws: Workspace, subject: str) -> None:
    with ws.session() as session:
        account = session.scalars(select(Account)).one()
        parent = session.scalars(
            select(InteractionRow).where(InteractionRow.message_id == PARENT)
        ).one()
        person = Person(key="grace", name="Grace", classification="peer", first_seen=BASE_TIME,
                        last_seen=BASE_TIME, updated_at=BASE_TIME)  # fmt: skip
        session.add(person)
        session.flush()
        session.add(
            Draft(key="reply-owed:grace:1", rule="reply-owed", person_id=person.id,
                  account_id=account.id, to=["grace@navylabs.example"], subject=subject,
                  body="Thank you, Grace.", state=DraftState.APPROVED.value,
                  interaction_ids=[parent.id], in_reply_to=PARENT, due_at=BASE_TIME,
                  created_at=BASE_TIME, updated_at=BASE_TIME)
        )  # fmt: skip


@pytest.mark.parametrize("search", [False, True])
def test_a_reply_joins_the_stored_thread_with_the_whole_references_chain(
    tmp_path: Path, search: bool
) -> None:
    """metadata grant (no search) and search grant alike: the draft lands in Grace's thread,
    In-Reply-To names her message, References her chain then her message, and no search was
    spent finding the thread."""
    fake = FakeGoogle.start(metadata_only=not search)
    thread = _mailbox(fake)
    ws = _workspace(tmp_path, fake, search=search)
    try:
        sync_account(ws, "work")
        _approve_reply(ws, "Re: Compilers, as promised")
        fake.reset_counts()
        report = deliver_service.deliver(ws)
    finally:
        ws.close()
        fake.stop()
    assert report.delivered == 1
    ((_, message_id),) = fake.drafts.items()
    draft = fake.messages[message_id]
    assert draft["threadId"] == thread
    headers = draft["payload"]["headers"]
    assert header(headers, "In-Reply-To") == f"<{PARENT}>"
    assert header(headers, "References") == f"<ada-1@fake.example> <{PARENT}>"
    assert fake.calls["messages.list"] == 0


def test_a_subject_that_no_longer_matches_starts_a_thread_of_its_own(tmp_path: Path) -> None:
    """Gmail's rule, kept by the fake: an edited subject does not join the thread (documented
    in the README: keep "Re: <subject>" for a reply to stay in its conversation)."""
    fake = FakeGoogle.start()
    thread = _mailbox(fake)
    ws = _workspace(tmp_path, fake, search=True)
    try:
        sync_account(ws, "work")
        _approve_reply(ws, "Something else entirely")
        deliver_service.deliver(ws)
    finally:
        ws.close()
        fake.stop()
    ((_, message_id),) = fake.drafts.items()
    assert fake.messages[message_id]["threadId"] != thread
