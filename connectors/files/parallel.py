"""Parsing header blocks on every core (`keepwarm.workers`), in order, with bounded memory.

A cold import of a big mailbox is parse-bound: the byte-level split (`mboxscan`) and the store
are cheap next to turning header blocks into interactions. Small reads (an incremental pull)
stay in this process: starting workers costs more than parsing a few messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from connectors.files import batches
from keepwarm.workers import Job
from keepwarm.workers import ordered_map as _ordered_map

#: Below this many bytes left to read, parsing stays in this process.
PARALLEL_BYTES = 16 << 20

_JOBS = {
    "parse_blocks": Job(batches.parse_blocks_packed, batches.parse_blocks, batches.unpack),
    "read_and_parse": Job(batches.read_and_parse_packed, batches.read_and_parse, batches.unpack),
}


def ordered_map(name: str, items: Iterable[Any], *, parallel: bool) -> Iterator[Any]:
    """The parsing function `name` mapped over `items`, in order, on workers when `parallel`."""
    return _ordered_map(_JOBS[name], items, parallel=parallel)
