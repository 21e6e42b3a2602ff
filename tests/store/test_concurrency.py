"""Two workers running cycles at the same time against one database never duplicate anything."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from keepwarm.services import open_workspace
from keepwarm.services.pipeline import draft
from keepwarm.services.queue import approve, queue
from keepwarm.services.sync import sync_account
from keepwarm.settings import load_settings
from keepwarm.store.tables import Account, Draft, InteractionRow, ParticipantRow, Person
from tests.conftest import EXPECTED_DRAFTS, ROOT, use_database

#: One worker: wait for the starting gun, then run sync + detect + draft (the cycle's writes)
#: three times over the same data, like overlapping scheduled runs on two machines.
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from keepwarm.services import open_workspace
    from keepwarm.services.pipeline import detect, draft
    from keepwarm.services.sync import sync_account
    from keepwarm.settings import load_settings

    config, gun = Path(sys.argv[1]), Path(sys.argv[2])
    deadline = time.monotonic() + 120
    while not gun.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(3):
        ws = open_workspace(load_settings(config))
        try:
            sync_account(ws, "demo")
            detect(ws)
            draft(ws)
        finally:
            ws.close()
    """
)


def test_two_workers_never_duplicate_an_interaction_or_a_draft(
    demo_config: Path, database_url: str, tmp_path: Path
) -> None:
    """Two processes cycling concurrently: 99 interactions, no duplicate participant, 4 drafts."""
    use_database(demo_config, database_url)
    # Migrate once up front: the workers race on data, not on creating the schema.
    open_workspace(load_settings(demo_config)).close()
    gun = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(demo_config), str(gun)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.5)
    gun.touch()
    for w in workers:
        _, stderr = w.communicate(timeout=240)
        assert w.returncode == 0, stderr[-3000:]

    ws = open_workspace(load_settings(demo_config))
    try:
        with ws.session() as s:
            interactions = s.scalar(select(func.count()).select_from(InteractionRow))
            duplicated_participants = s.scalar(
                select(func.count()).select_from(
                    select(
                        ParticipantRow.interaction_id, ParticipantRow.address, ParticipantRow.role
                    )
                    .group_by(
                        ParticipantRow.interaction_id, ParticipantRow.address, ParticipantRow.role
                    )
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            accounts = s.scalar(select(func.count()).select_from(Account))
            people = s.scalar(select(func.count()).select_from(Person))
            distinct_people = s.scalar(select(func.count(func.distinct(Person.key))))
            drafts = [tuple(d.to) for d in s.scalars(select(Draft))]
    finally:
        ws.close()
    assert (interactions, accounts) == (65 + 34, 1)
    assert duplicated_participants == 0
    assert people == distinct_people
    assert sorted(t[0] for t in drafts) == sorted(EXPECTED_DRAFTS)


DELIVERER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from keepwarm.services import open_workspace
    from keepwarm.services.deliver import deliver
    from keepwarm.settings import load_settings

    config, gun = Path(sys.argv[1]), Path(sys.argv[2])
    deadline = time.monotonic() + 120
    while not gun.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    ws = open_workspace(load_settings(config))
    try:
        deliver(ws)
    finally:
        ws.close()
    """
)


def test_two_workers_deliver_each_approved_draft_once(
    demo_config: Path, database_url: str, tmp_path: Path
) -> None:
    """Two processes delivering the same four approved drafts at once write four messages."""
    use_database(demo_config, database_url)
    ws = open_workspace(load_settings(demo_config))
    try:
        sync_account(ws, "demo")
        draft(ws)
        approve(ws, [d["id"] for d in queue(ws, state="pending")])
    finally:
        ws.close()
    gun = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", DELIVERER, str(demo_config), str(gun)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.5)
    gun.touch()
    for w in workers:
        _, stderr = w.communicate(timeout=240)
        assert w.returncode == 0, stderr[-3000:]
    maildir = demo_config.parent / ".keepwarm" / "drafts"
    written = [f for sub in ("new", "cur") for f in (maildir / sub).glob("*") if f.is_file()]
    ws = open_workspace(load_settings(demo_config))
    try:
        states = [d["state"] for d in queue(ws)]
    finally:
        ws.close()
    assert len(written) == 4
    assert states == ["delivered"] * 4
