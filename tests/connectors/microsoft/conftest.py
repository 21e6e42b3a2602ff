"""vcrpy replay of hand-written Graph and login cassettes: never records, never touches the network."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import vcr

CASSETTES = Path(__file__).parent / "cassettes"

_vcr = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query"],
    filter_headers=["authorization"],
    filter_post_data_parameters=["client_secret", "refresh_token"],
)


@pytest.fixture
def cassette() -> Callable[[str], AbstractContextManager[Any]]:
    """`with cassette("name.yaml") as cass:` replays; `cass.play_count` counts the requests."""
    return lambda name: _vcr.use_cassette(name)
