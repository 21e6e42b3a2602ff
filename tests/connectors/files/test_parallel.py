"""Parsing on worker processes gives exactly the pages a serial read gives.

Same interactions, quarantine positions and reasons, cursors and summaries, whatever the number
of pages in flight; resuming from a cursor mid-file too. The thresholds that pick the parallel
path are lowered so a small mailbox takes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.files import maildir as maildir_module
from connectors.files import mbox as mbox_module
from connectors.files import parallel
from connectors.files.maildir import read_maildir
from connectors.files.mbox import read_mbox
from keepwarm import workers
from keepwarm.ports import Page
from tests.connectors.files.builders import mbox, message, write_maildir


def _messages(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        if i % 17 == 3:
            out.append(message(date=None, message_id=f"<bad{i}@x.example>"))  # quarantined
        elif i % 23 == 5:
            out.append(message(sender=None, message_id=None, subject=f"no sender {i}"))
        else:
            out.append(
                message(
                    sender=f"Person {i} <p{i}@org{i % 7}.example>",
                    subject=f"Subject {i} =?UTF-8?Q?caf=C3=A9?=",
                    message_id=f"<m{i}@org.example>",
                    newline="\r\n" if i % 11 == 0 else "\n",
                )
            )
    return out


def _pages(pages: list[Page]) -> list[tuple[object, ...]]:
    return [(p.stream, p.interactions, p.quarantined, p.cursor, dict(p.summary)) for p in pages]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox_module, "PAGE_SIZE", 7)
    monkeypatch.setattr(maildir_module, "PAGE_SIZE", 7)


def test_parallel_mbox_pages_equal_serial_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_pages: None
) -> None:
    path = tmp_path / "all.mbox"
    path.write_bytes(mbox(_messages(120)))
    monkeypatch.setattr(mbox_module, "PARALLEL_BYTES", 1 << 40)
    serial = list(read_mbox(path, None))
    resumed_serial = list(read_mbox(path, None))[:3][-1].cursor
    assert resumed_serial is not None
    serial_rest = list(read_mbox(path, resumed_serial))
    monkeypatch.setattr(mbox_module, "PARALLEL_BYTES", 0)
    calls: list[int] = []
    real = parallel.ordered_map

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["parallel"])
        return real(*args, **kwargs)

    monkeypatch.setattr(mbox_module, "ordered_map", counting)
    assert _pages(list(read_mbox(path, None))) == _pages(serial)
    assert _pages(list(read_mbox(path, resumed_serial))) == _pages(serial_rest)
    assert calls == [True, True]
    assert bool(workers._pool) == (workers.workers() > 1)  # the workers did the parsing
    assert len(serial) > 10 and any(p.quarantined for p in serial)


def test_a_failing_worker_costs_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_pages: None
) -> None:
    """A worker that stops answering: its batches are parsed here, pages are unchanged."""
    path = tmp_path / "all.mbox"
    path.write_bytes(mbox(_messages(40)))
    monkeypatch.setattr(mbox_module, "PARALLEL_BYTES", 1 << 40)
    serial = list(read_mbox(path, None))
    monkeypatch.setattr(mbox_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(workers, "workers", lambda: 2)
    monkeypatch.setattr(workers._Worker, "answer", lambda self: (False, "stopped"))
    assert _pages(list(read_mbox(path, None))) == _pages(serial)


def test_parallel_maildir_pages_equal_serial_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_pages: None
) -> None:
    folder = write_maildir(
        tmp_path / "Maildir",
        {f"{i:04d}.{i}.host:2,S": raw for i, raw in enumerate(_messages(60))},
    )
    monkeypatch.setattr(maildir_module, "PARALLEL_FILES", 1 << 40)
    serial = list(read_maildir(folder, None))
    monkeypatch.setattr(maildir_module, "PARALLEL_FILES", 0)
    assert _pages(list(read_maildir(folder, None))) == _pages(serial)
    assert len(serial) > 5 and any(p.quarantined for p in serial)
