"""Parsing header blocks on every core, in order, with bounded memory.

A cold import of a big mailbox is parse-bound: the byte-level split (`mboxscan`) and the store
are cheap next to turning header blocks into interactions. Batches of blocks go to worker
processes and come back in submission order, so pages, cursors and quarantine positions are
exactly what a serial read gives. At most `AHEAD` batches are in flight, so memory does not
grow with the mailbox. Small reads (an incremental pull) stay in this process: starting workers
costs more than parsing a few messages.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from connectors.files.mailparse import Unusable, parse_header_block
from keepwarm.models import Interaction

#: Below this many bytes left to read, parsing stays in this process.
PARALLEL_BYTES = 16 << 20
#: Batches queued ahead of the one being consumed (per worker).
AHEAD = 3

#: One parsed message: the interaction, or the reason it is quarantined.
Parsed = Interaction | str
T = TypeVar("T")
R = TypeVar("R")

_pool: ProcessPoolExecutor | None = None


def workers() -> int:
    """Worker processes to use: the cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _shared_pool() -> ProcessPoolExecutor | None:
    """One pool per process, started on first use (forkserver: safe beside threads)."""
    global _pool
    if _pool is None and workers() > 1:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["connectors.files.mailparse"])
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=context)
        atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
    return _pool


def parse_blocks(blocks: list[tuple[bytes, str]]) -> list[Parsed]:
    """Parse (header block, source) pairs; runs in a worker."""
    out: list[Parsed] = []
    for block, source in blocks:
        try:
            out.append(parse_header_block(block, source))
        except Unusable as exc:
            out.append(str(exc))
    return out


def read_and_parse(files: list[tuple[Path, str]]) -> list[Parsed | OSError]:
    """Read each message file's header block and parse it; runs in a worker."""
    from connectors.files.maildir import read_header

    out: list[Parsed | OSError] = []
    for path, source in files:
        try:
            block = read_header(path)
        except OSError as exc:
            out.append(exc)
            continue
        try:
            out.append(parse_header_block(block, source))
        except Unusable as exc:
            out.append(str(exc))
    return out


def ordered_map(fn: Callable[[T], R], batches: Iterable[T], *, parallel: bool) -> Iterator[R]:
    """`map(fn, batches)` in order, on worker processes when `parallel` and a pool exists.

    Batches are pulled from `batches` only as results are consumed (plus `AHEAD` per worker).
    """
    pool = _shared_pool() if parallel else None
    if pool is None:
        yield from map(fn, batches)
        return
    queued: deque[Future[R]] = deque()
    ahead = AHEAD * workers()
    source = iter(batches)
    try:
        for batch in source:
            queued.append(pool.submit(fn, batch))
            if len(queued) >= ahead:
                yield queued.popleft().result()
        while queued:
            yield queued.popleft().result()
    finally:
        for future in queued:
            future.cancel()
