"""Peer detection on real public mail and calendars, against labels written by reading them.

Runs detection over `../shared/samples` (read at run time, never copied) with one owner per
run (see `RUNS`: who, and how they were chosen), then compares every labelled address
(`bench/labels/*.tsv`: run, address, verdict `peer`/`never`, cause, one-line reason) with what
detection made of it. Prints precision and recall of `peer`, the false peers by cause, the
missed peers, and every unlabelled address detection called a peer (for the next labelling).

    .venv/bin/python bench/detection_real.py [--samples ../shared/samples]

Exit 0 when precision is 1.0 and recall >= 0.9, 1 when not, 2 when the samples are absent
(CI machines may not have them; this bench is not part of `make test`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from detection_real_sources import NOW, Run, runs

from keepwarm.data import list_hosts, personal_domains, relay_hosts, role_local_parts
from keepwarm.models import Classification
from keepwarm.peers import DetectionPolicy, detect, normalise

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "labels"
PRECISION_TARGET, RECALL_TARGET = 1.0, 0.9


@dataclass(frozen=True)
class Owner:
    addresses: tuple[str, ...]
    domains: tuple[str, ...] = ()
    why: str = ""


#: Owners chosen per run. A run not named here keeps the owner `runs()` picked (its `how`).
RUNS = {
    "ics-recurring-ical-events-benchmark_issue42": Owner(
        ("gabi@gmail.com",),
        ("knorr-bremse.com", "lisbon"),
        "a personal calendar whose work invitations come from the owner's employer Knorr-Bremse "
        "(knorr-bremse.com, internal addresses @lisbon): those are its organisation domains",
    ),
    "ics-libical-2446": Owner(
        ("a@example.com",),
        ("example.com",),
        "the organiser of the calendar; example.com is his organisation",
    ),
    "ics-libical-incoming": Owner(
        ("b@example.com",),
        ("example.com",),
        "the organiser of the invitations; example.com is his organisation",
    ),
    "ics-icaljs-recur_instances": Owner(
        ("jlal@mozilla.com", "james@lightsofapollo.com"),
        ("mozilla.com",),
        "James Lal, the organiser, with his own second address (lightsofapollo.com)",
    ),
    "gmail-chocolate_procurement-lindsay": Owner(
        ("lindsay@126bps.com",), ("126bps.com",), "the export's mailbox; 126bps.com is her domain"
    ),
    "gmail-chocolate_procurement-tim": Owner(
        ("tim@126bps.com", "tharrison@lxdinc.com", "tim.harrison@yahoo.com"),
        ("126bps.com",),
        "the export's mailbox, with Tim Harrison's two other addresses seen in it",
    ),
}


@dataclass(frozen=True)
class Label:
    run: str
    address: str
    peer: bool
    cause: str
    reason: str


def read_labels(folder: Path) -> dict[tuple[str, str], Label]:
    found: dict[tuple[str, str], Label] = {}
    for path in sorted(folder.glob("*.tsv")):
        with path.open(encoding="utf-8") as f:
            rows = csv.reader((line for line in f if line.strip() and not line.startswith("#")),
                              delimiter="\t")  # fmt: skip
            for number, row in enumerate(rows, 1):
                if len(row) != 5 or row[2] not in ("peer", "never"):
                    raise SystemExit(
                        f"{path.name}: row {number} is not run/address/verdict/cause/reason"
                    )
                run, address, verdict, cause, reason = row
                found[(run, normalise(address))] = Label(
                    run, address, verdict == "peer", cause, reason
                )
    return found


def policy(run: Run) -> DetectionPolicy:
    owner = RUNS.get(run.name, Owner(run.owner))
    return DetectionPolicy(
        owner_addresses=frozenset(owner.addresses),
        owner_domains=owner.domains,
        personal_domains=personal_domains(),
        role_local_parts=role_local_parts(),
        lists=tuple(sorted(list_hosts())),
        relays=tuple(sorted(relay_hosts())),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    args = parser.parse_args()
    if not (args.samples / "mail").is_dir():
        print(f"samples not found at {args.samples}: nothing to measure (pass --samples PATH)")
        return 2
    labels = read_labels(LABELS)
    verdicts: dict[tuple[str, str], Classification] = {}
    unlabelled: list[str] = []
    all_runs = runs(args.samples)
    for run in all_runs:
        for person in detect(run.items, policy(run), now=NOW):
            for address in {normalise(a) for a in person.addresses}:
                verdicts[(run.name, address)] = person.classification
                if (
                    person.classification is Classification.PEER
                    and (run.name, address) not in labels
                ):
                    unlabelled.append(f"{run.name}: {address} ({person.reasons[0]})")
    missing = [k for k in labels if k not in verdicts]
    predicted = {k for k, v in verdicts.items() if v is Classification.PEER and k in labels}
    truth = {k for k, label in labels.items() if label.peer}
    hit = predicted & truth
    precision = len(hit) / len(predicted) if predicted else 1.0
    recall = len(hit) / len(truth) if truth else 1.0
    sources = Counter(k[0].split("-")[0] + "/" + k[0].split("-")[1] for k in labels)

    print(f"runs: {len(all_runs)} over {args.samples}; labelled addresses: {len(labels)} "
          f"({len(truth)} peers) across {len(sources)} sources: "
          + ", ".join(f"{s} {n}" for s, n in sorted(sources.items())))  # fmt: skip
    print(f"precision: {precision:.3f} (target {PRECISION_TARGET})   "
          f"recall: {recall:.3f} (target >= {RECALL_TARGET})")  # fmt: skip
    causes = Counter(labels[k].cause for k in predicted - truth)
    print(
        "false peers by cause: "
        + (", ".join(f"{c} {n}" for c, n in causes.most_common()) or "none")
    )
    for k in sorted(predicted - truth):
        print(f"  false peer {k[0]}: {labels[k].address} — labelled never: {labels[k].reason}")
    for k in sorted(truth - predicted):
        print(
            f"  missed peer {k[0]}: {labels[k].address} ({verdicts.get(k, 'not seen')}) — {labels[k].reason}"
        )
    for k in missing:
        print(f"  labelled but not in the data: {k[0]}: {labels[k].address}")
    for line in unlabelled:
        print(f"  unlabelled peer {line}")
    ok = precision >= PRECISION_TARGET and recall >= RECALL_TARGET and not missing
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
