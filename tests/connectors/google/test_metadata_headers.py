"""Gmail's `format=metadata` request names every header detection reads (issue #11)."""

from __future__ import annotations

from connectors.google.mapping import METADATA_HEADERS
from keepwarm.models import CLASSIFICATION_HEADERS


def test_gmail_asks_for_every_classification_header() -> None:
    """Without List-Post, X-Original-From or Reply-To, list traffic would look like its list."""
    assert {h.lower() for h in METADATA_HEADERS} >= CLASSIFICATION_HEADERS
