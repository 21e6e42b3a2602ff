"""Cassette replay for the Google connector: hand-written vcrpy cassettes, no network.

Cassettes are written in Google's documented formats. Batch responses are kept readable with
LF line ends; the loader restores the CRLF that multipart/HTTP framing requires (the client
library splits an inner response's head from its body on a blank CRLF line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import vcr
from google.oauth2.credentials import Credentials
from vcr.serialize import deserialize

from connectors.google import GoogleConnector
from connectors.google.quota import QuotaLimiter, Retrier

CASSETTES = Path(__file__).parent / "cassettes"
#: A closed loopback port: should a request ever escape vcrpy, it cannot reach the network.
ENDPOINT = "http://127.0.0.1:9"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
#: "Now" for every cassette: the moment the recorded answers were given.
NOW = datetime(2026, 1, 9, 10, 0, tzinfo=UTC)


class CrlfPersister:
    """Loads YAML cassettes and turns the LF line ends of multipart bodies into CRLF."""

    @classmethod
    def load_cassette(cls, cassette_path: str, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.is_file():
            raise ValueError(f"cassette {path} is missing (record_mode is 'none')")
        loaded = deserialize(path.read_text(encoding="utf-8"), serializer)
        for response in loaded[1]:
            kinds = {k.lower(): v for k, v in response["headers"].items()}
            if any("multipart/" in v for v in kinds.get("content-type", [])):
                body = response["body"]["string"].replace(b"\r\n", b"\n")
                response["body"]["string"] = body.replace(b"\n", b"\r\n")
        return loaded

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        raise AssertionError("cassettes are written by hand; nothing is recorded")


def _vcr() -> vcr.VCR:
    replay = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path", "query"],
        filter_headers=["authorization"],
    )
    replay.register_persister(CrlfPersister)
    return replay


@pytest.fixture
def cassette() -> Callable[[str], Any]:
    """`with cassette("name.yaml") as tape:` replays one cassette; `tape.play_count` counts."""
    replay = _vcr()

    def use(name: str) -> Any:
        return replay.use_cassette(name, allow_playback_repeats=False)

    return use


class Sleeps(list[float]):
    """Records every wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_connector(sleeps: Sleeps) -> Iterator[Callable[..., GoogleConnector]]:
    """A connector with a fixed token, no real sleeping and no pacing unless asked for."""

    def make(**kwargs: Any) -> GoogleConnector:
        kwargs.setdefault("calendars", [])
        kwargs.setdefault("limiter", QuotaLimiter(0))
        return GoogleConnector(
            "work",
            credentials=Credentials(token="test-access-token"),
            api_endpoint=ENDPOINT,
            window=WINDOW,
            retrier=Retrier(sleep=sleeps, jitter=lambda: 0.5, now=lambda: NOW),
            **kwargs,
        )

    yield make
