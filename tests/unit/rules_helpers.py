"""Builders for rule-engine tests: people, touches and rules without files or a database."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from keepwarm.models import Classification, Owner, PersonView, Stage
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.history import Direction, Touch
from keepwarm.rules.parse import parse_rules

#: Friday 20 November 2026, 18:00 UTC (18:00 in London).
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
OWNER = Owner(
    name="Ada Lovelace",
    addresses=["ada@analytical.example"],
    domains=["analytical.example"],
    timezone="Europe/London",
    signature="Ada Lovelace\nAnalytical Engines",
)
_ids = itertools.count(1000)


def touch(
    direction: Direction,
    days_ago: float,
    *,
    subject: str = "Hello",
    size: int = 1,
    account: str = "demo",
    hours: float = 0,
    **extra: object,
) -> Touch:
    n = next(_ids)
    at = NOW - timedelta(days=days_ago, hours=hours)
    return Touch(
        at=at,
        direction=direction,
        interaction_id=n,
        account=account,
        provider_id=f"p{n}",
        subject=subject,
        message_id=f"<m{n}@x.example>" if direction != "meeting" else None,
        ended_at=at + timedelta(hours=1) if direction == "meeting" else None,
        size=size,
        **extra,  # type: ignore[arg-type]
    )


def person(**changes: object) -> PersonView:
    base = PersonView(
        key="grace@navy.example",
        name="Grace Hopper",
        addresses=("grace@navy.example",),
        classification=Classification.PEER,
        reasons=("you met",),
        stage=Stage.GROWING,
        first_seen=NOW - timedelta(days=200),
        last_seen=NOW - timedelta(days=1),
        organisation="navy.example",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def rule(yaml_body: str, name: str = "r") -> LoadedRule:
    """One rule from YAML lines (indented under `- name:`); the draft block is added."""
    text = f"rules:\n  - name: {name}\n" + "".join(
        f"    {line}\n" for line in yaml_body.strip("\n").splitlines()
    )
    if "draft:" not in yaml_body:
        text += (
            "    draft:\n      subject: 'Hi {{ person.first_name }}'\n"
            "      body: 'About {{ interaction.subject }}'\n"
        )
    return LoadedRule(parse_rules(text, "t.yaml")[0], "t.yaml")
