"""Benchmark of the approval queue: render 1,000 pending drafts, approve 1,000 in bulk.

Targets (issue 7): the queue page renders 1,000 pending drafts in under 200 ms of server time;
approving 1,000 drafts in bulk takes under 1 s. Runs on a temporary SQLite workspace; the page
is requested through FastAPI's in-process test client and the figure is the app's own
`Server-Timing` header (middleware to response, including the query and the template). Prints the figures; exits 1 if a target is missed.

    .venv/bin/python bench/approval_queue.py [--drafts 1000]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the stdlib's `queue`: take bench/ off the import path before anything
# (anyio, for one) imports `queue`, and put the repository root on it instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from keepwarm.services import queue as service  # noqa: E402
from keepwarm.settings import load_settings  # noqa: E402
from keepwarm.web import create_app  # noqa: E402
from tests.queuedata import open_at, seed, write_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=1000)
    n = parser.parse_args().drafts
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp) / "ws")
        ws = open_at(config)
        t0 = time.perf_counter()
        ids = seed(ws, n)
        seeded = time.perf_counter() - t0
        with TestClient(
            create_app(load_settings(config)), base_url="http://127.0.0.1:8765"
        ) as client:
            client.get("/")  # warm up: templates compiled, connections open
            renders = []
            for _ in range(7):
                page = client.get("/?state=pending")
                timing = page.headers["server-timing"]  # app;dur=<ms>, measured in the app
                renders.append(float(timing.split("dur=")[1]) / 1000)
                assert page.status_code == 200 and page.text.count('class="draft"') == n
        t = time.perf_counter()
        done = service.approve(ws, ids)
        approve = time.perf_counter() - t
        assert len(done) == n and service.counts(ws)["approved"] == n
        ws.close()
    render = statistics.median(renders)
    print(f"seeded {n} drafts in {seeded:.2f} s")
    print(
        f"queue page, {n} pending drafts: median {render * 1000:.1f} ms, "
        f"best {min(renders) * 1000:.1f} ms (target < 200 ms)"
    )
    print(f"bulk approve of {n} drafts: {approve * 1000:.0f} ms (target < 1000 ms)")
    return 0 if render < 0.2 and approve < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
