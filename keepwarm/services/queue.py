"""The approval queue's use cases, shared by the CLI and (later) the web page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keepwarm.models import DraftState
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from keepwarm.store.tables import Draft, Person

ACTOR = "you"


def queue(ws: Workspace, *, state: str | None = None) -> list[dict[str, Any]]:
    """Drafts as the JSON contract of `keepwarm queue --json` (DESIGN.md §9)."""
    if state is not None:
        DraftState(
            state
        )  # a clear ValueError for a misspelt state is raised by the caller's parser
    with ws.session() as session:
        return [
            draft_json(d, p, account) for d, p, account in store.list_drafts(session, state=state)
        ]


def draft_json(d: Draft, p: Person, account: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "state": d.state,
        "rule": d.rule,
        "account": account,
        "to": list(d.to),
        "subject": d.subject,
        "body": d.body,
        "person": {
            "name": p.name,
            "address": p.key,
            "organisation": p.organisation,
            "classification": p.classification,
            "stage": p.stage,
        },
        "due": d.due_at.isoformat(),
        "expires": d.expires_at.isoformat() if d.expires_at else None,
        "reasons": list(d.reasons),
        "interactions": list(d.interaction_ids),
        "created": d.created_at.isoformat(),
        "provider_ref": d.provider_ref,
        "error": d.error,
    }


def approve(ws: Workspace, ids: Sequence[int]) -> list[int]:
    with ws.session() as session:
        done = store.transition(
            session, ids=ids, to=DraftState.APPROVED, actor=ACTOR, now=ws.settings.now()
        )
        return [d.id for d in done]


def reject(ws: Workspace, ids: Sequence[int], *, reason: str = "") -> list[int]:
    with ws.session() as session:
        done = store.transition(
            session,
            ids=ids,
            to=DraftState.REJECTED,
            actor=ACTOR,
            now=ws.settings.now(),
            detail=reason,
        )
        return [d.id for d in done]
