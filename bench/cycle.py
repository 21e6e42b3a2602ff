"""Benchmark: one scheduled `cycle` with nothing new, against a running local Prefect server.

    python bench/cycle.py [--accounts 3] [--runs 5]

Copies the bundled examples into a temporary folder as N `files` accounts, starts a Prefect
server on 127.0.0.1 (or uses PREFECT_API_URL when set), runs one priming cycle (the initial
sync), then times `--runs` cycles in which nothing is new and counts their task runs.
Targets (issue 8): ≤ 5 s per cycle, ≤ 10 tasks per account; exits 1 when one is missed.
This is the Prefect path (`keepwarm run`): its overhead is measured here, apart from the
services-path targets that bench/cycle_growth.py gates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _workspace(folder: Path, accounts: int) -> Path:
    shutil.copytree(
        ROOT / "examples", folder / "examples", ignore=shutil.ignore_patterns(".keepwarm")
    )
    shutil.copytree(ROOT / "rules", folder / "rules")
    config = folder / "examples" / "keepwarm.toml"
    head = config.read_text().split("[[accounts]]")[0]
    blocks = [
        f'[[accounts]]\nname = "demo{i}"\nkind = "files"\nmail = ["mail"]\n'
        f'calendars = ["calendar.ics"]\ndrafts = ".keepwarm/drafts{i}"\n'
        for i in range(1, accounts + 1)
    ]
    config.write_text(head + "\n".join(blocks))
    return config


def _server(home: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    if os.environ.get("PREFECT_API_URL"):
        return None, os.environ["PREFECT_API_URL"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [Path(sys.executable).parent / "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--analytics-off"],
        env={**os.environ, "PREFECT_HOME": str(home)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5):
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the Prefect server did not start within 120 s")


async def _task_runs(flow_run_id: UUID) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return len(runs)


WALL_S, TASKS_PER_ACCOUNT = 5.0, 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keepwarm-bench-cycle-") as tmp:
        folder = Path(tmp)
        config = _workspace(folder, args.accounts)
        os.environ.update(
            PREFECT_HOME=str(folder / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING",
            PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW="ignore",
        )  # fmt: skip
        started = time.perf_counter()
        server, url = _server(folder / "prefect")
        os.environ["PREFECT_API_URL"] = url
        print(f"Prefect server at {url} (ready in {time.perf_counter() - started:.1f} s)")
        try:
            from flows.cycle import cycle

            t0 = time.perf_counter()
            first = cycle(config=str(config))
            failed = {n: r["error"] for n, r in first["sync"].items() if r.get("error")}
            if failed:
                raise SystemExit(f"priming cycle failed: {failed}")
            print(
                f"priming cycle: {sum(r['inserted'] for r in first['sync'].values())} "
                f"interactions, {first['draft']['created']} drafts, {time.perf_counter() - t0:.2f} s"
            )
            walls, tasks = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                state = cycle(config=str(config), return_state=True)
                walls.append(time.perf_counter() - t0)
                summary = state.result()
                assert all(r.get("inserted") == 0 for r in summary["sync"].values()), summary
                run_id = state.state_details.flow_run_id
                assert run_id is not None
                tasks.append(asyncio.run(_task_runs(run_id)))
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    per_account = max(tasks) / args.accounts
    median = statistics.median(walls)
    print(f"cycle with nothing new, {args.accounts} accounts, {args.runs} runs:")
    print(f"  wall time: median {median:.2f} s, min {min(walls):.2f} s, max {max(walls):.2f} s"
          f"  (target ≤ {WALL_S:.0f} s: {'ok' if median <= WALL_S else 'MISSED'})")  # fmt: skip
    print(f"  task runs per cycle: {max(tasks)} ({per_account:.1f} per account; "
          f"target ≤ {TASKS_PER_ACCOUNT:.0f}: {'ok' if per_account <= TASKS_PER_ACCOUNT else 'MISSED'})")  # fmt: skip
    print(f"  load average after: {os.getloadavg()[0]:.2f} (2 cores, shared machine)")
    return 0 if median <= WALL_S and per_account <= TASKS_PER_ACCOUNT else 1


if __name__ == "__main__":
    sys.exit(main())
