"""Figures and the printed report of the pipeline benchmark (ratios against DESIGN.md §10)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

from bench_settings import (
    MEETINGS,
    TARGET_MSG_PER_S,
    TARGET_PARSE_RATIO,
    TARGET_PEAK_MB,
    THROUGHPUT_GATED_UP_TO,
)


def figures(
    messages: int, manifest: dict[str, Any], runs: dict[str, dict[str, Any]], load_before: float
) -> dict[str, Any]:
    base, parse, pipe, again = runs["baseline"], runs["parse"], runs["pipeline"], runs["resync"]
    msg_per_s = messages / pipe["seconds"]
    ratio = pipe["seconds"] / parse["seconds"]
    total_peak = pipe["total_peak_rss_mb"]
    return {
        "messages": messages,
        "meetings_in_ics": MEETINGS,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": load_before,
            "platform": platform.platform(),
        },
        "data": {
            "mbox_mb": manifest["stats"]["bytes"] / 2**20,
            "mix": manifest["stats"],
            "generate_seconds": manifest.get("generate_seconds"),
        },
        "baseline": base,
        "parse": {**parse, "msg_per_s": messages / parse["seconds"]},
        "pipeline": {
            **pipe,
            "msg_per_s": msg_per_s,
            "peak_rss_over_baseline_mb": pipe["peak_rss_mb"] - base["peak_rss_mb"],
        },
        "resync": again,
        "targets": {
            "msg_per_s": {
                "value": msg_per_s,
                "target": TARGET_MSG_PER_S,
                "ratio": msg_per_s / TARGET_MSG_PER_S,
                "met": msg_per_s >= TARGET_MSG_PER_S or messages > THROUGHPUT_GATED_UP_TO,
            },
            "peak_rss_mb": {  # this process and its workers at once: a user pays for all
                "value": total_peak,
                "target": TARGET_PEAK_MB,
                "ratio": total_peak / TARGET_PEAK_MB,
                "met": total_peak <= TARGET_PEAK_MB,
            },
            "pipeline_over_parse": {
                "value": ratio,
                "target": TARGET_PARSE_RATIO,
                "ratio": ratio / TARGET_PARSE_RATIO,
                "met": ratio <= TARGET_PARSE_RATIO,
            },
        },
        "resync_ok": again["interactions"] == pipe["interactions"],
    }


def _row(
    label: str, seconds: str = "", cpu: str = "", rate: str = "", peak: str = "", imports: str = ""
) -> str:
    return f"{label:<22}{seconds:>9}{cpu:>9}{rate:>11}{peak:>10}{imports:>12}"


def print_report(f: dict[str, Any]) -> None:
    p, pipe, again, base = f["parse"], f["pipeline"], f["resync"], f["baseline"]
    mix = f["data"]["mix"]
    machine = f["machine"]
    print(
        f"keepwarm pipeline benchmark: {f['messages']:,} messages + {f['meetings_in_ics']} meetings "
        f"({f['data']['mbox_mb']:.0f} MB mbox), Python {machine['python']}, {machine['cpus']} CPUs, "
        f"load average {machine['load_average']:.2f} before the run"
    )
    print(
        f"  mix: {mix['sent']:,} sent ({mix['replies_by_owner']:,} replies), {mix['received']:,} "
        f"personal ({mix['replies_to_owner']:,} replies to owner), {mix['newsletters']:,} "
        f"newsletters, {mix['colleagues']:,} colleagues, {mix['notifications']:,} notifications, "
        f"{mix['auto_replies']:,} auto-replies, {mix['bounces']:,} bounces"
    )
    print()
    print(_row("phase", "wall s", "cpu s", "msg/s", "peak MB", "imports MB"))
    print(_row("baseline (import)", peak=f"{base['peak_rss_mb']:.1f}"))
    for label, run, rate in (
        ("parse", p, True),
        ("pipeline", pipe, True),
        ("resync (no change)", again, False),
    ):
        print(
            _row(
                label,
                f"{run['seconds']:.2f}",
                f"{run['cpu_seconds']:.2f}",
                f"{f['messages'] / run['seconds']:,.0f}" if rate else "",
                f"{run['peak_rss_mb']:.1f}",
                f"{run['imports_rss_mb']:.1f}",
            )
        )
        for name, seconds in run.get("stages", {}).items():
            print(_row("  " + name, f"{seconds:.2f}", peak=f"{run['stage_peak_rss_mb'][name]:.1f}"))
    print("  (a stage's peak MB is the process peak at the end of that stage)")
    for label, run in (("parse", p), ("pipeline", pipe)):
        total = run["cpu_seconds"] + run["workers_cpu_seconds"]
        print(
            f"{label} workers: {run['workers']} processes, {run['workers_cpu_seconds']:.2f} cpu s "
            f"(with this process: {total:.2f} cpu s), peak {run['workers_peak_rss_mb']:.1f} MB in all"
        )
    cores = f["machine"]["cpus"] or 1
    budget = f["messages"] / TARGET_MSG_PER_S * cores
    used = p["cpu_seconds"] + p["workers_cpu_seconds"]
    print(
        f"cpu budget: at {TARGET_MSG_PER_S:,.0f} msg/s these messages allow {budget:.2f} cpu s on "
        f"{cores} cores; the parse alone used {used:.2f} ({used / budget:.0%})"
    )
    print()
    print(
        f"parse: {p['emails']:,} emails, {p['meetings']:,} meeting occurrences, "
        f"{p['quarantined']} quarantined, {p['pages']} pages"
    )
    print(
        f"pipeline: {pipe['interactions']:,} interactions stored, {pipe['people']:,} people, "
        f"{pipe['peers']:,} peers, {pipe['drafts']:,} drafts, {pipe['quarantined']} quarantined, "
        f"DB {pipe['db_mb']:.0f} MB"
    )
    print(f"  classification: {pipe['by_classification']}")
    print(f"  peak memory over interpreter baseline: {pipe['peak_rss_over_baseline_mb']:.1f} MB")
    print(f"  peak memory of this process and its workers at once: {pipe['total_peak_rss_mb']:.1f} MB")
    status = "ok" if f["resync_ok"] else "FAILED: interaction count changed"
    print(f"resync: sync {again['sync']}, interactions {again['interactions']:,} ({status})")
    print()
    print(f"{'target':<34}{'measured':>12}{'target':>12}{'ratio':>8}  verdict")
    t = f["targets"]
    rows = (
        ("throughput (msg/s, higher better)", t["msg_per_s"], "{:,.0f}", "≥ {:,.0f}"),
        ("peak memory, with workers (MB)", t["peak_rss_mb"], "{:.0f}", "≤ {:.0f}"),
        ("pipeline / parse time", t["pipeline_over_parse"], "{:.2f}x", "≤ {:.0f}x"),
    )
    for label, row, fmt, tfmt in rows:
        verdict = "met" if row["met"] else "MISSED"
        print(
            f"{label:<34}{fmt.format(row['value']):>12}{tfmt.format(row['target']):>12}"
            f"{row['ratio']:>8.2f}  {verdict}"
        )


def print_profile(path: Path, limit: int = 30) -> None:
    import pstats

    print(f"\nprofile of the pipeline phase ({path}); timings above include profiler overhead")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)


# =============================================================================================
# Main
# =============================================================================================
