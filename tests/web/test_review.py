"""The review page's presentation: groups, collapsed recipients, bulk preview, accounts, time."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keepwarm.models import Quarantined
from keepwarm.services import queue as service
from keepwarm.services.health import finish_run, start_run
from keepwarm.services.queue import DraftText
from keepwarm.settings import load_settings
from keepwarm.store.accounts import ensure_account, quarantine
from keepwarm.web import create_app
from tests.queuedata import open_at, seed, write_config
from tests.web.conftest import csrf_of


def edit(config: Path, draft_id: int, **fields: object) -> None:
    ws = open_at(config)
    try:
        service.edit(ws, draft_id, **fields)  # type: ignore[arg-type]
    finally:
        ws.close()


def test_drafts_with_one_subject_are_grouped_and_reviewed_together(
    client: TestClient, config: Path
) -> None:
    """Drafts 1, 3 and 5 share a subject: one group of three, and `next` walks the group
    before the other drafts (the order the list shows)."""
    for i in (1, 3, 5):
        edit(config, i, subject="Thanks for the Lisbon meetup")
    html = client.get("/").text
    assert html.count('<li class="group">') == 1 and '<span class="count">3 drafts</span>' in html
    order = [int(x.split('"')[0]) for x in html.split('class="draft" data-id="')[1:]]
    assert order == [1, 3, 5, 2, 4, 6]
    assert 'rel="next" href="/drafts/5' in client.get("/drafts/3").text
    assert 'rel="next" href="/drafts/2' in client.get("/drafts/5").text


def test_long_recipient_lists_are_collapsed(client: TestClient, config: Path) -> None:
    people = [f"guest{i}@event.example" for i in range(6)]
    edit(config, 2, to=people)
    row = client.get("/").text.split('data-id="2"')[1].split("</li>")[0]
    assert "to guest0@event.example, guest1@event.example and 4 more" in row
    assert "guest5@event.example" not in row
    page = client.get("/drafts/2").text
    assert "to 6 people: guest0@event.example, guest1@event.example, guest2@event.example" in page
    assert "<summary>and 3 more</summary>" in page


def test_bulk_approve_shows_what_it_will_do_then_skips_what_cannot_be_approved(
    client: TestClient, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview lists the drafts it will approve and each one it cannot, with why; the
    approval then approves those and says which it skipped."""

    def no_brackets(d: DraftText) -> str | None:
        return "it still has a placeholder [one line of news]" if "[" in d.body else None

    monkeypatch.setattr(service, "APPROVAL_CHECKS", [no_brackets])
    edit(config, 3, body="Hi,\n\nOn my side [one line of news].")
    token = csrf_of(client.get("/").text)
    client.post("/drafts/4/reject", data={"csrf": token})
    preview = client.get("/approve?ids=1&ids=3&ids=4")
    assert preview.status_code == 200
    html = preview.text
    assert "Approve 1 draft?" in html and '<input type="hidden" name="ids" value="1">' in html
    assert "draft 3 cannot be approved: it still has a placeholder" in html
    assert "draft 4 is rejected and cannot be approved" in html
    assert {d["state"] for d in service_states(config).values()} == {"pending", "rejected"}
    page = client.post(
        "/approve", data={"csrf": token, "ids": ["1", "3"]}, follow_redirects=True
    ).text
    assert "Approved 1 draft. Skipped 1: draft 3 cannot be approved" in page
    assert service_states(config)[1]["state"] == "approved"
    assert service_states(config)[3]["state"] == "pending"
    by_rule = client.get("/approve?rule=check-in").text
    assert "Approve 2 drafts of check-in?" in by_rule


def service_states(config: Path) -> dict[int, dict[str, str]]:
    ws = open_at(config)
    try:
        return {d["id"]: {"state": d["state"]} for d in service.queue(ws)}
    finally:
        ws.close()


def test_acting_on_the_last_draft_returns_to_the_queue(client: TestClient) -> None:
    token = csrf_of(client.get("/").text)
    response = client.post(
        "/drafts/6/approve", data={"csrf": token, "state": "pending"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/?state=pending"
    response = client.post(
        "/drafts/1/approve", data={"csrf": token, "next": "2"}, follow_redirects=False
    )
    assert response.headers["location"] == "/drafts/2?state=pending"


def test_accounts_page_shows_quarantined_inputs_and_recent_runs(
    client: TestClient, config: Path
) -> None:
    ws = open_at(config)
    try:
        now = ws.settings.now()
        with ws.session() as session:
            account = ensure_account(session, name="demo", kind="files", now=now)
            quarantine(
                session, account_id=account.id, now=now,
                items=(Quarantined("/mail/inbox.mbox", "byte 4096", "no From line"),),
            )  # fmt: skip
        run = start_run(ws, flow="cycle", flow_run_id=None)
        finish_run(ws, run, {"sync": {"demo": {"error": "grant revoked"}}})
    finally:
        ws.close()
    html = client.get("/status").text
    assert "1 quarantined" in html and "/mail/inbox.mbox" in html and "no From line" in html
    assert "Recent runs" in html and "demo: grant revoked" in html and "2026-11-20 18:00" in html


def test_before_any_sync_the_page_says_what_to_run(tmp_path: Path) -> None:
    config = write_config(tmp_path / "empty")
    with TestClient(create_app(load_settings(config)), base_url="http://127.0.0.1:8765") as c:
        assert "Nothing synced yet: run <code>keepwarm sync</code>" in c.get("/").text
        assert "nothing synced yet" in c.get("/status").text


def test_times_are_the_owners_local_time(tmp_path: Path) -> None:
    """Due 17:59 UTC shows as 18:59 for an owner in Berlin, to the minute."""
    config = write_config(tmp_path / "berlin")
    config.write_text(config.read_text().replace("Europe/London", "Europe/Berlin"))
    ws = open_at(config)
    try:
        seed(ws, 1)
    finally:
        ws.close()
    with TestClient(create_app(load_settings(config)), base_url="http://127.0.0.1:8765") as c:
        assert "due 2026-11-20 18:59" in c.get("/").text
        page = c.get("/drafts/1").text
        assert "due from 2026-11-20 18:59, expires 2026-12-04 19:00" in page
        assert "Times in Europe/Berlin" in c.get("/").text
