"""A page on another local port cannot act on the queue: signed tokens, origins, scoped cookies."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keepwarm.services import queue as service
from keepwarm.settings import load_settings
from keepwarm.web import create_app
from keepwarm.web.security import SECRET_FILE
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at, seed
from tests.web.conftest import csrf_of

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    path = hostile_config(tmp_path / "ws", database_url)
    ws = open_at(path)
    try:
        seed(ws, 2)
    finally:
        ws.close()
    return path


@pytest.fixture
def client(config: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings(config)), base_url=BASE) as c:
        yield c


def pending(config: Path) -> int:
    ws = open_at(config)
    try:
        return len(service.summaries(ws, state="pending"))
    finally:
        ws.close()


@pytest.mark.parametrize("cookie", ["kw_csrf", "kw_csrf_8765", "csrf"])
def test_a_token_pair_the_client_chose_is_refused(
    client: TestClient, config: Path, cookie: str
) -> None:
    chosen = "x" * 43
    client.cookies.set(cookie, chosen)
    response = client.post("/drafts/1/approve", data={"csrf": chosen})
    assert response.status_code == 403 and pending(config) == 2


def test_a_post_from_another_origin_is_refused(client: TestClient, config: Path) -> None:
    token = csrf_of(client.get("/").text)  # even with a valid token (a leaked page)
    for origin in ("http://127.0.0.1:9999", "http://evil.example", "null"):
        response = client.post(
            "/drafts/1/approve", data={"csrf": token}, headers={"Origin": origin}
        )
        assert response.status_code == 403 and "Origin" in response.text
    referred = client.post(
        "/drafts/1/approve", data={"csrf": token}, headers={"Referer": "http://127.0.0.1:1/x"}
    )
    assert referred.status_code == 403 and pending(config) == 2
    same = client.post(
        "/drafts/1/approve", data={"csrf": token}, headers={"Origin": BASE}, follow_redirects=False
    )
    assert same.status_code == 303 and pending(config) == 1


def test_cookies_are_scoped_to_the_port(client: TestClient) -> None:
    client.get("/")
    names = {cookie.name for cookie in client.cookies.jar}
    assert "kw_csrf_8765" in names and "kw_csrf" not in names


def test_a_token_from_another_server_secret_is_refused(config: Path, tmp_path: Path) -> None:
    """A token signed by another keepwarm (another state folder) does not work here."""
    other = hostile_config(tmp_path / "other", f"sqlite:///{tmp_path / 'other.db'}")
    seed(ws := open_at(other), 1)
    ws.close()
    with TestClient(create_app(load_settings(other)), base_url=BASE) as theirs:
        token = csrf_of(theirs.get("/").text)
        nonce = theirs.cookies.get("kw_csrf_8765")
    with TestClient(create_app(load_settings(config)), base_url=BASE) as mine:
        assert nonce is not None
        mine.cookies.set("kw_csrf_8765", nonce)
        assert mine.post("/drafts/1/approve", data={"csrf": token}).status_code == 403
    assert pending(config) == 2


def test_the_secret_is_private_and_stable(config: Path) -> None:
    settings = load_settings(config)
    with TestClient(create_app(settings), base_url=BASE) as first:
        token = csrf_of(first.get("/").text)
        nonce = first.cookies.get("kw_csrf_8765")
    secret = settings.state_path / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    with TestClient(create_app(settings), base_url=BASE) as again:  # a restart keeps sessions
        assert nonce is not None
        again.cookies.set("kw_csrf_8765", nonce)
        response = again.post("/drafts/1/approve", data={"csrf": token}, follow_redirects=False)
        assert response.status_code == 303


def test_the_access_cookie_is_not_the_token(config: Path) -> None:
    token = "s3cret-token-of-enough-length"
    settings = load_settings(config, web={"access_token": token})
    with TestClient(create_app(settings, host="0.0.0.0"), base_url=BASE) as c:
        assert c.get(f"/?token={token}").status_code == 200
        values = [cookie.value for cookie in c.cookies.jar]
        assert token not in values and not any(token in (v or "") for v in values)
        assert c.get("/drafts/1").status_code == 200  # the derived cookie still grants access
    with TestClient(create_app(settings, host="0.0.0.0"), base_url=BASE) as stranger:
        stranger.cookies.set("kw_access_8765", token)  # the raw token as a cookie: no
        assert stranger.get("/").status_code == 401


def test_a_huge_draft_id_is_a_404(client: TestClient) -> None:
    assert client.get(f"/drafts/{10**30}").status_code == 404
