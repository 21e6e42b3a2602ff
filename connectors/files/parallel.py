"""Parsing header blocks on every core, in order, with bounded memory.

A cold import of a big mailbox is parse-bound: the byte-level split (`mboxscan`) and the store
are cheap next to turning header blocks into interactions. Batches go to worker processes
(`python -m connectors.files.parseworker`, fresh interpreters: no fork beside threads, no
re-import of the caller's main module) and come back in submission order, so pages, cursors
and quarantine positions are exactly what a serial read gives. At most `AHEAD` batches per
worker are in flight, so memory does not grow with the mailbox. Small reads (an incremental
pull) stay in this process: starting workers costs more than parsing a few messages. A worker
that fails is replaced by parsing that batch here.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from connectors.files import batches
from connectors.files.frames import read_frame, write_frame

log = logging.getLogger(__name__)

#: Below this many bytes left to read, parsing stays in this process.
PARALLEL_BYTES = 16 << 20
#: Batches queued per worker ahead of the one being consumed.
AHEAD = 2

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Worker processes to use: the cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class _Worker:
    """One worker process and the thread that feeds it (so a full pipe never blocks us)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connectors.files.parseworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.inbox: queue.Queue[bytes | None] = queue.Queue()
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        assert self.process.stdin is not None
        try:
            while (frame := self.inbox.get()) is not None:
                write_frame(self.process.stdin, frame)  # type: ignore[arg-type]
            self.process.stdin.close()
        except OSError:  # the worker died; its answers will be missing
            pass

    def submit(self, name: str, batch: Any) -> None:
        self.inbox.put(pickle.dumps((name, batch), protocol=pickle.HIGHEST_PROTOCOL))

    def answer(self) -> tuple[bool, Any]:
        assert self.process.stdout is not None
        try:
            frame = read_frame(self.process.stdout)  # type: ignore[arg-type]
        except (OSError, EOFError):
            frame = None
        if frame is None:
            return False, "the parsing worker stopped"
        found: tuple[bool, Any] = pickle.loads(frame)
        return found

    def close(self) -> None:
        self.inbox.put(None)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


_pool: list[_Worker] = []
_lock = threading.Lock()


def _workers() -> list[_Worker]:
    with _lock:
        alive = [w for w in _pool if w.process.poll() is None]
        if len(alive) != len(_pool):
            _pool[:] = alive
        while len(_pool) < workers():
            _pool.append(_Worker())
        return list(_pool)


@atexit.register
def _shutdown() -> None:
    for worker in _pool:
        worker.close()
    _pool.clear()


_LOCAL: dict[str, Callable[[Any], Any]] = {
    "parse_blocks": batches.parse_blocks,
    "read_and_parse": batches.read_and_parse,
}


def ordered_map(name: str, items: Iterable[Any], *, parallel: bool) -> Iterator[Any]:
    """`map(function named name, items)` in order, on worker processes when `parallel`.

    Items are pulled only as results are consumed (plus `AHEAD` per worker). Only one caller
    at a time uses the workers; a concurrent caller (another account's sync thread) parses in
    its own thread instead.
    """
    local = _LOCAL[name]
    if not parallel or workers() < 2 or not _busy.acquire(blocking=False):
        yield from map(local, items)
        return
    try:
        pool = _workers()
        sent: deque[tuple[_Worker, Any]] = deque()
        for turn, item in enumerate(items):
            worker = pool[turn % len(pool)]
            worker.submit(name, item)
            sent.append((worker, item))
            if len(sent) >= AHEAD * len(pool):
                yield _result(sent.popleft(), local)
        while sent:
            yield _result(sent.popleft(), local)
    finally:
        _busy.release()


_busy = threading.Lock()


def _result(entry: tuple[_Worker, Any], local: Callable[[Any], Any]) -> Any:
    worker, item = entry
    answer: tuple[bool, Any] = (False, "it stopped")
    if worker.process.poll() is None:
        answer = worker.answer()
    ok, value = answer
    if ok:
        return batches.unpack(value)
    log.warning("parsing worker failed (%s); parsing that batch here", value)
    worker.process.kill()  # its later answers cannot be trusted to line up: replace it
    with _lock:
        if worker in _pool:
            _pool.remove(worker)
    return local(item)
