"""Shared fixtures: a private copy of the bundled examples, and a clean KEEPWARM_* environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_DRAFTS = {
    "grace.hopper@navylabs.example",
    "alan@bletchley.example",
    "katherine.johnson@orbital.example",
    "renee.dubois@lumiere-labs.example",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("KEEPWARM_"):
            monkeypatch.delenv(key)


@pytest.fixture
def demo_config(tmp_path: Path) -> Iterator[Path]:
    """examples/ copied to a temporary folder, with the shipped rules beside it."""
    target = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", target, ignore=shutil.ignore_patterns(".keepwarm"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    yield target / "keepwarm.toml"
