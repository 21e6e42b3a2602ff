"""Prefect's test harness, paid for once per session and only by the flow tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="keepwarm-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

from pathlib import Path

from prefect.testing.utilities import prefect_test_harness

from tests.conftest import use_database


@pytest.fixture(scope="session", autouse=True)
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def demo_config(demo_config: Path, database_url: str) -> Path:
    """The flow tests run on SQLite and on PostgreSQL (when KEEPWARM_TEST_POSTGRES_URL is set)."""
    return use_database(demo_config, database_url)
