"""Drive the real Microsoft connector, through the sync service, against `fakes.graph`.

`mailbox` builds a fake mailbox of N messages (inbox and Sent Items, the way Graph returns each)
and M events; `run` syncs it twice (initial, idle) into a throwaway store over a loopback socket
and returns requests, 429s and the stored state, so a faulty run can be compared with a clean one.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from fakes.graph import FakeGraph, serve
from keepwarm.services.sync import sync_account
from keepwarm.services.workspace import open_workspace
from keepwarm.settings import Settings
from keepwarm.store import accounts as accounts_store
from keepwarm.store.interactions import load_interactions

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
        settings = Settings.model_validate(
            {
                "owner": {"name": "Ada", "addresses": ["ada@analytical.example"]},
                "accounts": [
                    {
                        "name": "office",
                        "kind": "microsoft",
                        "graph_endpoint": root,
                        "folders": list(FOLDERS),
                        "token_command": f"{sys.executable} -c \"print('bench-token')\"",
                    }
                ],
                "state_dir": state,
                "as_of": "2026-11-20T12:00:00Z",
            }
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
            ids = {i.interaction.provider_id for i in load_interactions(session)}
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
