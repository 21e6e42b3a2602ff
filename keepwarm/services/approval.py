"""Approving many drafts at once: a preview of what will happen, then every draft that can be.

Bulk approval is never all-or-nothing: each draft that cannot be approved is left as it is and
reported with its reason, and the others are approved. A refusal is whatever `queue.approve`
raises for that one draft (an illegal state, a failed approval check), so a new kind of refusal
needs no change here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keepwarm import queue_states
from keepwarm.errors import InvalidTransition, KeepwarmError, NotFound
from keepwarm.models import DraftState
from keepwarm.services import queue
from keepwarm.services.workspace import Workspace
from keepwarm.store import draftviews as views


@dataclass(frozen=True, slots=True)
class Refused:
    """A draft left as it was, and why (`draft 7 cannot be approved: …`)."""

    id: int
    reason: str


@dataclass
class Approval:
    approved: list[int] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "approved": self.approved,
            "skipped": [{"id": r.id, "reason": r.reason} for r in self.refused],
        }


def _wanted(ws: Workspace, ids: Sequence[int], rule: str | None) -> list[int]:
    wanted = list(dict.fromkeys([*ids, *(queue.pending_of_rule(ws, rule) if rule else [])]))
    if not wanted:
        raise NotFound(
            f"no pending drafts of rule {rule!r}" if rule else "name at least one draft id"
        )
    return wanted


def approve_available(
    ws: Workspace, ids: Sequence[int] = (), *, rule: str | None = None
) -> Approval:
    """Approve every draft among `ids` (and of `rule`) that can be; skip the others, saying why.

    One transaction when all can be approved (1,000 drafts in well under a second); when one
    cannot, each is tried on its own so its refusal stops no other.
    """
    wanted = _wanted(ws, ids, rule)
    try:
        return Approval(approved=queue.approve(ws, wanted))
    except KeepwarmError:
        pass
    result = Approval()
    for draft_id in wanted:
        try:
            result.approved += queue.approve(ws, [draft_id])
        except KeepwarmError as exc:
            result.refused.append(Refused(draft_id, str(exc)))
    return result


def approval_plan(
    ws: Workspace, ids: Sequence[int] = (), *, rule: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """What approving these drafts would do, changing nothing: the drafts that will be
    approved (`will`) and the ones that cannot be, each with its reason (`cannot`)."""
    wanted = _wanted(ws, ids, rule)
    with ws.session() as session:
        rows = {d.id: (d, p) for d, p, _ in views.filtered(session, ids=wanted)}
        problems = queue.approval_problems(session, wanted)
    plan: dict[str, list[dict[str, Any]]] = {"will": [], "cannot": []}
    for draft_id in wanted:
        if draft_id not in rows:
            plan["cannot"].append({"id": draft_id, "reason": f"no draft with id {draft_id}"})
            continue
        d, p = rows[draft_id]
        item = {"id": d.id, "state": d.state, "rule": d.rule, "subject": d.subject,
                "person": p.name or p.key, "to": list(d.to)}  # fmt: skip
        reason = _state_problem(d.id, d.state) or (
            f"draft {d.id} cannot be approved: {problems[d.id]}" if d.id in problems else None
        )
        if reason:
            plan["cannot"].append({**item, "reason": reason})
        else:
            plan["will"].append(item)
    return plan


def _state_problem(draft_id: int, state: str) -> str | None:
    if state == DraftState.APPROVED.value:
        return f"draft {draft_id} is already approved"
    try:
        queue_states.check(draft_id, state, DraftState.APPROVED)
    except InvalidTransition as exc:
        return str(exc)
    return None
