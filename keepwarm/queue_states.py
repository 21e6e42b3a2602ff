"""The approval queue's state machine: the ONE place that says which moves a draft may make.

Pure (no I/O, no clock): the store, the queue service, delivery and the rule engine's automatic
withdrawal all ask `check` before changing a draft's state, so a surface can never invent a move.
"""

from __future__ import annotations

from keepwarm.errors import InvalidTransition, UnfinishedDraft
from keepwarm.models import DraftState
from keepwarm.rules import placeholders

P, A, D = DraftState.PENDING, DraftState.APPROVED, DraftState.DELIVERED
R, S, W = DraftState.REJECTED, DraftState.SNOOZED, DraftState.WITHDRAWN
E, F = DraftState.EXPIRED, DraftState.FAILED

#: from-state -> the states it may move to.
TRANSITIONS: dict[DraftState, frozenset[DraftState]] = {
    P: frozenset({A, R, S, W, E}),
    S: frozenset({P, A, R, W, E}),
    # An approved draft can still be taken back (reject, snooze) until delivery starts.
    A: frozenset({D, F, R, S, W, E, P}),
    # A failed delivery can be re-approved after the user checked the provider, or dropped.
    F: frozenset({A, R}),
    D: frozenset(),
    R: frozenset(),
    W: frozenset(),
    E: frozenset(),
}

#: States a draft can still be delivered from, eventually: the "open" part of the queue.
OPEN: frozenset[DraftState] = frozenset({P, S, A})
#: States in which the user may edit subject, body and recipients.
EDITABLE: frozenset[DraftState] = frozenset({P, S, A, F})
TERMINAL: frozenset[DraftState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

_VERBS = {
    A: "approved",
    D: "delivered",
    R: "rejected",
    S: "snoozed",
    W: "withdrawn",
    E: "expired",
    F: "marked failed",
    P: "returned to pending",
}


def allowed(current: DraftState | str, target: DraftState | str) -> bool:
    return DraftState(target) in TRANSITIONS[DraftState(current)]


def sources(target: DraftState | str) -> list[DraftState]:
    """The states from which `target` can be reached (for error messages and queries)."""
    t = DraftState(target)
    return [s for s, nxt in TRANSITIONS.items() if t in nxt]


def check(draft_id: int, current: DraftState | str, target: DraftState | str) -> None:
    """Raise a clear `InvalidTransition` unless `current` -> `target` is a legal move."""
    cur, tgt = DraftState(current), DraftState(target)
    if tgt in TRANSITIONS[cur]:
        return
    if cur in TERMINAL:
        hint = f"it is {cur.value}, which is final"
    else:
        hint = f"only {', '.join(s.value for s in sources(tgt))} drafts can be {_VERBS[tgt]}"
    raise InvalidTransition(f"draft {draft_id} is {cur.value} and cannot be {_VERBS[tgt]}: {hint}")


def check_editable(draft_id: int, current: DraftState | str) -> None:
    cur = DraftState(current)
    if cur not in EDITABLE:
        raise InvalidTransition(
            f"draft {draft_id} is {cur.value} and cannot be edited; only "
            f"{', '.join(sorted(s.value for s in EDITABLE))} drafts can"
        )


def check_complete(draft_id: int, rule: str, subject: str, body: str) -> None:
    """Raise `UnfinishedDraft` while a `[[placeholder]]` remains: it is never approved as is."""
    found = placeholders.find(subject, body)
    if found:
        raise UnfinishedDraft(placeholders.refusal(draft_id, rule, found))
