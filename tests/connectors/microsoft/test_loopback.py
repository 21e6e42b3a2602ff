"""The whole path over a real loopback socket: settings → build_connector → sync service → store."""

from __future__ import annotations

from pathlib import Path

from bench.sync_graph import mailbox, run


def test_sync_over_loopback_then_idle_run(tmp_path: Path) -> None:
    """300 messages, 50 events: every stream fits one page, so both runs are one $batch each."""
    result = run(mailbox(300, 50), tmp_path, label="loopback")
    assert result["initial"]["inserted"] == 350
    assert result["initial"]["requests"] == 1  # two folders, the calendar and /me in one $batch
    assert result["idle"]["requests"] == 1 and result["idle"]["inserted"] == 0
    assert result["initial"]["429s"] == 0


def test_faults_over_loopback_reach_the_same_state(tmp_path: Path) -> None:
    """Dropped connections and 429/503 on a real socket: the stored state equals a clean run."""
    clean = run(mailbox(300, 50), tmp_path / "a", label="clean")
    faulty = run(mailbox(300, 50, fault_rate=0.2, seed=3), tmp_path / "b", label="faulty")
    assert faulty["faults"] > 0 and faulty["state"] == clean["state"]
