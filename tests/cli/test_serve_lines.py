"""`keepwarm serve` prints each finished cycle once, with its errors, in the owner's time."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwarm.cli.serve import RunPrinter
from keepwarm.services.health import finish_run, start_run
from tests.queuedata import open_at, write_config


def test_each_finished_run_is_one_line_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "ws")
    ws = open_at(config)
    try:
        old = start_run(ws, flow="cycle", flow_run_id=None)
        finish_run(ws, old, {"sync": {}})
        printer = RunPrinter(ws.settings)  # runs before it started are not news
        running = start_run(ws, flow="cycle", flow_run_id="r1")
        printer.print_new(ws)
        assert capsys.readouterr().out == ""  # still running: nothing to say yet
        summary = {
            "sync": {"home": {"inserted": 3, "updated": 1}, "work": {"error": "grant revoked"}},
            "detect": {"by_classification": {"peer": 2}},
            "draft": {"created": 1},
            "deliver": {"delivered": 0},
        }
        finish_run(ws, running, summary)
        printer.print_new(ws)
        printer.print_new(ws)
    finally:
        ws.close()
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "2026-11-20 18:00 cycle failed: 4 synced, 2 peers, 1 drafted, 0 delivered  "
        "errors: work: grant revoked"
    ]


def test_the_run_line_is_in_the_owners_time_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "ws")
    config.write_text(config.read_text().replace("Europe/London", "Asia/Tokyo"))
    ws = open_at(config)
    try:
        printer = RunPrinter(ws.settings)
        finish_run(ws, start_run(ws, flow="cycle", flow_run_id=None), {"sync": {}})
        printer.print_new(ws)
    finally:
        ws.close()
    # Tokyo is UTC+9: the run started at 18:00Z, which is 03:00 the next day there.
    assert capsys.readouterr().out.startswith("2026-11-21 03:00 cycle completed: 0 synced")
