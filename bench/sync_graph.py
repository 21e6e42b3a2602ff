"""Benchmark: sync a Microsoft mailbox from the loopback fake Graph through the real connector.

    python bench/sync_graph.py [--messages 10000] [--events 2000] [--faults 0.1]

Runs `keepwarm.services.sync.sync_account` (settings → build_connector → MicrosoftConnector →
httpx → fakes/graph.py on 127.0.0.1, which enforces 4 concurrent requests and 10,000 requests
per 10 minutes) into a throwaway SQLite store: an initial sync, an idle second sync, and, with
`--faults`, the same initial sync under injected 429/503/dropped connections whose final state
must equal the fault-free one. Prints requests, wall time and 429s against bounds computed from
the mailbox's size and Graph's page size (DESIGN.md §10), and exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakes.graph_sync import FOLDERS, mailbox, run  # noqa: E402

#: Graph serves at most 999 messages or events a page (`Prefer: odata.maxpagesize`).
GRAPH_PAGE = 999


def ideal_requests(messages: int, events: int) -> tuple[int, int]:
    """The initial sync's requests and its page count, from the mailbox's size alone.

    `mailbox` puts even-numbered messages in the inbox and odd ones in Sent Items; every stream
    needs ⌈items/999⌉ pages (at least one), and the first page of every stream goes out with
    `/me` in one `$batch`, so requests = pages - streams + 1.
    """
    per_stream = [(messages + 1) // 2, messages // 2, events]
    assert len(per_stream) == len(FOLDERS) + 1
    pages = sum(max(1, math.ceil(items / GRAPH_PAGE)) for items in per_stream)
    return pages - len(per_stream) + 1, pages


#: A run with nothing new: one `$batch` with every stream's delta link and `/me`.
IDLE_BOUND = 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--faults", type=float, default=0.1)
    args = parser.parse_args()
    bound, pages = ideal_requests(args.messages, args.events)
    checks: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        clean = run(mailbox(args.messages, args.events), Path(tmp) / "clean", label="fault-free")
        initial, idle = clean["initial"]["requests"], clean["idle"]["requests"]
        print(
            f"  initial: {initial} requests for {pages} delta pages, bound {bound} "
            f"({initial / bound:.2f}× the bound); idle: {idle} requests, bound {IDLE_BOUND}"
        )
        checks += [
            ("initial requests", initial <= bound),
            ("idle requests", idle <= IDLE_BOUND),
            (
                "no 429 from the limits",
                clean["initial"]["429s"] == 0 and clean["idle"]["429s"] == 0,
            ),
        ]
        if args.faults:
            faulty = run(
                mailbox(args.messages, args.events, fault_rate=args.faults, seed=42),
                Path(tmp) / "faulty",
                label=f"with {args.faults:.0%} injected faults",
            )
            same = faulty["state"] == clean["state"]
            print(f"  final state equals the fault-free run: {same}")
            checks.append(("faulty run equals the clean run", same))
    missed = [name for name, ok in checks if not ok]
    if missed:
        print("MISSED: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
