"""The connector as the sync service sees it: streams, owner addresses, the owner's answers."""

from __future__ import annotations

from bench.fake_graph import FakeGraph
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
