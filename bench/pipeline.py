"""Benchmark of the local pipeline against DESIGN.md §10.

    python bench/pipeline.py [--messages N | --quick] [--keep DIR] [--repeat K] [--json] [--profile FILE]

Generates a synthetic but realistic mailbox of N messages (plus ~200 meetings in an .ics), then
measures, each in a fresh interpreter so that peak memory is per phase:

- ``baseline``: ``import keepwarm.services`` and nothing else (the interpreter's own footprint);
- ``parse``:    ``FilesConnector.pull({})`` over the mailbox and calendar, counting interactions;
- ``pipeline``: ``open_workspace`` + ``sync_account`` + ``detect`` + ``draft`` on a fresh SQLite DB;
- ``resync``:   the pipeline again on the same DB (nothing new), checking nothing was duplicated.

It prints the figures and their ratios against the targets (DESIGN.md §11: ≥ 15,000 msg/s at
up to 100k messages, ≤ 300 MB peak, pipeline ≤ 3x parse; fixed numbers, not derived from what
is measured) and exits 1 when one is missed, or when the resync duplicated interactions.
`parse` reads the mailbox as `sync` does (on every core for a big file), so the ratio compares
like with like. Wall times depend on the load of a shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_settings import (
    ACCOUNT,
    BASELINE_DAYS,
    DEFAULT_MESSAGES,
    FORWARD_DAYS,
    GENERATOR_VERSION,
    MEETINGS,
    NOW,
    QUICK_MESSAGES,
    SEED,
    config_head,
)
from pipeline_report import figures, print_profile, print_report
from process_figures import TotalPeak, cpu_seconds, peak_rss_mb, worker_figures
from synthetic_calendar import generate_calendar
from synthetic_mailbox import generate_mailbox


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def mbox(self) -> Path:
        return self.data / "all-mail.mbox"

    @property
    def ics(self) -> Path:
        return self.data / "calendar.ics"

    @property
    def manifest(self) -> Path:
        return self.data / "manifest.json"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def config(self) -> Path:
        return self.root / "keepwarm.toml"


def prepare(layout: Layout, messages: int) -> tuple[dict[str, Any], bool]:
    """Generate the data (or reuse a matching earlier generation); returns manifest, reused."""
    wanted = {
        "messages": messages,
        "seed": SEED,
        "version": GENERATOR_VERSION,
        "meetings": MEETINGS,
    }
    if layout.manifest.is_file():
        manifest: dict[str, Any] = json.loads(layout.manifest.read_text())
        if all(manifest.get(k) == v for k, v in wanted.items()) and layout.mbox.is_file():
            return manifest, True
    layout.data.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    started = time.perf_counter()
    stats = generate_mailbox(layout.mbox, messages, rng)
    generate_calendar(layout.ics, MEETINGS, rng)
    manifest = {
        **wanted,
        "stats": stats.__dict__,
        "generate_seconds": time.perf_counter() - started,
    }
    layout.manifest.write_text(json.dumps(manifest, indent=2))
    return manifest, False


def write_config(layout: Layout) -> None:
    def q(path: Path) -> str:
        return json.dumps(str(path))  # a TOML basic string is JSON-compatible for paths

    layout.config.write_text(
        "# Written by bench/pipeline.py\n"
        + config_head(layout.state)
        + f"""
[[accounts]]
name = "{ACCOUNT}"
kind = "files"
mail = [{q(layout.mbox)}]
calendars = [{q(layout.ics)}]
""",
        encoding="utf-8",
    )


# =============================================================================================
# Phases (each runs in a fresh child interpreter)
# =============================================================================================


def phase_baseline(layout: Layout) -> dict[str, Any]:
    import keepwarm.services  # noqa: F401

    return {"peak_rss_mb": peak_rss_mb()}


def phase_parse(layout: Layout) -> dict[str, Any]:
    from connectors.files import FilesConnector

    imports_mb = peak_rss_mb()
    drafts = layout.root / "parse-drafts"
    cpu = cpu_seconds()
    started = time.perf_counter()
    connector = FilesConnector(
        ACCOUNT,
        mail=[layout.mbox],
        calendars=[layout.ics],
        drafts_dir=drafts,
        calendar_window=(NOW - timedelta(days=BASELINE_DAYS), NOW + timedelta(days=FORWARD_DAYS)),
    )
    pages = emails = meetings = quarantined = 0
    for page in connector.pull({}):
        pages += 1
        quarantined += len(page.quarantined)
        for item in page.interactions:
            if item.kind.value == "email":
                emails += 1
            else:
                meetings += 1
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu,
        **worker_figures(),
        "pages": pages,
        "emails": emails,
        "meetings": meetings,
        "quarantined": quarantined,
        "imports_rss_mb": imports_mb,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_pipeline(layout: Layout, profile: Path | None) -> dict[str, Any]:
    import cProfile

    from sqlalchemy import func, select

    from keepwarm.models import Classification
    from keepwarm.services import open_workspace
    from keepwarm.services.pipeline import detect, draft
    from keepwarm.services.sync import sync_account
    from keepwarm.settings import load_settings
    from keepwarm.store.tables import Draft, InteractionRow, Person, Quarantine

    imports_mb = peak_rss_mb()
    profiler = cProfile.Profile() if profile is not None else None
    stages: dict[str, float] = {}
    stage_peaks: dict[str, float] = {}  # peak RSS so far at the end of each stage
    cpu = cpu_seconds()
    mark = started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[name] = now - mark
        stage_peaks[name] = peak_rss_mb()
        mark = now

    sampler = TotalPeak()
    if profiler is not None:
        profiler.enable()
    ws = open_workspace(load_settings(layout.config))
    lap("open")
    sync = sync_account(ws, ACCOUNT)
    lap("sync")
    detected = detect(ws)
    lap("detect")
    drafted = draft(ws)
    lap("draft")
    total = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    peak = peak_rss_mb()
    helpers = worker_figures()
    total_peak = sampler.stop()
    with ws.session() as session:
        interactions = session.scalar(select(func.count()).select_from(InteractionRow)) or 0
        people = session.scalar(select(func.count()).select_from(Person)) or 0
        peers = (
            session.scalar(
                select(func.count())
                .select_from(Person)
                .where(Person.classification == Classification.PEER.value)
            )
            or 0
        )
        drafts = session.scalar(select(func.count()).select_from(Draft)) or 0
        quarantined = session.scalar(select(func.count()).select_from(Quarantine)) or 0
    ws.close()
    return {
        "seconds": total,
        "cpu_seconds": cpu,
        **helpers,
        "stages": stages,
        "stage_peak_rss_mb": stage_peaks,
        "sync": {
            "pages": sync.pages,
            "inserted": sync.inserted,
            "updated": sync.updated,
            "unchanged": sync.unchanged,
            "quarantined": sync.quarantined,
        },
        "by_classification": detected.by_classification,
        "proposed": drafted.proposed,
        "created": drafted.created,
        "interactions": interactions,
        "people": people,
        "peers": peers,
        "drafts": drafts,
        "quarantined": quarantined,
        "imports_rss_mb": imports_mb,
        "peak_rss_mb": peak,
        "total_peak_rss_mb": total_peak,
        "db_mb": sum(p.stat().st_size for p in layout.state.glob("keepwarm.db*")) / 2**20,
    }


def run_child(layout: Layout, phase: str, *, profile: Path | None = None) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        phase,
        "--workdir",
        str(layout.root),
    ]
    if profile is not None:
        command += ["--profile", str(profile)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEPWARM_")}
    env["PYTHONHASHSEED"] = "0"
    done = subprocess.run(
        command, cwd=layout.root, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"phase {phase!r} failed with exit code {done.returncode}")
    lines = done.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# =============================================================================================
# Report
# =============================================================================================


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--messages", type=int, default=DEFAULT_MESSAGES, help="messages in the mailbox"
    )
    size.add_argument("--quick", action="store_true", help=f"{QUICK_MESSAGES:,} messages")
    parser.add_argument(
        "--keep", type=Path, help="generate into DIR and keep it (reused when it matches)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the figures as one JSON document"
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile the pipeline phase into FILE (.prof)"
    )
    parser.add_argument(
        "--phase", choices=("baseline", "parse", "pipeline"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run parse and pipeline N times; report the fastest"
    )
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child_main(args: argparse.Namespace) -> int:
    assert args.workdir is not None
    layout = Layout(args.workdir)
    if args.phase == "baseline":
        result = phase_baseline(layout)
    elif args.phase == "parse":
        result = phase_parse(layout)
    else:
        result = phase_pipeline(layout, args.profile)
    print(json.dumps(result))
    return 0


@dataclass
class _Root:
    layout: Layout
    temporary: bool

    def cleanup(self) -> None:
        if self.temporary:
            shutil.rmtree(self.layout.root, ignore_errors=True)


def _root(keep: Path | None) -> _Root:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return _Root(Layout(keep.resolve()), temporary=False)
    return _Root(Layout(Path(tempfile.mkdtemp(prefix="keepwarm-bench-"))), temporary=True)


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated runs, with every run's wall time kept for the record."""
    best = dict(min(runs, key=lambda r: float(r["seconds"])))
    best["all_seconds"] = [r["seconds"] for r in runs]
    return best


def _phases(
    layout: Layout, profile: Path | None, repeat: int, quiet: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    _say(quiet, "measuring: interpreter baseline")
    yield "baseline", run_child(layout, "baseline")
    parses = []
    for i in range(repeat):
        _say(quiet, f"measuring: parse ({i + 1}/{repeat})")
        parses.append(run_child(layout, "parse"))
    yield "parse", _best(parses)
    pipelines = []
    for i in range(repeat):
        shutil.rmtree(layout.state, ignore_errors=True)  # a fresh database for the pipeline
        _say(quiet, f"measuring: pipeline, fresh database ({i + 1}/{repeat})")
        pipelines.append(run_child(layout, "pipeline", profile=profile if i == 0 else None))
    yield "pipeline", _best(pipelines)
    _say(quiet, "measuring: resync (same database, nothing new)")
    yield "resync", run_child(layout, "pipeline")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase is not None:
        return child_main(args)
    messages = QUICK_MESSAGES if args.quick else args.messages
    if messages < 100:
        raise SystemExit("--messages must be at least 100")
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    root = _root(args.keep)
    quiet = args.json
    try:
        layout = root.layout
        _say(quiet, f"generating {messages:,} messages into {layout.data} ...")
        manifest, reused = prepare(layout, messages)
        _say(
            quiet,
            "  reused the earlier generation"
            if reused
            else f"  done in {manifest['generate_seconds']:.1f}s ({manifest['stats']['bytes'] / 2**20:.0f} MB)",
        )
        write_config(layout)
        profile = args.profile.resolve() if args.profile else None
        load_before = os.getloadavg()[0]
        runs = dict(_phases(layout, profile, args.repeat, quiet))
        result = figures(messages, manifest, runs, load_before)
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print_report(result)
            if profile is not None:
                print_profile(profile)
        if not result["resync_ok"]:
            print("resync changed the number of stored interactions", file=sys.stderr)
            return 1
        missed = [name for name, t in result["targets"].items() if not t["met"]]
        if missed:
            print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
            return 1
        return 0
    finally:
        root.cleanup()


if __name__ == "__main__":
    sys.exit(main())
