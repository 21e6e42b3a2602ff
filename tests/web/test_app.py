"""The web page through FastAPI's test client: views, actions, CSRF and the access token."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from keepwarm.cli.main import app as cli
from keepwarm.errors import ConfigError, KeepwarmError
from keepwarm.services import queue as service
from keepwarm.settings import load_settings
from keepwarm.web import create_app
from tests.queuedata import open_at
from tests.web.conftest import csrf_of


def states(config: Path) -> dict[int, str]:
    ws = open_at(config)
    try:
        return {d["id"]: d["state"] for d in service.queue(ws)}
    finally:
        ws.close()


def post(client: TestClient, url: str, **data: str | list[str]) -> str:
    """Post a form like the page does and return the page the redirect leads to."""
    token = csrf_of(client.get("/").text)
    response = client.post(url, data={"csrf": token, **data}, follow_redirects=True)
    assert response.status_code == 200
    return response.text


def test_queue_page_shows_counts_and_pending_drafts(client: TestClient) -> None:
    """The default view lists pending drafts with who, subject, a body preview and the reason
    in words, and counts per state."""
    html = client.get("/").text
    assert html.count('class="draft"') == 6
    assert "Peer 0" in html
    assert "<strong>New contact</strong> · meeting &#39;Coffee 0&#39;" in html
    assert '<span class="preview">Hi, Thanks! Ada</span>' in html
    assert 'pending <span class="count">6</span>' in html
    assert "Approve all of check-in" in html and "Approve all of thank-you" in html


def test_pages_escape_what_drafts_contain(client: TestClient, config: Path) -> None:
    """A subject with markup is shown as text, never run (autoescape)."""
    ws = open_at(config)
    try:
        service.edit(ws, 1, subject="<script>alert(1)</script>")
    finally:
        ws.close()
    for page in (client.get("/").text, client.get("/drafts/1").text):
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_state_changing_requests_without_a_valid_csrf_token_are_refused(
    client: TestClient, config: Path
) -> None:
    """No token, a wrong token, or a token without its cookie: 403 and nothing changes."""
    token = csrf_of(client.get("/").text)
    assert client.post("/drafts/1/approve", data={}).status_code == 403
    assert client.post("/drafts/1/approve", data={"csrf": "x" * 43}).status_code == 403
    stranger = TestClient(client.app, base_url="http://127.0.0.1:8765")
    refused = stranger.post("/approve", data={"csrf": token, "ids": ["1", "2"]})
    assert refused.status_code == 403 and "security token" in refused.text
    assert set(states(config).values()) == {"pending"}


def test_approve_reject_forget_and_snooze_from_the_draft_page(
    client: TestClient, config: Path
) -> None:
    """Each button changes the state, records it, and flashes what happened."""
    assert "Approved draft 1." in post(client, "/drafts/1/approve")
    page = post(client, "/drafts/2/reject", reason="not a fit", forget="on")
    assert "Rejected draft 2 and forgot the person." in page
    assert "Snoozed draft 3 until 2026-11-23 18:00." in post(client, "/drafts/3/snooze", until="3d")
    assert states(config) == {
        1: "approved", 2: "rejected", 3: "snoozed", 4: "pending", 5: "pending", 6: "pending"
    }  # fmt: skip
    history = client.get("/drafts/2").text
    assert "you: rejected not a fit" in history and "forgot person" in history


def test_illegal_actions_flash_a_clear_error(client: TestClient, config: Path) -> None:
    """Approving a rejected draft explains why it can't, and leaves it rejected."""
    post(client, "/drafts/1/reject")
    page = post(client, "/drafts/1/approve")
    assert "flash-error" in page and "draft 1 is rejected and cannot be approved" in page
    assert states(config)[1] == "rejected"


def test_inline_edit_validates_and_can_approve_in_one_go(client: TestClient, config: Path) -> None:
    """A valid edit is saved (and approved when asked); a bad address changes nothing."""
    page = post(
        client, "/drafts/1/edit", to="Grace <grace@navy.example>", subject="Merci",
        body="Hi Grace", approve="on",
    )  # fmt: skip
    assert "Saved and approved draft 1." in page
    ws = open_at(config)
    try:
        d = service.show(ws, 1)
    finally:
        ws.close()
    assert (d["to"], d["subject"], d["state"]) == (["grace@navy.example"], "Merci", "approved")
    page = post(client, "/drafts/2/edit", to="nobody", subject="x", body="y")
    assert "not an email address" in page and states(config)[2] == "pending"
    page = post(client, "/drafts/2/edit", to="a@b.example", subject="x\r\nBcc: e@v.il", body="y")
    assert "line breaks" in page


def test_bulk_approve_by_selection_and_by_rule(client: TestClient, config: Path) -> None:
    """Selected ids are approved together; 'approve all of' takes a whole rule."""
    assert "Approved 2 drafts." in post(client, "/approve", ids=["1", "3"])
    assert "Approved 2 drafts." in post(client, "/approve", rule="check-in")
    got = states(config)
    assert [i for i, s in got.items() if s == "approved"] == [1, 3, 5, 6]


def test_draft_page_shows_its_context(client: TestClient) -> None:
    """Person, rule, reasons, evidence, window and history are on the draft's page."""
    html = client.get("/drafts/2").text
    for needle in (
        "Peer 1", "org1.example", "thank-you", "Coffee 1", "met in a meeting",
        "due from 2026-11-20 17:59, expires 2026-12-04 18:00", "(Europe/London)",
        "keepwarm: created", 'href="/people/peer1%40org1.example"', 'rel="next" href="/drafts/3',
        'rel="prev" href="/drafts/1', '<span class="sep" aria-hidden="true">·</span>', "5 left to review in pending",
    ):  # fmt: skip
        assert needle in html, needle
    assert "delivered from" not in html and "UTC" not in html
    assert client.get("/drafts/999").status_code == 404


def test_person_timeline_and_account_status_pages(client: TestClient) -> None:
    """The person page lists interactions and follow-ups; the status page lists accounts."""
    person = client.get("/people/peer0%40org0.example").text
    assert "Coffee 0" in person and "#1" in person
    assert client.get("/people/nobody%40x.example").status_code == 404
    status = client.get("/status").text
    assert '<th scope="row">demo</th>' in status and "files" in status


def test_security_headers_forbid_framing_and_foreign_scripts(client: TestClient) -> None:
    """Every page sends a CSP that only allows keepwarm's own script, and no framing."""
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_a_foreign_host_name_is_refused_on_loopback(client: TestClient) -> None:
    """A page reached through another name (DNS rebinding) gets 400, not the queue."""
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_binding_off_loopback_needs_an_access_token(config: Path) -> None:
    """Without a token the app refuses to start on 0.0.0.0; with one, requests must carry it."""
    with pytest.raises(ConfigError, match="access_token"):
        create_app(load_settings(config), host="0.0.0.0")
    secret = "s3cret-token-of-enough-length"
    settings = load_settings(config, web={"access_token": secret})
    with TestClient(create_app(settings, host="0.0.0.0")) as c:
        assert c.get("/").status_code == 401
        assert c.get("/?token=wrong").status_code == 401
        assert c.get(f"/?token={secret}").status_code == 200
        assert c.get("/drafts/1").status_code == 200  # the cookie carries it from now on
        assert c.get("/static/style.css").status_code == 200


def test_web_command_refuses_an_open_bind_without_token(config: Path) -> None:
    """`keepwarm web --host 0.0.0.0` exits 1 with the fix instead of serving the queue openly."""
    result = CliRunner().invoke(cli, ["--config", str(config), "web", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "access_token" in result.stderr


def test_a_placeholder_is_highlighted_and_blocks_every_approve(
    client: TestClient, config: Path
) -> None:
    """The editor marks `[[…]]` and names the rule; approve, save-and-approve and both bulk
    approves refuse that draft (saying why) while the others go through."""
    ws = open_at(config)
    try:
        service.edit(ws, 2, body="Hi,\n\nOn my side [[one line of news]].\n\nAda")
    finally:
        ws.close()
    html = client.get("/drafts/2").text
    assert "<mark>[[one line of news]]</mark>" in html and 'aria-invalid="true"' in html
    assert "left by rule <strong>thank-you</strong>" in html
    assert (
        "/static/placeholders.js" in html
        and "/static/placeholders.js" not in client.get("/drafts/1").text
    )
    page = post(client, "/drafts/2/approve")
    assert (
        "flash-error" in page and "draft 2 cannot be approved: it still has a placeholder" in page
    )
    page = post(client, "/drafts/2/edit", to="peer1@org1.example", subject="Hi",
                body="[[your news]]", approve="on")  # fmt: skip
    assert "flash-error" in page and "[[your news]]" in page
    page = post(client, "/approve", ids=["1", "2"])
    assert (
        "Approved 1 draft. Skipped 1: draft 2 cannot be approved: it still has a placeholder"
        in page
    )
    page = post(client, "/approve", rule="thank-you")
    assert "Approved 2 drafts. Skipped 1: draft 2" in page
    assert states(config)[2] == "pending"


def test_any_keepwarm_error_is_handled_once_for_the_whole_app(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new KeepwarmError subclass from a service becomes an error flash on the draft it was
    about (actions) or the error page (views), with no per-route translation."""

    class Refused(KeepwarmError):
        pass

    def refuse(*args: object, **kwargs: object) -> list[int]:
        raise Refused("draft 1 cannot be approved: it still has a [placeholder]")

    monkeypatch.setattr(service, "approve", refuse)
    token = csrf_of(client.get("/").text)
    response = client.post("/drafts/1/approve", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/drafts/1"
    page = client.get("/drafts/1").text
    assert 'class="flash flash-error"' in page and "still has a [placeholder]" in page
    bulk = client.post("/approve", data={"csrf": token, "ids": ["1"]}, follow_redirects=False)
    assert bulk.headers["location"] == "/"
    bad_state = client.get("/?state=nonsense")
    assert bad_state.status_code == 400 and "is not a draft state" in bad_state.text
    assert client.get("/drafts/999").status_code == 404
