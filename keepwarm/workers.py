"""Work on every core, in order, with bounded memory: a pool of worker processes.

A cold import is bound by Python work that splits into independent batches: parsing header
blocks, folding a week of interactions. Batches go to worker processes (`python -m
keepwarm.workers`, fresh interpreters: no fork beside threads, no re-import of the caller's main
module), which run a named function on each, and come back in submission order, so results are
exactly what a serial loop gives. At most `AHEAD` batches per worker are in flight, so memory
does not grow with the input. The same warm workers serve every kind of job (a sync's parsing,
then its detection's folding). A worker that fails is replaced by doing that batch here.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

#: Batches queued per worker ahead of the one being consumed.
AHEAD = 2


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Job:
    """A function workers run, and the same work done here."""

    #: A module-level function; workers import it by name, and its answers must pickle.
    remote: Callable[[Any], Any]
    #: The work done in this process (small inputs, a failed worker, a batch that does not
    #: pickle); returns what `decode` makes of a worker's answer.
    local: Callable[[Any], Any]
    #: A worker's answer → the value `local` would have returned (a compact form unpacked).
    decode: Callable[[Any], Any] = _same

    @property
    def target(self) -> str:
        return f"{self.remote.__module__}:{self.remote.__qualname__}"


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
            [sys.executable, "-m", "keepwarm.workers"],
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

    def submit(self, frame: bytes) -> None:
        self.inbox.put(frame)

    def answer(self) -> tuple[bool, Any]:
        assert self.process.stdout is not None
        try:
            frame = read_frame(self.process.stdout)  # type: ignore[arg-type]
        except (OSError, EOFError):
            frame = None
        if frame is None:
            return False, "the worker stopped"
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
_busy = threading.Lock()


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


def ordered_map(job: Job, items: Iterable[Any], *, parallel: bool) -> Iterator[Any]:
    """`map(job.local, items)` in order, done on worker processes when `parallel`.

    Items are pulled only as results are consumed (plus `AHEAD` per worker). Only one caller
    at a time uses the workers; a concurrent caller (another account's sync thread) works in
    its own thread instead.
    """
    if not parallel or workers() < 2 or not _busy.acquire(blocking=False):
        yield from map(job.local, items)
        return
    sent: deque[tuple[_Worker | None, Any]] = deque()  # None: the batch is done here
    target = job.target
    try:
        pool = _workers()
        for turn, item in enumerate(items):
            worker: _Worker | None = pool[turn % len(pool)]
            try:
                frame = pickle.dumps((target, item), protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, AttributeError, TypeError) as exc:
                log.warning("a batch cannot go to a worker (%s); doing it here", exc)
                worker = None
            else:
                worker.submit(frame)  # type: ignore[union-attr]
            sent.append((worker, item))
            if len(sent) >= AHEAD * len(pool):
                yield _result(sent.popleft(), job)
        while sent:
            yield _result(sent.popleft(), job)
    finally:
        # Left early (the caller stopped reading): take the answers still in flight, or the
        # next caller would read them as its own.
        for worker, _ in sent:
            if worker is not None and worker.process.poll() is None:
                worker.answer()
        _busy.release()


def _result(entry: tuple[_Worker | None, Any], job: Job) -> Any:
    worker, item = entry
    if worker is None:
        return job.local(item)
    answer: tuple[bool, Any] = (False, "it stopped")
    if worker.process.poll() is None:
        answer = worker.answer()
    ok, value = answer
    if ok:
        return job.decode(value)
    log.warning("worker failed (%s); doing that batch here", value)
    worker.process.kill()  # its later answers cannot be trusted to line up: replace it
    with _lock:
        if worker in _pool:
            _pool.remove(worker)
    return job.local(item)


# --- the pipe: length-prefixed frames ---------------------------------------------------------


def read_frame(stream: BinaryIO) -> bytes | None:
    """One length-prefixed frame, or None at the end of the stream."""
    head = _exactly(stream, 8)
    if head is None:
        return None
    body = _exactly(stream, int.from_bytes(head, "big"))
    if body is None:
        raise EOFError("frame cut short")
    return body


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "big"))
    stream.write(data)
    stream.flush()


def _exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None if left == size else b"".join(chunks)
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --- the worker's side ------------------------------------------------------------------------


def _function(target: str, found: dict[str, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    function = found.get(target)
    if function is None:
        module, _, name = target.partition(":")
        function = found[target] = getattr(importlib.import_module(module), name)
    return function


def main() -> None:
    """Answer length-prefixed pickled (target, batch) requests on stdin, in order, until stdin
    closes. Only the parent process writes to it, so unpickling its requests is safe."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    found: dict[str, Callable[[Any], Any]] = {}
    while (frame := read_frame(stdin)) is not None:
        target, batch = pickle.loads(frame)
        try:
            answer: tuple[bool, Any] = (True, _function(target, found)(batch))
        except Exception as exc:  # reported to the parent, which does that batch itself
            answer = (False, f"{type(exc).__name__}: {exc}")
        write_frame(stdout, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()
