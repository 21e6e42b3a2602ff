"""Values longer than their columns (or holding NUL) sync and detect on PostgreSQL as on SQLite.

SQLite ignores VARCHAR lengths; PostgreSQL refuses the row, which failed `sync` every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from keepwarm.errors import ConfigError
from keepwarm.services import queue as service
from keepwarm.services.pipeline import detect
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import Workspace
from keepwarm.store import fit
from keepwarm.store.people import add_override
from keepwarm.store.tables import InteractionRow, ParticipantRow, Quarantine, SyncCursor
from tests.connectors.files.builders import calendar, mbox, message, vevent
from tests.hostile.conftest import hostile_config
from tests.queuedata import NOW, open_at, seed

LONG_ID = "x" * 600


def hostile_mailbox(path: Path) -> None:
    path.write_bytes(
        mbox(
            [
                message(message_id=f"<{LONG_ID}1@navy.example>"),
                message(message_id=f"<{LONG_ID}2@navy.example>"),  # same 500-char prefix
                message(
                    sender=f'"{"Grace " * 120}" <grace@navy.example>',
                    message_id="<long-name@navy.example>",
                ),
                message(sender=f"<{'a' * 330}@navy.example>", message_id="<long-address@x>"),
                message(sender=f"<a@{'b' * 260}.example>", message_id="<long-domain@x>"),
                message(
                    sender="Alan <alan@bletchley.example>",
                    subject="NUL \x00 in the subject",
                    message_id="<nul@bletchley.example>",
                    extra=[f"In-Reply-To: <{LONG_ID}1@navy.example>", "List-Id: <a\x00b>"],
                ),
            ]
        )
    )


def test_long_values_sync_and_detect(tmp_path: Path, database_url: str) -> None:
    deep = tmp_path.joinpath(*(["d" * 200] * 6))  # a stream name over 1,000 characters
    deep.mkdir(parents=True)
    hostile_mailbox(deep / "inbox.mbox")
    ics = tmp_path / "cal.ics"
    ics.write_bytes(calendar(vevent("u" * 400, "SUMMARY:no start")))  # quarantined by its UID
    ws = open_at(hostile_config(tmp_path / "ws", database_url, mail=[deep], calendars=[ics]))
    try:
        first = sync_account(ws, "demo")
        detect(ws)
        again = sync_account(ws, "demo")  # the fitted cursor is found again: nothing re-read
        with ws.session() as session:
            ids = set(session.scalars(select(InteractionRow.provider_id)))
            replies = session.scalar(
                select(InteractionRow.in_reply_to).where(
                    InteractionRow.message_id == "nul@bletchley.example"
                )
            )
            subject = session.scalar(
                select(InteractionRow.subject).where(
                    InteractionRow.message_id == "nul@bletchley.example"
                )
            )
            names = set(session.scalars(select(ParticipantRow.name)))
            streams = set(session.scalars(select(SyncCursor.stream)))
            quarantined = session.scalar(select(func.count()).select_from(Quarantine))
    finally:
        ws.close()
    assert first.error is None and first.inserted == 4 and first.quarantined == 3
    assert again.inserted == 0 and again.pages <= 1
    long_ids = [i for i in ids if i.startswith("msg:xxx")]
    assert len(long_ids) == 2 and all(len(i) <= fit.ID for i in long_ids)
    assert replies in {i.removeprefix("msg:") for i in long_ids} or replies == fit.fit(
        f"{LONG_ID}1@navy.example", fit.ID
    )
    assert subject == "NUL \ufffd in the subject"
    assert max(len(n) for n in names) <= fit.NAME
    assert all(len(s) <= fit.STREAM for s in streams)
    assert quarantined == 3


def test_typed_values_that_cannot_be_stored(workspace: Workspace) -> None:
    """A reject reason with a NUL is stored (cleaned); an over-long block target is refused."""
    ids = seed(workspace, 1)
    service.reject(workspace, ids, reason="spam\x00ish", mute_rule=True)
    assert service.show(workspace, ids[0])["state"] == "rejected"
    with pytest.raises(ConfigError, match="too long"), workspace.session() as session:
        add_override(session, action="block", target="@" + "x" * 400, now=NOW)


def test_long_list_headers_sync_and_detect(tmp_path: Path, database_url: str) -> None:
    """A List-Id or List-Post longer than the list tables' columns (incremental detection files
    every list address a message names) neither fails the sync nor the detection pass."""
    box = tmp_path / "lists.mbox"
    long_list = [
        f'List-Id: "{"Compilers " * 70}" <{"c" * 400}.lists.example>',
        f"List-Post: <mailto:{'p' * 400}@lists.example>",
    ]
    box.write_bytes(
        mbox(
            [
                message(message_id="<long-list@navy.example>", extra=long_list),
                message(
                    sender="Grace via Compilers <compilers@lists.example>",
                    message_id="<rewritten@navy.example>",
                    extra=[*long_list, "X-Original-From: Grace <grace@navy.example>"],
                ),
            ]
        )
    )
    ws = open_at(hostile_config(tmp_path / "ws", database_url, mail=[box]))
    try:
        synced = sync_account(ws, "demo")
        report = detect(ws)
        again = detect(ws, full=True)
    finally:
        ws.close()
    assert synced.error is None and synced.inserted == 2
    assert report.people >= 1 and again.people == report.people
