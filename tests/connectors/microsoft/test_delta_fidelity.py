"""Delta rounds as Graph sends them: partial updates, Sent Items without headers, deleted events.

The fake Graph behaves as Graph does here (see `fakes/graph.py`): a changed message comes back
as `id` + the changed properties only, the Sent Items copy has no `internetMessageHeaders`, and a
deleted event comes back as `@removed`.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from fakes.graph import FakeGraph, serve
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import open_workspace
from keepwarm.settings import Settings
from keepwarm.store.tables import InteractionRow
from tests.connectors.microsoft.support import ROOT, connector, event, graph, in_process, message


def test_a_partial_delta_item_is_an_update_not_a_quarantined_message() -> None:
    """A message marked read (`id`, `isRead`, `parentFolderId` only) in the next delta round:
    counted as an update of something keepwarm does not keep, never "no sender address"."""
    fake = FakeGraph(root=ROOT)
    fake.add_message("inbox", message(1))
    fake.add_message("inbox", message(2))
    c = connector(graph(http=in_process(fake)), folders=("inbox",), calendar=False)
    (first,) = list(c.pull({}))
    assert len(first.interactions) == 2
    fake.update_message("inbox", "AAMkAD-1=", isRead=True, parentFolderId="inbox-folder-id")
    (update,) = list(c.pull({"mail:inbox": first.cursor or {}}))
    assert update.quarantined == () and update.interactions == ()
    assert update.summary["updated"] == 1


def test_sent_items_thread_by_conversation_and_take_reply_to_from_the_property() -> None:
    """Sent Items are read without asking for internetMessageHeaders (Graph has none there):
    the thread comes from conversationId, the Message-ID from internetMessageId, Reply-To from
    `replyTo`; the inbox still asks for the headers."""
    fake = FakeGraph(root=ROOT)
    sent = {
        **message(3, sender="ada@analytical.example", to="grace@navy.example"),
        "replyTo": [{"emailAddress": {"name": "Ada's office", "address": "office@analytical.example"}}],
        "internetMessageHeaders": [{"name": "In-Reply-To", "value": "<m1@navy.example>"}],
    }  # fmt: skip
    fake.add_message("sentitems", sent)
    fake.add_message("inbox", message(1))
    asked: list[httpx.Request] = []
    c = connector(
        graph(http=in_process(fake, crash=asked.append)),
        folders=("inbox", "sentitems"),
        calendar=False,
        batch=False,
    )
    pages = {p.stream: p for p in c.pull({})}
    (mine,) = pages["mail:sentitems"].interactions
    assert mine.thread_id == "conv-3" and mine.message_id == "m3@navy.example"
    assert mine.headers["reply-to"] == "Ada's office <office@analytical.example>"
    selects = {r.url.path.split("/")[-3]: r.url.params["$select"] for r in asked}
    assert "internetMessageHeaders" not in selects["sentitems"]
    assert "internetMessageHeaders" in selects["inbox"]


def test_a_deleted_future_meeting_is_cancelled_in_the_store_a_past_one_is_kept(
    tmp_path: Path,
) -> None:
    """calendarView/delta `@removed` for a meeting that has not happened: the stored meeting is
    cancelled (no thank-you for a meeting that never took place); a past one stays as it was."""
    fake = FakeGraph()
    fake.me = {"mail": "ada@analytical.example"}
    past = {**event(1), "start": {"dateTime": "2026-11-03T10:00:00.0000000", "timeZone": "UTC"}}
    future = {**event(2), "start": {"dateTime": "2026-11-27T10:00:00.0000000", "timeZone": "UTC"},
              "end": {"dateTime": "2026-11-27T10:30:00.0000000", "timeZone": "UTC"}}  # fmt: skip
    fake.add_event(past)
    fake.add_event(future)
    with serve(fake) as root:
        settings = Settings.model_validate(
            {
                "owner": {"name": "Ada", "addresses": ["ada@analytical.example"]},
                "accounts": [{"name": "office", "kind": "microsoft", "graph_endpoint": root,
                              "folders": ["inbox"], "token_command": "echo token"}],
                "state_dir": tmp_path,
                "as_of": "2026-11-20T12:00:00Z",
            }
        )  # fmt: skip
        fake.add_message("inbox", message(1))
        ws = open_workspace(settings)
        try:
            sync_account(ws, "office")
            fake.remove_event("AAMkEV-1=")
            fake.remove_event("AAMkEV-2=")
            report = sync_account(ws, "office")
            with ws.session() as session:
                rows = session.execute(
                    select(InteractionRow.provider_id, InteractionRow.cancelled).where(
                        InteractionRow.kind == "meeting"
                    )
                ).all()
        finally:
            ws.close()
    assert dict(rows) == {"event:AAMkEV-1=": False, "event:AAMkEV-2=": True}
    assert report.updated == 1
