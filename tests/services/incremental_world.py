"""A small, hostile mail world for the incremental-detection property tests.

Every case that makes one message change what another means is here: replies stored before the
mail they answer, bounces tied by In-Reply-To or only by subject, list mail that names its real
sender, two addresses of one person (same name, same organisation), an explicit alias, updates
of a stored interaction, meetings that end after the pass that stored them, automatic mail.
Each scenario is a set of interactions, an order to store them in, a split of that order into
cycles (each at a later clock) and the user's decisions on the queue after each cycle.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import select

from keepwarm.models import Interaction, Kind, Participant, PersonView, Response, Role
from keepwarm.peers import detect as pure_detect
from keepwarm.services import open_workspace
from keepwarm.services import queue as queue_service
from keepwarm.services.pipeline import detect, draft, policy
from keepwarm.services.workspace import Workspace
from keepwarm.settings import Settings
from keepwarm.store.accounts import ensure_account
from keepwarm.store.interactions import load_interactions, upsert_interactions
from keepwarm.store.people import people_views
from keepwarm.store.tables import Draft

ROOT = Path(__file__).resolve().parents[2]
OWNER = "ada@analytical.example"
ALIAS = "ada.lovelace@analytical.example"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

#: (address, display name): two mailboxes of Grace at one organisation, an explicit alias pair
#: (alan@ and turing@ other), a colleague, a free-mail correspondent, a role address.
CAST = [
    ("grace@navy.example", "Grace Hopper"),
    ("ghopper@navy.example", "Grace Hopper"),
    ("alan@bletchley.example", "Alan Turing"),
    ("turing@enigma.example", "A. Turing"),
    ("katherine@orbital.example", "Katherine Johnson"),
    ("hedy@gmail.com", "Hedy Lamarr"),
    ("charles@analytical.example", "Charles Babbage"),
    ("info@orbital.example", "Orbital"),
]
ALIASES = [["alan@bletchley.example", "turing@enigma.example"]]
LIST = "compilers@lists.example"
DAEMON = "mailer-daemon@mx.example"
KINDS = (
    "out",
    "out",
    "out",
    "reply",
    "in",
    "list",
    "bounce",
    "bare-bounce",
    "meeting",
    "auto",
    "update",
)


def settings(base: Path, now: datetime, rules: Path | None = None) -> Settings:
    return Settings(
        owner={
            "name": "Ada Lovelace",
            "addresses": [OWNER, ALIAS],
            "domains": ["analytical.example"],
        },
        base_dir=base,
        rules_dir=rules or ROOT / "rules",
        as_of=now,
        detection={"aliases": ALIASES},
    )


_TEMPLATE: dict[str, Path] = {}


@contextmanager
def workspace_at(folder: Path, rules: Path | None = None) -> Iterator[Workspace]:
    """A migrated SQLite workspace in `folder` (copied from a template migrated once)."""
    if "db" not in _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="keepwarm-incremental-"))
        ws = open_workspace(settings(template, START))
        ws.close()
        _TEMPLATE["db"] = template / ".keepwarm" / "keepwarm.db"
    target = folder / ".keepwarm"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(_TEMPLATE["db"], target / "keepwarm.db")
    ws = open_workspace(settings(folder, START, rules))
    try:
        yield ws
    finally:
        ws.close()


def at_clock(ws: Workspace, now: datetime) -> Workspace:
    """The same database, with the clock pinned at `now`."""
    rules = ws.settings.rules_dir
    return Workspace(settings(ws.settings.base_dir, now, rules), ws.engine, ws.sessions)


@dataclass(frozen=True)
class Scenario:
    items: list[Interaction]
    #: indexes into `items`, grouped by cycle
    cycles: list[list[int]]
    clocks: list[datetime]
    #: per cycle: for each pending draft (in key order), approve / reject / leave it
    decisions: list[list[str]]


def _p(address: str, role: Role, response: Response | None = None) -> Participant:
    name = dict(CAST).get(address, "")
    return Participant(address, role, name, response)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(min_value=4, max_value=22))
    items: list[Interaction] = []
    owner_mail: list[Interaction] = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        when = START + timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 160)))
        who = draw(st.sampled_from([a for a, _ in CAST]))
        mid = f"m{i}@test.example"
        subject = draw(st.sampled_from(["Budget", "Re: Budget", "Coffee", "Plans: Q3", ""]))
        if kind == "update" and items:
            old = items[draw(st.integers(min_value=0, max_value=len(items) - 1))]
            moved = old.occurred_at + timedelta(hours=draw(st.integers(-72, 72)))
            items.append(replace(old, occurred_at=moved, subject=old.subject + " (edited)"))
            continue
        if kind == "meeting":
            others = draw(
                st.lists(st.sampled_from([a for a, _ in CAST]), min_size=1, max_size=3, unique=True)
            )
            declined = draw(st.booleans())
            parts = [_p(OWNER, Role.ORGANIZER)] + [
                _p(
                    a,
                    Role.ATTENDEE,
                    Response.DECLINED if declined and j == 0 else Response.ACCEPTED,
                )
                for j, a in enumerate(others)
            ]
            items.append(
                Interaction(
                    f"ics:{i}",
                    Kind.MEETING,
                    when,
                    tuple(parts),
                    subject or "Meeting",
                    ended_at=when + timedelta(hours=1),
                    cancelled=draw(st.booleans()) and declined,
                )
            )
            continue
        if kind == "out":
            to = draw(
                st.lists(st.sampled_from([a for a, _ in CAST]), min_size=1, max_size=3, unique=True)
            )
            item = Interaction(
                f"msg:{mid}",
                Kind.EMAIL,
                when,
                (
                    _p(draw(st.sampled_from([OWNER, ALIAS])), Role.FROM),
                    *(_p(a, Role.TO) for a in to),
                ),
                subject,
                message_id=mid,
                thread_id=mid,
            )
            owner_mail.append(item)
            items.append(item)
            continue
        parent = (
            draw(st.sampled_from(owner_mail))
            if owner_mail and kind in ("reply", "bounce", "bare-bounce", "list", "to-list")
            else None
        )
        headers: dict[str, str] = {}
        sender, refs = who, None
        if kind == "reply" and parent is not None:
            refs = parent.message_id
            subject = "Re: " + parent.subject if parent.subject else "Re:"
            sender = parent.participants[1].address
            # Some replies are dated before the mail they answer (a sender's clock).
            skew = st.one_of(st.integers(-5, 300), st.integers(-24 * 35, -24))
            when = parent.occurred_at + timedelta(hours=draw(skew))
        elif kind in ("bounce", "bare-bounce") and parent is not None:
            sender = DAEMON
            headers = {"content-type": "multipart/report; report-type=delivery-status"}
            subject = "Undeliverable: " + parent.subject
            refs = parent.message_id if kind == "bounce" else None
            when = parent.occurred_at + timedelta(hours=draw(st.integers(0, 100)))
        elif kind == "list":
            sender = LIST
            headers = {
                "list-id": "<compilers.lists.example>",
                "x-original-from": f"{dict(CAST)[who]} <{who}>",
            }
            refs = parent.message_id if parent is not None and draw(st.booleans()) else None
        elif kind == "auto":
            headers = {"auto-submitted": "auto-replied"}
        elif kind == "names-list":  # a post whose List-Post names one of the cast: a list after all
            named = draw(st.sampled_from([a for a, _ in CAST]))
            headers = {"list-post": f"<mailto:{named}>", "list-id": f"<{named.replace('@', '.')}>"}
        elif kind == "to-list":  # the owner posts to the list
            sender = draw(st.sampled_from([OWNER, ALIAS]))
            refs = parent.message_id if parent is not None and draw(st.booleans()) else None
        to = (LIST,) if sender == LIST or kind == "to-list" else (OWNER,)
        item = Interaction(
            f"msg:{mid}",
            Kind.EMAIL,
            when,
            (_p(sender, Role.FROM), *(_p(a, Role.TO) for a in to)),
            subject,
            message_id=mid,
            in_reply_to=refs,
            thread_id=refs or mid,
            references=(refs,) if refs and draw(st.booleans()) else (),
            headers=headers,
        )
        items.append(item)
        if kind == "to-list":
            owner_mail.append(item)
    order = draw(st.permutations(range(len(items))))
    cuts = sorted(draw(st.lists(st.integers(0, len(items)), max_size=4)))
    cycles = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]
    # Passes with nothing new: only time moves (waits end, meetings end, people go quiet).
    cycles += [[] for _ in range(draw(st.integers(1, 3)))]
    clock = START
    clocks = []
    for cycle in cycles:
        latest = max((items[i].occurred_at for i in cycle), default=clock)
        step = timedelta(hours=draw(st.integers(1, 24 * (10 if cycle else 45))))
        clock = max(clock + timedelta(hours=1), latest + step)
        clocks.append(clock)
    decisions = [
        draw(st.lists(st.sampled_from(["approve", "reject", "leave"]), max_size=3)) for _ in cycles
    ]
    return Scenario(items, cycles, clocks, decisions)


# --- running cycles --------------------------------------------------------------------------


def people(ws: Workspace) -> dict[str, PersonView]:
    with ws.session() as s:
        return {p.key: p for p in people_views(s)}


def truth(ws: Workspace) -> dict[str, PersonView]:
    with ws.session() as s:
        items = load_interactions(s)
    return {p.key: p for p in pure_detect(items, policy(ws), now=ws.settings.now())}


def queue(ws: Workspace) -> list[tuple[Any, ...]]:
    with ws.session() as s:
        drafts = s.scalars(select(Draft).order_by(Draft.key))
        return [
            (d.key, d.state, d.rule, tuple(d.to), d.subject, d.body, d.due_at, d.expires_at,
             tuple(d.reasons), d.in_reply_to)
            for d in drafts
        ]  # fmt: skip


def decide(ws: Workspace, decisions: list[str]) -> None:
    with ws.session() as s:
        pending = [
            d.id
            for d in s.scalars(select(Draft).where(Draft.state == "pending").order_by(Draft.key))
        ]
    for draft_id, decision in zip(pending, decisions, strict=False):
        if decision == "approve":
            queue_service.approve(ws, [draft_id])
        elif decision == "reject":
            queue_service.reject(ws, [draft_id])


def cycle(ws: Workspace, scenario: Scenario, index: int, *, full: bool) -> None:
    now = scenario.clocks[index]
    ws = at_clock(ws, now)
    with ws.session() as s:
        account = ensure_account(s, name="demo", kind="files", now=now).id
        items = [scenario.items[i] for i in scenario.cycles[index]]
        upsert_interactions(s, account_id=account, items=items, now=now)
    queue_service.housekeeping(ws)
    detect(ws, full=full)
    draft(ws)
    decide(ws, scenario.decisions[index])
