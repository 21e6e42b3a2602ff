"""keepwarm judged on realistic mailboxes with a known truth, at a size you choose.

Builds the generated mailboxes of `tests/realistic` (a kernel maintainer's lore mbox, an Enron
user's maildir tree, a folder of calendar invitations), runs keepwarm on each as a new user
would (init with flags, sync, detect, draft, peers, queue) and prints, per mailbox: size,
precision and recall of peers, wrong classifications, wrong, faulty and missing drafts, and the
time of each stage.

It also times the Enron tree's sync against a baseline measured in the same run: the same
messages written as one mbox file. Reading a folder of numbered message files must stay within
`LAYOUT_TARGET` times the mbox (it was 14x slower when every file was its own stream).

    .venv/bin/python bench/realistic.py [--scale 4] [--keep DIR]

Exit 1 when precision < 1.0, recall < 0.9, any wrong decision or draft, or the layout ratio
misses its target.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realistic import enron, invites, lkml  # noqa: E402
from tests.realistic.run import cycle, keepwarm, listings, pin, run, setup  # noqa: E402
from tests.realistic.truth import Truth, Verdict, judge  # noqa: E402

RECALL_TARGET = 0.9
#: Sync of an MH/Enron tree over sync of the same messages as one mbox.
LAYOUT_TARGET = 3.0


def report(truth: Truth, verdict: Verdict, seconds: dict[str, float]) -> bool:
    ok = (
        verdict.precision == 1.0
        and verdict.recall >= RECALL_TARGET
        and not verdict.failures()
        and not verdict.missing_drafts
    )
    timing = " ".join(f"{k} {v:.2f}s" for k, v in seconds.items())
    rate = truth.messages / seconds["sync"] if seconds.get("sync") else 0.0
    print(f"\n{truth.name}: {truth.messages} messages, {truth.events} calendar events, "
          f"{len(truth.expect)} labelled addresses ({len(truth.peers)} peers)")  # fmt: skip
    print(f"  {timing} ({rate:,.0f} messages/s synced)")
    print("  " + verdict.summary().replace("\n", "\n  "))
    print(f"  verdict: {'ok' if ok else 'FAILED'}")
    return ok


def layout_ratio(workdir: Path, scale: int) -> float:
    """Enron tree sync time over the same messages as one mbox (same run, same machine)."""
    tree = enron.build(workdir / "tree", scale=scale)
    files = sorted(p for p in (workdir / "tree").rglob("*") if p.is_file())
    mbox = workdir / "flat" / "all.mbox"
    mbox.parent.mkdir(parents=True)
    with mbox.open("w", encoding="utf-8") as f:
        for path in files:
            f.write("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + path.read_text() + "\n")
    times = {}
    for name, mail_path in (("mbox", mbox), ("tree", workdir / "tree" / "maildir" / enron.USER)):
        flat = Truth(name, tree.owner_name, tree.owner_addresses, tree.owner_domains,
                     tree.timezone, tree.now, [mail_path])  # fmt: skip
        config, _ = setup(flat, workdir / f"kw-{name}")
        pin(config, tree.now)
        started = time.perf_counter()
        keepwarm(config, "sync")
        times[name] = time.perf_counter() - started
    ratio = times["tree"] / times["mbox"]
    print(f"\nlayout: {len(files)} Enron files synced in {times['tree']:.2f}s, the same as one mbox "
          f"in {times['mbox']:.2f}s: ratio {ratio:.2f} (target <= {LAYOUT_TARGET})")  # fmt: skip
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=4, help="size multiplier (1: ~1,000 messages)")
    parser.add_argument("--keep", type=Path, help="build here and keep the mailboxes")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="keepwarm-realistic-"))
    ok = True
    try:
        for corpus in (lkml, enron):
            truth = corpus.build(workdir / corpus.__name__.rsplit(".", 1)[1], scale=args.scale)
            outcome = run(truth, workdir / f"kw-{truth.name}")
            ok &= report(truth, judge(truth, outcome.people, outcome.queue), outcome.seconds)
        truth = invites.build(workdir / "invites", scale=args.scale)
        outcome = run(truth, workdir / "kw-invites")
        ok &= report(truth, judge(truth, outcome.people, outcome.queue), outcome.seconds)
        invites.later(workdir / "invites", truth)
        text = outcome.config.read_text().split("\n", 1)[1]
        outcome.config.write_text(f'as_of = "{truth.now.isoformat()}"\n' + text)
        seconds: dict[str, float] = {}
        cycle(outcome.config, seconds)
        people, queue = listings(outcome.config)
        truth.name += " (second cycle)"
        ok &= report(truth, judge(truth, people, queue), seconds)
        ok &= layout_ratio(workdir / "layout", args.scale) <= LAYOUT_TARGET
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nrealistic mailboxes: {'all right' if ok else 'WRONG DECISIONS (see above)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
