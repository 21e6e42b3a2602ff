"""The connector as the sync service sees it: streams, owner addresses, the owner's answers."""

from __future__ import annotations

from fakes.graph import FakeGraph
from keepwarm.models import Response
from tests.connectors.microsoft.support import ROOT, connector, event, graph, in_process, message


def test_batched_me_supplies_owner_addresses_and_responses() -> None:
    """/me rides in the first $batch: owner_addresses() costs nothing more, declines are the owner's."""
    fake = FakeGraph(root=ROOT)
    fake.me = {"mail": "ada@analytical.example", "proxyAddresses": ["smtp:al@analytical.example"]}
    fake.add_message("inbox", message(1))
    invited = {**event(1), "responseStatus": {"response": "declined"}}
    invited["organizer"] = {"emailAddress": {"address": "grace@navy.example"}}
    invited["attendees"] = [{"type": "required", "status": {"response": "none"},
                             "emailAddress": {"address": "ada@analytical.example"}}]  # fmt: skip
    fake.add_event(invited)
    g = graph(http=in_process(fake))
    c = connector(g, folders=("inbox", "sentitems"))
    fake.folders["sentitems"] = []
    pages = list(c.pull({}))
    assert [p.stream for p in pages] == ["mail:inbox", "mail:sentitems", "calendar"]
    assert c.owner_addresses() == {"ada@analytical.example", "al@analytical.example"}
    assert g.stats.requests == 1
    (meeting,) = pages[-1].interactions
    responses = {p.address: p.response for p in meeting.participants}
    assert responses == {
        "grace@navy.example": Response.ACCEPTED,
        "ada@analytical.example": Response.DECLINED,
    }


def test_expired_calendar_link_restarts_with_the_current_window() -> None:
    """A 410 on the calendar re-reads it over today's window and stores that window."""
    fake = FakeGraph(root=ROOT)
    fake.add_event(event(1))
    stale = {
        "delta_link": f"{ROOT}/v1.0/me/calendarView/delta?$deltatoken=expired",
        "window": ["2025-01-01T00:00:00Z", "2026-12-15T00:00:00Z"],
    }
    c = connector(graph(http=in_process(fake)), folders=())
    (page,) = c.pull({"calendar": stale})
    assert len(page.interactions) == 1 and page.summary["full"] is True
    assert page.cursor is not None
    assert page.cursor["window"] == ["2025-11-20T00:00:00Z", "2026-12-20T00:00:00Z"]
