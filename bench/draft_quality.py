"""Are the drafts worth sending? Judges every draft the shipped rules make, on the demo and on
real public mail, against the mistakes a mail merge makes.

    python bench/draft_quality.py [--samples DIR] [--json]

Counted, per draft (every count must be 0; the exit code is 1 otherwise):

- ``placeholder``:     a `[[…]]` left for a human to fill in (approval would be refused), or
                       an old-style "[add the article here]";
- ``raw_subject``:     a raw `Re:`/`Fwd:` or a list tag such as `[PATCH v3 06/21]` in the body,
                       or in the subject of a draft that does not answer a message;
- ``bad_greeting``:    a greeting not taken from the person's human display name
                       ("Hi there", "Hi LKML", "Hi kernel", a local part);
- ``thank_you_owed``:  the person wrote last, yet the draft is not an answer in their thread;
- ``mass_evidence``:   the draft rests on a mass mail, a list post or machine mail.

Two corpora:

1. the bundled demo (`examples/`), through the real services (sync, detect, draft);
2. the real messages under `../shared/samples/mail/` (read at run time, never copied; skipped
   with a message when absent). Each source folder is replayed twice: as the mailbox of its
   busiest personal address (the plausible owner), evaluated after every message at the
   delays the rules care about; and message by message, as if its first recipient were the
   owner and the sender someone they know, which makes the shipped rules answer real subjects,
   names and bodies (list tags, `Re:` chains, encodings, HTML, quoted replies).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.files import FilesConnector  # noqa: E402
from keepwarm import peers  # noqa: E402
from keepwarm.models import (  # noqa: E402
    Classification,
    Interaction,
    Owner,
    PersonView,
    Role,
    Stage,
    StoredInteraction,
)
from keepwarm.rules import placeholders  # noqa: E402
from keepwarm.rules.evaluate import evaluate  # noqa: E402
from keepwarm.rules.history import Touch, build_histories  # noqa: E402
from keepwarm.rules.subjects import reply_subject  # noqa: E402
from keepwarm.services.rulesio import load_rules  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples" / "mail"
CHECKS = ("placeholder", "raw_subject", "bad_greeting", "thank_you_owed", "mass_evidence")
MASS_RECIPIENTS = 10
#: When to look again after each message: the thank-you's hours, the reply's and the nudge's
#: working days, the water's weeks and the check-ins' months.
DELAYS = (
    timedelta(hours=3),
    timedelta(days=5),
    timedelta(days=9),
    timedelta(days=16),
    timedelta(days=95),
    timedelta(days=185),
)
_RAW = re.compile(r"(?<![\w>])(?:re|fwd?|aw|wg|sv)(?:\[\d+\])?\s?:\s", re.IGNORECASE)
_TAG = re.compile(r"\[[^\[\]\n]{1,80}\]")
#: The single-bracket placeholders templates used to ship ("[one line of news]").
_LEGACY = re.compile(r"\[[a-z][^\[\]\n]*\s[^\[\]\n]*\]")
_GREETING = re.compile(r"^(?:Hi|Hello|Dear|Hey)\b\s*([^,\n]*),\s*$")
_NOT_NAMES = frozenset({"there", "all", "team", "everyone", "folks", "friend", "friends"})


@dataclass
class Judged:
    """One draft with what is needed to judge it."""

    where: str
    subject: str
    body: str
    in_reply_to: str | None
    person_name: str
    person_address: str
    last: Touch | None
    evidence: list[Interaction]


@dataclass
class Report:
    drafts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)


def judge(item: Judged) -> list[str]:
    """The checks this draft fails."""
    failed = []
    tags = {t for e in item.evidence for t in _TAG.findall(e.subject)}
    legacy = [t for t in _LEGACY.findall(item.subject + "\n" + item.body) if t not in tags]
    if placeholders.find(item.subject, item.body) or legacy:
        failed.append("placeholder")
    own_words = "\n".join(line for line in item.body.splitlines() if not line.startswith(">"))
    # A reply quotes their subject verbatim ("Re: [PATCH v3] …" is right there); anything else
    # built from a subject must use its topic.
    answers = any(item.subject == reply_subject(e.subject) for e in item.evidence)
    raw_in_subject = not answers and (
        _RAW.search(item.subject) or any(t in item.subject for t in tags)
    )
    if _RAW.search(own_words) or any(t in own_words for t in tags) or raw_in_subject:
        failed.append("raw_subject")
    first = item.body.splitlines()[0] if item.body else ""
    if first != "Hello,":
        greeting = _GREETING.match(first)
        word = greeting.group(1).strip() if greeting else ""
        names = {w.strip(".,'\"").casefold() for w in re.split(r"[\s,]+", item.person_name)}
        if (
            not word
            or word.casefold() in _NOT_NAMES
            or word.casefold() not in names  # not from their display name (a local part, …)
            or word.isupper()
            or word.islower()
        ):
            failed.append("bad_greeting")
    last = item.last
    if last is not None and last.direction == "in" and item.in_reply_to != last.message_id:
        failed.append("thank_you_owed")
    if any(mass(e) for e in item.evidence):
        failed.append("mass_evidence")
    return failed


def mass(item: Interaction) -> bool:
    """A list post, machine mail, or a message to more than `MASS_RECIPIENTS` people."""
    recipients = sum(1 for p in item.participants if p.role in (Role.TO, Role.CC, Role.BCC))
    return bool(peers.automated_signals(item)) or recipients > MASS_RECIPIENTS


def add(report: Report, part: str, items: Iterable[Judged]) -> None:
    for item in items:
        report.drafts += 1
        report.parts[part] = report.parts.get(part, 0) + 1
        for fault in judge(item):
            report.faults[fault] += 1
            report.examples.setdefault(fault, [])
            if len(report.examples[fault]) < 3:
                report.examples[fault].append(f"{item.where}: {item.subject!r}")


# --- the demo, through the real services -------------------------------------------------------


def demo_drafts() -> list[Judged]:
    from keepwarm.services import queue as queue_service
    from keepwarm.services.pipeline import draft, policy
    from keepwarm.services.sync import sync_account
    from keepwarm.services.workspace import open_workspace
    from keepwarm.settings import load_settings
    from keepwarm.store.interactions import load_interactions
    from keepwarm.store.people import people_views

    with tempfile.TemporaryDirectory(prefix="kw-quality-") as tmp:
        root = Path(tmp)
        shutil.copytree(
            ROOT / "examples", root / "examples", ignore=shutil.ignore_patterns(".keepwarm")
        )
        shutil.copytree(ROOT / "rules", root / "rules")
        ws = open_workspace(load_settings(root / "examples" / "keepwarm.toml"))
        try:
            for account in ws.settings.accounts:
                sync_account(ws, account.name)
            draft(ws)
            now = ws.settings.now()
            with ws.session() as session:
                people = people_views(session)
                stored = load_interactions(session)
            owner = policy(ws).owner_addresses
            history = build_histories(people, stored, owner)
            by_id = {s.id: s.interaction for s in stored}
            out = []
            for d in queue_service.queue(ws, state="pending"):
                touches = [t for t in history.get(d["person"]["address"], []) if t.at <= now]
                out.append(
                    Judged(
                        where=f"demo #{d['id']} {d['rule']}",
                        subject=d["subject"],
                        body=d["body"],
                        in_reply_to=d["in_reply_to"],
                        person_name=d["person"]["name"],
                        person_address=d["person"]["address"],
                        last=touches[-1] if touches else None,
                        evidence=[by_id[i] for i in d["interactions"] if i in by_id],
                    )
                )
            return out
        finally:
            ws.close()


# --- real mail, replayed -----------------------------------------------------------------------


def read_source(folder: Path) -> list[StoredInteraction]:
    """Every readable message of a sample folder (mbox or single messages), oldest first."""
    window = (datetime(1970, 1, 2).astimezone(), datetime(2100, 1, 1).astimezone())
    files = FilesConnector(
        "samples",
        mail=[folder],
        calendars=[],
        drafts_dir=Path(tempfile.gettempdir()) / "kwq",
        calendar_window=window,
        snippets=True,
    )
    found = [i for page in files.pull({}) for i in page.interactions]
    found.sort(key=lambda i: i.occurred_at)
    return [StoredInteraction(n, "samples", i) for n, i in enumerate(found, 1)]


def busiest(items: Sequence[StoredInteraction]) -> str | None:
    """The plausible owner: the address in the most personal (non-machine) messages."""
    seen: Counter[str] = Counter()
    for s in items:
        if not peers.automated_signals(s.interaction) and not mass(s.interaction):
            seen.update({p.address for p in s.interaction.participants})
    return min(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0] if seen else None


def owner_for(address: str, items: Sequence[StoredInteraction]) -> Owner:
    name = next(
        (
            p.name
            for s in items
            for p in s.interaction.participants
            if p.address == address and p.name
        ),
        address.partition("@")[0],
    )
    return Owner(name=name, addresses=[address], timezone="UTC")


def policy_for(owner: Owner) -> peers.DetectionPolicy:
    """The shipped detection lists, as `keepwarm` itself uses them, for this owner."""
    from keepwarm.data import list_hosts, personal_domains, relay_hosts, role_local_parts

    return peers.DetectionPolicy(
        owner_addresses=frozenset(owner.addresses),
        owner_name=owner.name,
        personal_domains=personal_domains(),
        role_local_parts=role_local_parts(),
        lists=tuple(sorted(list_hosts())),
        relays=tuple(sorted(relay_hosts())),
    )


def replay(
    items: Sequence[StoredInteraction],
    owner: Owner,
    moments: Iterable[datetime],
    where: str,
    *,
    known: str | None = None,
) -> list[Judged]:
    """Evaluate the shipped rules at each moment, on what had happened by then; `known`: an
    address to treat as someone the owner already knows (a peer since before the mail)."""
    ruleset = load_rules(ROOT / "rules")
    detection = policy_for(owner)
    snippets = {s.id: s.interaction.snippet for s in items if s.interaction.snippet}
    by_id = {s.id: s.interaction for s in items}
    seen_keys: set[str] = set()
    out: list[Judged] = []
    for now in sorted(set(moments)):
        past = [s for s in items if s.interaction.occurred_at <= now]
        people = peers.detect(past, detection, now=now)
        if known is not None:  # a human detection did not rule out (not a list, a bot, a role)
            people = [
                _known(p) if known in p.addresses and p.classification in _HUMAN else p
                for p in people
            ]
        history = build_histories(
            people, past, detection.owner_addresses,
            mass_mail_recipients=detection.mass_mail_recipients,
        )
        result = evaluate(
            ruleset.rules,
            people,
            history,
            owner,
            now=now,
            policies=ruleset.policies,
            snippets=snippets,
        )
        names = {p.key: p for p in people}
        for d in result.drafts:
            if d.key in seen_keys:
                continue
            seen_keys.add(d.key)
            touches = history.get(d.person_key, [])
            person = names[d.person_key]
            out.append(
                Judged(
                    where=f"{where} {d.rule}",
                    subject=d.subject,
                    body=d.body,
                    in_reply_to=d.in_reply_to,
                    person_name=person.name,
                    person_address=person.addresses[0],
                    last=touches[-1] if touches else None,
                    evidence=[by_id[i] for i in d.interaction_ids if i in by_id],
                )
            )
    return out


_HUMAN = (Classification.CANDIDATE, Classification.PEER)


def _known(person: PersonView) -> PersonView:
    return replace(
        person,
        classification=Classification.PEER,
        stage=Stage.GROWING,
        known=True,
        planted_by=None,
        planted_at=None,
    )


def sample_drafts(root: Path) -> tuple[list[Judged], dict[str, Any]]:
    out: list[Judged] = []
    notes: dict[str, Any] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        items = read_source(folder)
        address = busiest(items)
        notes[folder.name] = {"messages": len(items), "owner": address}
        if address is None:
            continue
        moments = [s.interaction.occurred_at + d for s in items for d in DELAYS]
        out += replay(items, owner_for(address, items), moments, f"{folder.name} (mailbox)")
        answered = 0
        for s in items:  # each personal message, answered by its first recipient
            it = s.interaction
            sender = next((p for p in it.participants if p.role is Role.FROM), None)
            first_to = next((p for p in it.participants if p.role is Role.TO), None)
            if sender is None or first_to is None or first_to.address == sender.address:
                continue
            owner = owner_for(first_to.address, items)
            found = replay(
                items,
                owner,
                [it.occurred_at + timedelta(days=5)],
                f"{folder.name} (reply to {it.provider_id})",
                known=sender.address,
            )
            answered += sum(1 for j in found if j.in_reply_to)
            out += found
        notes[folder.name]["replies_drafted"] = answered
    return out, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="real mail folders")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    report = Report()
    add(report, "demo", demo_drafts())
    notes: dict[str, Any] = {}
    if args.samples.is_dir():
        judged, notes = sample_drafts(args.samples)
        add(report, "samples", judged)
    else:
        notes = {"skipped": f"{args.samples} not found: real-mail part skipped"}
    counts = {c: report.faults.get(c, 0) for c in CHECKS}
    if args.json:
        print(
            json.dumps(
                {
                    "drafts": report.drafts,
                    "parts": report.parts,
                    "counts": counts,
                    "examples": report.examples,
                    "samples": notes,
                },
                indent=2,
            )
        )
    else:
        print(
            f"drafts judged: {report.drafts} ({', '.join(f'{k} {v}' for k, v in report.parts.items())})"
        )
        if "skipped" in notes:
            print(f"samples: {notes['skipped']}")
        else:
            for name, note in notes.items():
                print(
                    f"  samples/{name}: {note['messages']} messages, owner {note['owner']}, "
                    f"{note.get('replies_drafted', 0)} replies drafted"
                )
        for check in CHECKS:
            mark = "ok" if counts[check] == 0 else "FAIL"
            print(f"{check:>16}: {counts[check]:>4}  {mark}")
            for example in report.examples.get(check, []):
                print(f"{'':>18}e.g. {example}")
    return 0 if not any(counts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
