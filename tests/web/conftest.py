"""A seeded workspace and the web app over it, for the test client and the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keepwarm.settings import load_settings
from keepwarm.web import create_app
from tests.queuedata import open_at, seed, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "ws")
    ws = open_at(path)
    try:
        seed(ws, 4)
        seed(ws, 2, rule="check-in")
    finally:
        ws.close()
    return path


@pytest.fixture
def client(config: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings(config)), base_url="http://127.0.0.1:8765") as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    assert found, "page has no CSRF field"
    return found.group(1)
