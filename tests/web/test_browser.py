"""The real page in headless Chromium (Debian's package, driven by Playwright).

Skipped with a reason when /usr/bin/chromium is missing locally; `.ci/run` installs it.
Screenshots of the queue and of a draft are saved under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from keepwarm.services import queue as service
from keepwarm.settings import load_settings
from keepwarm.store.drafts import muted_pairs
from keepwarm.web import create_app
from tests.queuedata import open_at, seed

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium); "
    ".ci/run installs it",
)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


@pytest.fixture
def server(config: Path) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(load_settings(config))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a hang guard: a loaded machine may start slowly
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: sync_api.Browser, server: str) -> Iterator[sync_api.Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 860})
    p = context.new_page()
    yield p
    context.close()


def states(config: Path) -> dict[int, str]:
    ws = open_at(config)
    try:
        return {d["id"]: d["state"] for d in service.queue(ws)}
    finally:
        ws.close()


def test_review_and_approve_with_the_keyboard(page: sync_api.Page, config: Path) -> None:
    """j moves to the second draft, a approves it; the flash confirms and the list shrinks."""
    page.goto("/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
    assert page.locator("li.draft").count() == 6
    page.keyboard.press("j")
    assert page.locator("li.draft.current").get_attribute("data-id") == "2"
    assert page.locator("li.draft[aria-current]").count() == 1
    page.keyboard.press("a")
    page.wait_for_selector(".flash-ok")
    assert page.locator(".flash-ok").inner_text() == "Approved draft 2."
    assert page.locator("li.draft").count() == 5
    assert states(config)[2] == "approved"


def test_open_a_draft_edit_it_inline_and_save(page: sync_api.Page, config: Path) -> None:
    """o opens the draft with its context; e jumps to the editor; saving keeps the change."""
    page.goto("/")
    page.keyboard.press("o")
    page.wait_for_url("**/drafts/1?state=pending")
    assert "Coffee 0" in page.locator(".context").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "draft.png"), full_page=True)
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "f-body"
    page.fill("#f-subject", "Thank you, Peer 0")
    page.fill("#f-body", "Hi Peer 0,\n\nLovely to meet you.\n\nAda")
    page.click("text=Save and approve")
    page.wait_for_selector(".flash-ok")
    assert "Saved and approved draft 1." in page.locator(".flash-ok").inner_text()
    ws = open_at(config)
    try:
        d = service.show(ws, 1)
    finally:
        ws.close()
    assert d["state"] == "approved" and d["body"].startswith("Hi Peer 0,\n\nLovely")


def test_reject_with_forget_from_the_draft_page(page: sync_api.Page, config: Path) -> None:
    """r focuses the reason; rejecting with 'forget' mutes every rule for the person."""
    page.goto("/drafts/3")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "f-reason"
    page.keyboard.type("we already talked")
    page.check("#f-forget")
    page.click("#reject-form button")
    page.wait_for_selector(".flash-ok")
    assert "forgot the person" in page.locator(".flash-ok").inner_text()
    assert states(config)[3] == "rejected"
    ws = open_at(config)
    try:
        with ws.session() as session:
            assert any(rule == "*" for _, rule in muted_pairs(session))
    finally:
        ws.close()


def test_bulk_approve_everything_selected(page: sync_api.Page, config: Path) -> None:
    """'select all', 'Approve selected…', then the preview's confirm approves every pending
    draft at once."""
    page.goto("/")
    page.check("[data-select-all]")
    page.click("#bulk-approve")
    page.wait_for_url("**/approve?**")
    assert page.locator("h1").inner_text() == "Approve 6 drafts?"
    assert page.locator("ol.plan li").count() == 6
    page.click("#confirm-approve button.primary")
    page.wait_for_selector(".flash-ok")
    assert page.locator(".flash-ok").inner_text() == "Approved 6 drafts."
    assert set(states(config).values()) == {"approved"}


def test_a_post_without_the_csrf_token_is_refused(page: sync_api.Page, config: Path) -> None:
    """A form posted from outside the page (no token) gets 403 and changes nothing."""
    page.goto("/")
    response = page.request.post("/drafts/1/approve", form={"next": "2"})
    assert response.status == 403
    assert states(config)[1] == "pending"


def test_the_page_works_on_a_phone(browser: sync_api.Browser, server: str) -> None:
    """At phone width the draft page has no horizontal scroll and its buttons are reachable."""
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    try:
        p = context.new_page()
        p.goto("/drafts/1")
        assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert p.locator("#approve-form button").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        p.screenshot(path=str(ARTIFACTS / "draft-phone.png"), full_page=True)
    finally:
        context.close()


class Keys:
    """The keyboard, counted: command keys (what the reviewer presses to move and decide) and
    characters of text they type (an edit's words, which no design can save)."""

    def __init__(self, page: sync_api.Page) -> None:
        self.page, self.commands, self.typed = page, 0, 0

    def press(self, key: str) -> None:
        self.commands += 1
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.typed += len(text)
        self.page.keyboard.type(text)


def test_a_person_reviews_twenty_drafts_by_keyboard(page: sync_api.Page, config: Path) -> None:
    """Open the first draft, read its context, then decide each of 20 by keyboard: one edited
    (and approved), two rejected with Enter, the rest approved. Every decision moves on to the
    next draft. At most 3 command keys per draft on average (measured: 24 for 20, 1.2)."""
    ws = open_at(config)
    try:
        seed(ws, 14)  # 6 from the fixture + 14 = 20 pending drafts
        for i in (7, 9, 12):  # a thank-you to everyone at one event: reviewed as a group
            service.edit(ws, i, subject="Thanks for the Lisbon meetup")
    finally:
        ws.close()
    keys = Keys(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto("/")
    order = [int(x) for x in page.locator("li.draft").evaluate_all("r => r.map(e => e.dataset.id)")]
    assert len(order) == 20 and page.locator("li.group").count() == 1
    page.screenshot(path=str(ARTIFACTS / "review-1-queue.png"), full_page=True)
    edit_at, reject_at = 4, {7, 13}
    keys.press("o")
    for n, draft_id in enumerate(order):
        page.wait_for_url(f"**/drafts/{draft_id}?state=pending")
        context = page.locator(".context").inner_text()  # reading needs no key
        assert f"Peer {draft_id - 1}" in context and f"Coffee {draft_id - 1}" in context
        if n == 0:
            page.screenshot(path=str(ARTIFACTS / "review-2-draft.png"), full_page=True)
        if n == edit_at:
            keys.press("e")
            keys.type("\nP.S. The slides are attached.")
            page.screenshot(path=str(ARTIFACTS / "review-3-editing.png"), full_page=True)
            keys.press("Control+Enter")
        elif n in reject_at:
            keys.press("r")
            keys.press("Enter")
        else:
            keys.press("a")
    page.wait_for_url("**/?state=pending")
    assert page.locator(".empty").inner_text().startswith("Nothing here in pending")
    page.screenshot(path=str(ARTIFACTS / "review-4-done.png"), full_page=True)
    final = states(config)
    rejected = {order[n] for n in reject_at}
    assert {i for i, s in final.items() if s == "rejected"} == rejected
    assert {i for i, s in final.items() if s == "approved"} == set(order) - rejected
    ws = open_at(config)
    try:
        assert service.show(ws, order[edit_at])["body"].endswith("P.S. The slides are attached.")
    finally:
        ws.close()
    per_draft = keys.commands / len(order)
    (ARTIFACTS / "review-keys.json").write_text(
        json.dumps({"drafts": len(order), "command_keys": keys.commands,
                    "per_draft": per_draft, "typed_characters": keys.typed}, indent=2)
    )  # fmt: skip
    assert keys.commands == 1 + 17 + 2 + 2 * 2  # o; 17× a; e, Ctrl+Enter; 2× (r, Enter)
    assert per_draft <= 3
