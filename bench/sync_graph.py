"""Benchmark: sync a Microsoft mailbox from the loopback fake Graph through the real connector.

    python bench/sync_graph.py [--messages 10000] [--events 2000] [--faults 0.1]

Runs `keepwarm.services.sync.sync_account` (settings → build_connector → MicrosoftConnector →
httpx → bench/fake_graph.py on 127.0.0.1, which enforces 4 concurrent requests and 10,000
requests per 10 minutes) into a throwaway SQLite store: an initial sync, an idle second sync,
and, with `--faults`, the same initial sync under injected 429/503/dropped connections whose
final state must equal the fault-free one. Prints requests, wall time and 429s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fake_graph import FakeGraph, serve  # noqa: E402
from keepwarm.services.sync import sync_account  # noqa: E402
from keepwarm.services.workspace import open_workspace  # noqa: E402
from keepwarm.settings import Settings  # noqa: E402
from keepwarm.store import accounts as accounts_store  # noqa: E402

FOLDERS = ("inbox", "sentitems")


def mailbox(messages: int, events: int, **kw: Any) -> FakeGraph:
    fake = FakeGraph(**kw)
    fake.me = {
        "mail": "ada@analytical.example",
        "userPrincipalName": "ada@analytical.example",
        "proxyAddresses": ["SMTP:ada@analytical.example", "smtp:lovelace@analytical.example"],
    }
    for n in range(messages):
        inbox = n % 2 == 0
        peer = f"peer{n % 700}@org{n % 90}.example"
        me = "ada@analytical.example"
        fake.add_message(
            FOLDERS[0] if inbox else FOLDERS[1],
            {
                "id": f"AAMkAD{n:08d}=",
                "subject": f"Subject {n}",
                "from": {"emailAddress": {"name": "", "address": peer if inbox else me}},
                "toRecipients": [{"emailAddress": {"name": "", "address": me if inbox else peer}}],
                "ccRecipients": [],
                "bccRecipients": [],
                "sentDateTime": f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T09:{n % 60:02d}:00Z",
                "receivedDateTime": f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T09:{n % 60:02d}:01Z",
                "conversationId": f"conv{n // 3}",
                "internetMessageId": f"<m{n}@bench.example>",
                "isDraft": False,
                "internetMessageHeaders": [
                    {"name": "Message-ID", "value": f"<m{n}@bench.example>"}
                ],
            },
        )
    for n in range(events):
        fake.add_event(
            {
                "id": f"AAMkEV{n:08d}=",
                "subject": f"Meeting {n}",
                "start": {
                    "dateTime": f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T10:00:00.0000000",
                    "timeZone": "UTC",
                },
                "end": {
                    "dateTime": f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}T10:30:00.0000000",
                    "timeZone": "UTC",
                },
                "organizer": {"emailAddress": {"name": "Ada", "address": "ada@analytical.example"}},
                "attendees": [
                    {
                        "type": "required",
                        "status": {"response": "accepted"},
                        "emailAddress": {
                            "name": "",
                            "address": f"peer{n % 700}@org{n % 90}.example",
                        },
                    }
                ],
                "isCancelled": n % 17 == 0,
            }
        )
    return fake


def run(fake: FakeGraph, state: Path, *, label: str) -> dict[str, Any]:
    with serve(fake) as root:
        settings = Settings(
            owner={"name": "Ada", "addresses": ["ada@analytical.example"]},  # type: ignore[arg-type]
            accounts=[  # type: ignore[list-item]
                {
                    "name": "office",
                    "kind": "microsoft",
                    "graph_endpoint": root,
                    "folders": list(FOLDERS),
                    "token_command": f"{sys.executable} -c \"print('bench-token')\"",
                }
            ],
            state_dir=state,
            as_of="2026-11-20T12:00:00Z",  # type: ignore[arg-type]
        )
        ws = open_workspace(settings)
        result: dict[str, Any] = {}
        for phase in ("initial", "idle"):
            before, throttled = len(fake.log), fake.throttled
            started = time.perf_counter()
            report = sync_account(ws, "office")
            result[phase] = {
                "requests": len(fake.log) - before,
                "seconds": round(time.perf_counter() - started, 2),
                "429s": sum(1 for _, _, s in fake.log[before:] if s == 429),
                "429s_from_limits": fake.throttled - throttled,
                "inserted": report.inserted,
                "pages": report.pages,
            }
        with ws.session() as session:
            from sqlalchemy import text

            ids = set(session.execute(text("SELECT provider_id FROM interactions")).scalars())
            account = accounts_store.ensure_account(
                session, name="office", kind="microsoft", now=settings.now()
            )
            cursors = accounts_store.load_cursors(session, account_id=account.id)
        ws.close()
    # Links carry the server's port: compare them without it.
    result["state"] = (ids, json.dumps(cursors, sort_keys=True).replace(root, "ROOT"))
    result["max_in_flight"] = fake.max_in_flight
    result["faults"] = fake.faults
    print(f"{label}:")
    for phase in ("initial", "idle"):
        print(f"  {phase:8} {result[phase]}")
    print(
        f"  interactions stored {len(ids)}, max requests in flight {fake.max_in_flight}, faults injected {fake.faults}"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--faults", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clean = run(mailbox(args.messages, args.events), Path(tmp) / "clean", label="fault-free")
        pages = sum(-(-args.messages // 2 // 999) for _ in FOLDERS) + -(-args.events // 999)
        streams = len(FOLDERS) + 1
        print(
            f"  ideal initial: {pages} delta pages of 999 in {pages - streams + 1} requests (the first "
            f"page of each of the {streams} streams and /me share one $batch); ideal idle: 1 $batch"
        )
        ok = clean["initial"]["429s"] == 0 and clean["idle"]["429s"] == 0
        if args.faults:
            faulty = run(
                mailbox(args.messages, args.events, fault_rate=args.faults, seed=42),
                Path(tmp) / "faulty",
                label=f"with {args.faults:.0%} injected faults",
            )
            same = faulty["state"] == clean["state"]
            print(f"  final state equals the fault-free run: {same}")
            ok = ok and same
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
