"""Scheduled operation end to end: prefect.yaml deployed to a real server, a process worker,
and `keepwarm serve`, both over the bundled examples."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.conftest import EXPECTED_DRAFTS, ROOT, use_database
from tests.integration.conftest import BIN, stop

pytestmark = pytest.mark.flow


def _prefect(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [BIN / "prefect", *args], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _drafts(config: Path) -> set[str]:
    result = CliRunner().invoke(app, ["--config", str(config), "queue", "--json"])
    assert result.exit_code == 0, result.output
    return {d["to"][0] for d in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def deployed(
    prefect_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The work pool and both deployments of prefect.yaml, schedules paused (tests run on demand)."""
    paused = tmp_path_factory.mktemp("deploy") / "prefect.yaml"
    text = (ROOT / "prefect.yaml").read_text()
    text = re.sub(r"(\n(\s+)- (interval|cron): [^\n]+)", r"\1\n\2  active: false", text)
    assert text.count("active: false") == 2
    paused.write_text(text)
    _prefect(prefect_env, "work-pool", "create", "keepwarm", "--type", "process")
    out = _prefect(prefect_env, "--no-prompt", "deploy", "--all", "--prefect-file", str(paused))
    assert "cycle/cycle" in out and "digest/digest" in out
    return prefect_env


def test_the_cycle_deployment_runs_on_a_process_worker(
    deployed: dict[str, str], demo_config: Path, database_url: str
) -> None:
    """`prefect deployment run cycle/cycle` + a worker: the drafts land in the queue."""
    use_database(demo_config, database_url)
    _prefect(deployed, "deployment", "run", "cycle/cycle", "--param", f"config={demo_config}")
    worker = subprocess.run(
        [BIN / "prefect", "worker", "start", "--pool", "keepwarm", "--run-once"],
        env=deployed, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    assert _drafts(demo_config) == EXPECTED_DRAFTS


def test_keepwarm_serve_runs_a_scheduled_cycle(
    prefect_env: dict[str, str], demo_config: Path, tmp_path: Path
) -> None:
    """`keepwarm serve` alone (no PREFECT_API_URL: it starts its own local server) runs a
    scheduled tick that fills the queue and prints one line for it; SIGINT to the process
    alone stops it and its server cleanly: exit 0, no traceback."""
    env = {k: v for k, v in prefect_env.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    serve = subprocess.Popen(
        [BIN / "keepwarm", "--config", str(demo_config), "serve", "--every", "0.5",
         "--digest-cron", ""],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    code = None
    try:
        deadline = time.monotonic() + 240
        drafts: set[str] = set()
        while time.monotonic() < deadline and serve.poll() is None:
            printed = log_path.read_text()
            if "cycle completed:" in printed:
                drafts = _drafts(demo_config)
                break
            time.sleep(3)
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=90)
    finally:
        stop(serve)
        log.close()
    printed = log_path.read_text()
    assert drafts == EXPECTED_DRAFTS, printed[-3000:]
    assert re.search(
        r"^2026-11-20 18:00 cycle completed: 99 synced, \d+ peers, 4 drafted", printed, re.M
    ), printed[-3000:]
    assert code == 0 and "keepwarm serve: stopped" in printed, printed[-3000:]
    assert "Traceback" not in printed, printed[-3000:]
