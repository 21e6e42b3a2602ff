"""The trigger registry: the one place that names every trigger type.

Each entry ties a name to its model (what a rule file may write), its function (when it
fires) and how it behaves (whether `after` is part of the condition, which kinds of
interaction it can fire on). The JSON Schema, the parser's hints, `rules check`, evaluation and
the docs' table are all derived from `REGISTRY`. Adding a trigger: a model and a function in
triggers.py, when it may fire anew in triggerwakes.py (incremental drafting wakes people then),
a name in `TriggerType`, a case below — mypy refuses a name without a case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar, assert_never, get_args

from keepwarm.models import Kind
from keepwarm.rules import triggerwakes
from keepwarm.rules.triggers import (
    Hit,
    MeetingEndedTrigger,
    NewPeerTrigger,
    NoReplyTrigger,
    QuietTrigger,
    ReplyOwedTrigger,
    Situation,
    TriggerBase,
    YearlyTrigger,
    meeting_ended,
    new_peer,
    no_reply,
    quiet,
    reply_owed,
    yearly,
)

TriggerType = Literal["new_peer", "no_reply", "reply_owed", "quiet", "meeting_ended", "yearly"]
M = TypeVar("M", bound=TriggerBase)
_ANY_KIND = frozenset(Kind)


@dataclass(frozen=True, slots=True)
class TriggerSpec(Generic[M]):
    name: str
    model: type[M]
    fire: Callable[[M, Situation], Hit | None]
    #: True: the trigger only holds once the rule's `after` has passed ("no answer in 5 days").
    waits_first: bool
    #: The kinds of interaction a hit can rest on (a `meeting:` condition needs a meeting).
    kinds: frozenset[Kind]
    #: The next moment it may fire anew with the same touches, if only time passes (drafting
    #: looks at the person again then, not before): `keepwarm.rules.triggerwakes`.
    wakes: Callable[[M, Situation], datetime | None]


def _spec(name: TriggerType) -> TriggerSpec[Any]:
    match name:
        case "new_peer":
            return TriggerSpec(
                name, NewPeerTrigger, new_peer, False, _ANY_KIND, triggerwakes.new_peer
            )
        case "no_reply":
            return TriggerSpec(
                name, NoReplyTrigger, no_reply, True, frozenset({Kind.EMAIL}), triggerwakes.no_reply
            )
        case "reply_owed":
            return TriggerSpec(
                name,
                ReplyOwedTrigger,
                reply_owed,
                True,
                frozenset({Kind.EMAIL}),
                triggerwakes.reply_owed,
            )
        case "quiet":
            return TriggerSpec(name, QuietTrigger, quiet, False, _ANY_KIND, triggerwakes.quiet)
        case "meeting_ended":
            return TriggerSpec(
                name, MeetingEndedTrigger, meeting_ended, False, frozenset({Kind.MEETING}),
                triggerwakes.meeting_ended,
            )  # fmt: skip
        case "yearly":
            return TriggerSpec(name, YearlyTrigger, yearly, False, _ANY_KIND, triggerwakes.yearly)
        case _:
            assert_never(name)


def _checked(spec: TriggerSpec[Any]) -> TriggerSpec[Any]:
    declared = get_args(spec.model.model_fields["type"].annotation)
    if declared != (spec.name,):
        raise TypeError(f"{spec.model.__name__}.type is {declared}, registered as {spec.name!r}")
    return spec


REGISTRY: Mapping[str, TriggerSpec[Any]] = MappingProxyType(
    {name: _checked(_spec(name)) for name in get_args(TriggerType)}
)
TRIGGER_TYPES: tuple[str, ...] = tuple(REGISTRY)
TRIGGER_MODELS: tuple[type[TriggerBase], ...] = tuple(s.model for s in REGISTRY.values())
#: Triggers that only hold once the rule's `after` has elapsed (the wait is the condition).
WAIT_FIRST: frozenset[str] = frozenset(n for n, s in REGISTRY.items() if s.waits_first)


def fire(trigger: TriggerBase, situation: Situation) -> Hit | None:
    """The trigger's current instance for this person, or None."""
    spec: TriggerSpec[Any] = REGISTRY[trigger.type]
    return spec.fire(trigger, situation)


def wakes(trigger: TriggerBase, situation: Situation) -> datetime | None:
    """When the trigger may fire anew for this person if only time passes, or None."""
    spec: TriggerSpec[Any] = REGISTRY[trigger.type]
    return spec.wakes(trigger, situation)
