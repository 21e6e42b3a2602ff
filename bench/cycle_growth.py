"""Benchmark: a scheduled cycle costs what is new, not what is stored (issue 16).

    python bench/cycle_growth.py [--sizes 10000,100000,1000000] [--repeat 5] [--keep DIR]

For each size, a store of that many interactions is built fast (the synthetic mailbox parsed in
memory and inserted in batches, then one full detect-and-draft pass; none of it timed; `--keep`
caches it), with two `files` accounts: `archive` (the stored history, nothing left to read) and
`live` (an mbox that cycles append to). Then, each in a fresh interpreter and 15 minutes of
pinned clock apart, it times the services path of a cycle — `sync` of every account, `detect`,
`draft`, no Prefect (bench/cycle.py times the Prefect flow) — `--repeat` times with nothing new
and `--repeat` times with 10 new messages, and prints the medians.

Targets (fixed numbers from the issue, not derived from what is measured): a cycle with nothing
new ≤ 1 s at 100k and 1M stored interactions and growing less than 2x from 100k to 1M; a
cycle with 10 new messages at 1M ≤ 2 s. Exits 1 when one is missed. The machine is shared:
the load average is printed before and after; the ratio is measured within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_settings import NOW, SEED, config_head

IDLE_LIMIT_S = 1.0
NEW_LIMIT_S = 2.0
GROWTH_LIMIT = 2.0
NEW_MESSAGES = 10
VERSION = 2  # bump when the built stores change, so `--keep` rebuilds them


def _config(folder: Path) -> Path:
    config = folder / "keepwarm.toml"
    config.write_text(
        config_head(folder / "state")
        + f"""
[[accounts]]
name = "archive"
kind = "files"
mail = []

[[accounts]]
name = "live"
kind = "files"
mail = [{json.dumps(str(folder / "live.mbox"))}]
""",
        encoding="utf-8",
    )
    (folder / "live.mbox").touch()
    return config


def _settings(config: Path, minutes: int) -> Any:
    from keepwarm.settings import load_settings

    settings = load_settings(config)
    return settings.model_copy(update={"as_of": NOW + timedelta(minutes=minutes)})


# --- phases (each in a fresh interpreter) ----------------------------------------------------


def phase_build(folder: Path, size: int) -> dict[str, Any]:
    """Build the store and run the first full pass (not timed by the benchmark)."""
    import pickle

    from synthetic_mailbox import Correspondence
    from synthetic_store import interactions, meetings

    from keepwarm.services import open_workspace
    from keepwarm.services.pipeline import refresh
    from keepwarm.services.sync import sync_account
    from keepwarm.store.accounts import ensure_account
    from keepwarm.store.interactions import upsert_interactions

    config = _config(folder)
    ws = open_workspace(_settings(config, 0))
    started = time.perf_counter()
    mail = Correspondence(random.Random(SEED))
    with ws.session() as session:
        account = ensure_account(session, name="archive", kind="files", now=NOW).id
        upsert_interactions(
            session, account_id=account, items=meetings(mail, max(1, size // 500)), now=NOW
        )
    for batch in interactions(mail, size - max(1, size // 500)):
        with ws.session() as session:
            upsert_interactions(session, account_id=account, items=batch, now=NOW)
    inserted = time.perf_counter() - started
    for name in ("archive", "live"):
        sync_account(ws, name)
    detected, drafted = refresh(ws)
    ws.close()
    (folder / "world.pickle").write_bytes(pickle.dumps(mail))
    return {
        "insert_s": inserted,
        "first_pass_s": time.perf_counter() - started - inserted,
        "people": detected.people,
        "drafts": drafted.created,
    }


def phase_prepare(folder: Path, _: int) -> dict[str, Any]:
    """Bring a cached store up to date with the code (a full pass if detection changed)."""
    from keepwarm.services import open_workspace
    from keepwarm.services.pipeline import refresh

    ws = open_workspace(_settings(_config(folder), 0))
    started = time.perf_counter()
    detected, _drafted = refresh(ws)
    ws.close()
    return {"mode": detected.mode, "seconds": time.perf_counter() - started}


def phase_cycles(folder: Path, repeat: int) -> dict[str, Any]:
    """Time idle cycles, then cycles with 10 new messages, 15 minutes apart."""
    import pickle

    from synthetic_store import fresh_messages

    from keepwarm.services import open_workspace
    from keepwarm.services.pipeline import refresh
    from keepwarm.services.sync import sync_account

    config = folder / "keepwarm.toml"
    mail = pickle.loads((folder / "world.pickle").read_bytes())
    rng = random.Random(SEED + 1)
    idle: list[float] = []
    fresh: list[float] = []
    modes: list[str] = []
    minutes = 15
    for round_ in range(1 + 2 * repeat):
        new = round_ > repeat
        if new:
            text = fresh_messages(mail, NEW_MESSAGES, NOW + timedelta(minutes=minutes), rng)
            with (folder / "live.mbox").open("a", encoding="utf-8") as f:
                f.write(text)
        settings = _settings(config, minutes)
        started = time.perf_counter()
        ws = open_workspace(settings)
        synced = sum(sync_account(ws, a.name).inserted for a in settings.accounts)
        detected, drafted = refresh(ws)
        ws.close()
        seconds = time.perf_counter() - started
        assert synced == (NEW_MESSAGES if new else 0), synced
        modes.append(f"{detected.mode}/{drafted.mode}")
        if round_ == 0:
            pass  # settles what the build left due; not counted
        elif new:
            fresh.append(seconds)
        else:
            idle.append(seconds)
        minutes += 15
    return {"idle": idle, "new": fresh, "modes": modes}


def _child(phase: str, folder: Path, value: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--folder",
        str(folder),
        "--value",
        str(value),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEPWARM_")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {phase} failed for {folder}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _store(keep: Path, size: int) -> Path:
    """A built store for `size` (cached under `keep`), copied to a scratch folder."""
    cached = keep / f"store-{size}-v{VERSION}"
    if not (cached / "world.pickle").is_file():
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)
        print(
            f"building a store of {size:,} interactions (not timed) ...",
            file=sys.stderr,
            flush=True,
        )
        built = _child("build", cached, size)
        print(
            f"  inserted in {built['insert_s']:.0f} s, first full pass {built['first_pass_s']:.0f} s, "
            f"{built['people']:,} people",
            file=sys.stderr,
            flush=True,
        )
    prepared = _child("prepare", cached, 0)
    if prepared["mode"] == "full":
        print(
            f"  cached store refolded for this code in {prepared['seconds']:.0f} s", file=sys.stderr
        )
    scratch = Path(tempfile.mkdtemp(prefix=f"keepwarm-growth-{size}-"))
    shutil.copytree(cached, scratch, dirs_exist_ok=True)
    _config(scratch)  # paths point at the scratch copy
    return scratch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="cache the built stores here")
    parser.add_argument("--phase", choices=("build", "prepare", "cycles"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--value", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        run = {"build": phase_build, "prepare": phase_prepare, "cycles": phase_cycles}[args.phase]
        print(json.dumps(run(args.folder, args.value)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    keep = args.keep or Path(tempfile.mkdtemp(prefix="keepwarm-growth-cache-"))
    load_before = os.getloadavg()
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        scratch = _store(keep, size)
        try:
            results[size] = _child("cycles", scratch, args.repeat)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()
    print(
        f"cycle cost against stored interactions, {args.repeat} runs each, services path (no Prefect)"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared machine)"
    )
    print(
        f"{'stored':>10} {'idle median s':>14} {'idle max s':>11} {'10 new median s':>16} {'10 new max s':>13}"
    )
    for size, r in results.items():
        print(
            f"{size:>10,} {statistics.median(r['idle']):>14.3f} {max(r['idle']):>11.3f} "
            f"{statistics.median(r['new']):>16.3f} {max(r['new']):>13.3f}"
        )
    ok = True
    verdicts = []
    for size in (100_000, 1_000_000):
        if size in results:
            idle = statistics.median(results[size]["idle"])
            met = idle <= IDLE_LIMIT_S
            ok &= met
            verdicts.append(
                f"idle at {size:,}: {idle:.3f} s (target ≤ {IDLE_LIMIT_S} s) {'met' if met else 'MISSED'}"
            )
    if 100_000 in results and 1_000_000 in results:
        ratio = statistics.median(results[1_000_000]["idle"]) / statistics.median(
            results[100_000]["idle"]
        )
        met = ratio < GROWTH_LIMIT
        ok &= met
        verdicts.append(
            f"idle growth 100k → 1M: {ratio:.2f}x (target < {GROWTH_LIMIT}x) {'met' if met else 'MISSED'}"
        )
    if 1_000_000 in results:
        new = statistics.median(results[1_000_000]["new"])
        met = new <= NEW_LIMIT_S
        ok &= met
        verdicts.append(
            f"10 new at 1,000,000: {new:.3f} s (target ≤ {NEW_LIMIT_S} s) {'met' if met else 'MISSED'}"
        )
    for line in verdicts:
        print(line)
    if not verdicts:
        print("no targeted size measured (100k, 1M): nothing to gate")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
