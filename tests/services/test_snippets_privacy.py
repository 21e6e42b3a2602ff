"""Snippets are private: kept only when `[privacy]` allows, shown with a draft, never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from keepwarm.services import queue as service
from keepwarm.services.pipeline import draft
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import open_workspace
from keepwarm.settings import load_settings
from keepwarm.store.tables import InteractionRow

HERS = "Wonderful. The sample is here (2,400 rows, CSV)"


def stored(config: Path) -> int:
    ws = open_workspace(load_settings(config))
    try:
        with ws.session() as session:
            return int(
                session.scalar(select(func.count()).where(InteractionRow.snippet != "")) or 0
            )
    finally:
        ws.close()


def katherine(config: Path) -> dict[str, object]:
    ws = open_workspace(load_settings(config))
    try:
        [item] = service.queue(ws, person="katherine.johnson@orbital.example")
        return service.show(ws, int(item["id"]))
    finally:
        ws.close()


def test_local_snippets_ground_the_reply_and_stay_out_of_the_logs(
    demo_config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On by default for local files: the reply quotes her, the draft's evidence shows it, and
    no log line carries it."""
    caplog.set_level(logging.DEBUG)
    ws = open_workspace(load_settings(demo_config))
    try:
        sync_account(ws, "demo")
        draft(ws)
    finally:
        ws.close()
    shown = katherine(demo_config)
    assert HERS in str(shown["body"])
    evidence = shown["evidence"]
    assert isinstance(evidence, list) and HERS in evidence[0]["snippet"]
    assert HERS not in caplog.text and "Wonderful" not in caplog.text


def test_turning_snippets_off_erases_them(demo_config: Path) -> None:
    """`[privacy] snippets = false`: the next sync erases every stored snippet of the account."""
    ws = open_workspace(load_settings(demo_config))
    try:
        sync_account(ws, "demo")
    finally:
        ws.close()
    assert stored(demo_config) > 20
    text = demo_config.read_text().replace("[owner]", "[privacy]\nsnippets = false\n\n[owner]")
    demo_config.write_text(text)
    ws = open_workspace(load_settings(demo_config))
    try:
        sync_account(ws, "demo")
        draft(ws)
    finally:
        ws.close()
    assert stored(demo_config) == 0
    body = str(katherine(demo_config)["body"])
    assert HERS not in body
    assert 'Thank you for your message of Thursday 12 November about "Trajectory data' in body
