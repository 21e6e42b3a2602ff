"""Benchmark: evaluate the shipped rules over 50k people and 1M interactions.

Synthetic, deterministic data (seeded): every person has a contact history of ~20 touches
spread over two years, a mix of stages, and some with an unanswered last email, so each
trigger has work to do. Prints the evaluation time, drafts/s and peak memory (RSS).
Target (issue 4): a full evaluation in under 10 s; exits 1 when missed.

    python bench/rules.py [--people 50000] [--interactions 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keepwarm.models import Classification, Owner, PersonView, Stage  # noqa: E402
from keepwarm.rules.evaluate import evaluate  # noqa: E402
from keepwarm.rules.history import Direction, Touch  # noqa: E402
from keepwarm.services.rulesio import load_rules  # noqa: E402

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
OWNER = Owner(name="Ada Lovelace", addresses=["ada@analytical.example"], timezone="Europe/London")
STAGES = list(Stage)


def synthesise(
    people: int, interactions: int, seed: int = 7
) -> tuple[list[PersonView], dict[str, list[Touch]]]:
    rng = random.Random(seed)
    per_person = max(1, interactions // people)
    views: list[PersonView] = []
    history: dict[str, list[Touch]] = {}
    directions: list[Direction] = ["out", "in", "meeting"]
    next_id = 0
    for n in range(people):
        key = f"p{n}@org{n % 5000}.example"
        # the last touch lands anywhere in the past 400 days: some fresh, some quiet, some dormant
        fresh = n % 50 == 0  # a few brand-new peers (met two days ago) for the thank-you rule
        last = NOW - timedelta(days=1 if fresh else rng.uniform(0, 400))
        touches: list[Touch] = []
        at = NOW - timedelta(days=2) if fresh else last - timedelta(days=rng.uniform(30, 700))
        step = (last - at) / per_person
        for _ in range(per_person):
            next_id += 1
            direction: Direction = "meeting" if fresh else directions[rng.randrange(3)]
            touches.append(
                Touch(
                    at=at,
                    direction=direction,
                    interaction_id=next_id,
                    account="bench",
                    provider_id=f"b{next_id}",
                    subject=f"Topic {next_id % 97}",
                    message_id=f"<b{next_id}@bench.example>" if direction != "meeting" else None,
                    ended_at=at + timedelta(hours=1) if direction == "meeting" else None,
                    size=1 + rng.randrange(3),
                )
            )
            at += step
        first = touches[0]
        stage = STAGES[rng.randrange(len(STAGES))]
        view = PersonView(
            key=key,
            name=f"Person {n}",
            addresses=(key,),
            classification=Classification.PEER,
            reasons=("bench",),
            stage=stage,
            first_seen=first.at,
            last_seen=touches[-1].at,
            planted_by=first.interaction_id,
            planted_at=first.at,
            organisation=f"org{n % 5000}.example",
        )
        views.append(view)
        history[key] = touches
    return views, history


LIMIT_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    args = parser.parse_args()
    ruleset = load_rules(ROOT / "rules")
    if ruleset.problems:
        sys.exit("\n".join(str(p) for p in ruleset.problems))
    policies = ruleset.policies.model_copy(update={"daily_cap": None})  # measure every draft
    started = time.perf_counter()
    people, history = synthesise(args.people, args.interactions)
    built = time.perf_counter() - started
    touches = sum(len(h) for h in history.values())
    started, cpu = time.perf_counter(), time.process_time()
    result = evaluate(ruleset.rules, people, history, OWNER, now=NOW, policies=policies)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_rule: dict[str, int] = {}
    for d in result.drafts:
        by_rule[d.rule] = by_rule.get(d.rule, 0) + 1
    print(
        f"rules: {len(ruleset.rules)} shipped; people: {len(people):,}; interactions: {touches:,}"
    )
    print(f"synthesised in {built:.1f} s (not counted)")
    print(
        f"evaluation: {elapsed:.2f} s (target < 10 s) — {len(result.drafts):,} drafts, "
        f"{len(result.drafts) / elapsed:,.0f} drafts/s, {len(people) / elapsed:,.0f} people/s "
        f"(CPU time {cpu:.2f} s; the machine may be shared)"
    )
    print("drafts by rule: " + ", ".join(f"{k}={v:,}" for k, v in sorted(by_rule.items())))
    print(f"peak memory (RSS): {peak_mb:,.0f} MB")
    if result.problems:
        print(f"template problems: {len(result.problems)}")
    met = elapsed < LIMIT_S and not result.problems
    print(f"target (< {LIMIT_S:.0f} s, no template problem): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
