"""What a demanding professional knows about their own mailbox, and how keepwarm is judged on it.

Every generator registers each address it writes with an `Expect`: what the address is
(`peer`, `colleague`, `automated` for lists, bots and relays, `candidate` for people without a
real exchange, …), why, and which drafts would be right *now* (`drafts`: acceptable; `wanted`:
one that must exist). `judge` compares `keepwarm peers --all --json` and `queue --json` with it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

#: Kinds a person can be; `list`, `bot` and `relay` must all be classified `automated`.
NEVER_PEER = frozenset({"list", "bot", "relay", "colleague", "self", "role", "candidate",
                        "personal-domain", "newsletter", "resource"})  # fmt: skip
EXPECTED_CLASS = {
    "list": {"automated"},
    "bot": {"automated"},
    "relay": {"automated"},
    "newsletter": {"automated", "candidate", "role", "colleague", "personal-domain"},
    "colleague": {"colleague"},
    "self": {"self"},
    "role": {"role", "automated", "candidate"},
    "resource": {"resource"},
    "personal-domain": {"personal-domain", "candidate"},
    "candidate": {"candidate", "automated", "personal-domain", "role"},
    "peer": {"peer"},
}
#: Rules that answer the person in their thread (the draft's subject is `Re: <theirs>`).
ANSWERING = frozenset({"reply-owed", "no-reply-nudge"})
CHECK_INS = frozenset({"check-in-others", "check-in-established", "water-two-weeks"})


@dataclass(frozen=True)
class Expect:
    kind: str
    cause: str
    #: Rules whose draft would be acceptable now (a draft from any other rule is wrong).
    drafts: frozenset[str] = frozenset()
    #: A rule whose draft must exist now.
    wanted: str | None = None
    #: For answers: the subject of the message the draft answers (verbatim `Re:` expected).
    answers: str | None = None
    #: For a reply owed: their own words the draft should quote (from the message's body).
    quote: str | None = None


@dataclass
class Truth:
    name: str
    owner_name: str
    owner_addresses: list[str]
    owner_domains: list[str]
    timezone: str
    now: datetime
    mail: list[Path]
    calendars: list[Path] = field(default_factory=list)
    expect: dict[str, Expect] = field(default_factory=dict)
    messages: int = 0
    events: int = 0

    def add(self, address: str, kind: str, cause: str, **kw: Any) -> None:
        """Register an address; a later, stronger verdict (a peer) replaces an earlier one."""
        address = address.lower()
        known = self.expect.get(address)
        if known is None or _rank(kind) > _rank(known.kind) or kw:
            merged = {**({"drafts": known.drafts, "wanted": known.wanted, "answers": known.answers,
                          "quote": known.quote} if known and known.kind == kind else {}), **kw}  # fmt: skip
            self.expect[address] = Expect(kind, cause, **merged)

    @property
    def peers(self) -> set[str]:
        return {a for a, e in self.expect.items() if e.kind == "peer"}


def _rank(kind: str) -> int:
    order = ["candidate", "newsletter", "personal-domain", "role", "colleague", "resource",
             "relay", "bot", "list", "peer", "self"]  # fmt: skip
    return order.index(kind) if kind in order else 0


@dataclass
class Verdict:
    precision: float
    recall: float
    false_peers: list[str]
    missed: list[str]
    misclassified: list[str]
    wrong_drafts: list[str]
    missing_drafts: list[str]
    draft_faults: list[str]
    drafts: int
    by_rule: Counter[str]

    def failures(self) -> list[str]:
        return [*self.false_peers, *self.misclassified, *self.wrong_drafts, *self.draft_faults]

    def summary(self) -> str:
        lines = [
            f"precision {self.precision:.3f} recall {self.recall:.3f} drafts {self.drafts} "
            f"{dict(sorted(self.by_rule.items()))}"
        ]
        for title, items in (
            ("false peers", self.false_peers), ("missed peers", self.missed),
            ("misclassified", self.misclassified), ("wrong drafts", self.wrong_drafts),
            ("missing drafts", self.missing_drafts), ("draft faults", self.draft_faults),
        ):  # fmt: skip
            if items:
                lines.append(f"  {title} ({len(items)}):")
                lines.extend(f"    {item}" for item in items[:25])
        return "\n".join(lines)


_GREETING = re.compile(r"^(?:Hi|Hello|Dear)\b\s*([^,\n]*),\s*$")
_TAG = re.compile(r"\[(?:PATCH|RFC|GIT PULL|syzbot)[^\]]*\]", re.IGNORECASE)
_RAW = re.compile(r"(?<![\w>])(?:re|fwd?|fw|aw)\s?:\s", re.IGNORECASE)


def judge(truth: Truth, people: list[dict[str, Any]], queue: list[dict[str, Any]]) -> Verdict:
    """Compare keepwarm's people and drafts with the truth."""
    by_address: dict[str, dict[str, Any]] = {}
    for person in people:
        for a in person["addresses"]:
            by_address[a.lower()] = person
    detected = {a for a, p in by_address.items() if p["classification"] == "peer"}
    true_peers = truth.peers
    found = {a for a in true_peers if a in detected}
    labelled_detected = {a for a in detected if a in truth.expect}
    false = sorted(a for a in labelled_detected if truth.expect[a].kind != "peer")
    unlabelled = sorted(a for a in detected if a not in truth.expect)
    precision = (len(labelled_detected) - len(false)) / len(labelled_detected) if labelled_detected else 1.0
    recall = len(found) / len(true_peers) if true_peers else 1.0
    false_peers = [f"{a} ({truth.expect[a].kind}: {truth.expect[a].cause}) — {_why(by_address[a])}"
                   for a in false] + [f"{a} (not in the truth) — {_why(by_address[a])}" for a in unlabelled]  # fmt: skip
    missed = [f"{a} ({truth.expect[a].cause}) — {_why(by_address.get(a))}"
              for a in sorted(true_peers - found)]  # fmt: skip
    misclassified = []
    for a, e in sorted(truth.expect.items()):
        p = by_address.get(a)
        if p is None or e.kind == "peer":
            continue
        hard = e.kind in ("list", "bot", "relay", "colleague", "self")
        if hard and p["classification"] not in EXPECTED_CLASS.get(e.kind, {e.kind}):
            misclassified.append(f"{a}: expected {e.kind} ({e.cause}), got {p['classification']} — {_why(p)}")
    wrong, faults, seen, rules = [], [], set(), Counter()
    for d in queue:
        to = d["to"][0].lower()
        rules[d["rule"]] += 1
        e = truth.expect.get(to)
        seen.add((to, d["rule"]))
        label = f"#{d['id']} {d['rule']} → {to} '{d['subject']}'"
        if e is None:
            wrong.append(f"{label}: address not in the truth")
            continue
        if d["rule"] not in e.drafts and d["rule"] != e.wanted:
            wrong.append(f"{label}: {e.kind} ({e.cause}) wants {sorted(e.drafts) or 'no draft'}")
            continue
        faults.extend(f"{label}: {f}" for f in _text_faults(d, e, by_address.get(to)))
    missing = [f"{a}: {e.wanted} ({e.cause})" for a, e in sorted(truth.expect.items())
               if e.wanted and (a, e.wanted) not in seen]  # fmt: skip
    return Verdict(precision, recall, false_peers, missed, misclassified, wrong, missing, faults,
                   len(queue), rules)  # fmt: skip


def _why(person: dict[str, Any] | None) -> str:
    if person is None:
        return "not seen at all"
    return f"{person['classification']}: {'; '.join(person['reasons'][:2])}"


def _text_faults(draft: dict[str, Any], e: Expect, person: dict[str, Any] | None) -> list[str]:
    """What a reader would object to in the text of an otherwise right draft."""
    faults = []
    subject, body = draft["subject"], draft["body"]
    if "[[" in subject + body:
        faults.append("a placeholder is left")
    if e.answers is not None and draft["rule"] in ANSWERING:
        wanted = e.answers if _RAW.match(e.answers) else f"Re: {e.answers}".rstrip()
        if subject != wanted:
            faults.append(f"subject {subject!r} is not the verbatim answer {wanted!r}")
    elif _TAG.search(subject) or (draft["rule"] not in ANSWERING and _RAW.search(subject)):
        faults.append(f"raw subject {subject!r}")
    if e.quote is not None and draft["rule"] == "reply-owed" and f"> {e.quote}" not in body:
        faults.append(f"does not quote their words {e.quote!r}")
    own = "\n".join(line for line in body.splitlines() if not line.startswith(">"))
    if _TAG.search(own) or _RAW.search(own):
        faults.append("raw Re:/list tag in the body")
    first = body.splitlines()[0] if body else ""
    match = _GREETING.match(first)
    if not match:
        faults.append(f"first line {first!r} is not a greeting")
    else:
        name = match.group(1).strip()
        display = (person or {}).get("name") or ""
        if name and name.lower() not in display.lower():
            faults.append(f"greeting {first!r} not from the display name {display!r}")
        if not name and display and len(display.split()) >= 2 and display.split()[0].istitle():
            faults.append(f"greeting {first!r} although the display name {display!r} is known")
    return faults
