"""Delivery through the outbox: record the attempt, call the provider, record the outcome.

A crash between the record and the outcome leaves the delivery `attempting`; the next run asks
the connector whether it happened (`find_delivered`) before doing anything, so a draft is never
delivered twice. A send whose outcome stays unknown is marked failed, never retried blindly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from keepwarm.errors import ConnectorError, PermanentError
from keepwarm.models import DraftState, OutgoingMessage
from keepwarm.ports import Receipt
from keepwarm.services.connectors import build_connector
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from keepwarm.store.locks import exclusive
from keepwarm.store.tables import Account, Delivery, Draft

log = logging.getLogger(__name__)


@dataclass
class DeliverReport:
    delivered: int = 0
    reconciled: int = 0
    failed: int = 0


def deliver(ws: Workspace) -> DeliverReport:
    """Deliver approved drafts that are due. One deliverer at a time across workers: a second
    one would read an in-flight attempt as a crashed one and could deliver it again."""
    with exclusive(ws.engine, "deliver") as mine:
        if not mine:
            log.info("another worker is delivering; this run delivers nothing")
            return DeliverReport()
        return _deliver(ws)


def _deliver(ws: Workspace) -> DeliverReport:
    settings = ws.settings
    now = settings.now()
    report = DeliverReport()
    with ws.session() as session:
        due = [
            (d.id, session.get(Account, d.account_id)) for d in store.deliverable(session, now=now)
        ]
    for draft_id, account_row in due:
        assert account_row is not None
        account = settings.account(account_row.name)
        connector = build_connector(account, settings, now=now)
        with ws.session() as session:
            draft = store.get_draft(session, draft_id)
            message = _message(ws, draft)
            attempt = store.delivery_of(session, draft_id)
            if attempt is None:
                session.add(Delivery(draft_id=draft_id, state="attempting", started_at=now))
                store.log(
                    session, draft_id=draft_id, now=now, action="delivering", detail=account.name
                )
        # The attempt is committed before the provider call.
        try:
            receipt = connector.find_delivered(message.key) if attempt is not None else None
            if receipt is not None:
                report.reconciled += 1
            else:
                if attempt is not None and account.mode == "send":
                    raise PermanentError(
                        "an earlier send attempt has an unknown outcome; check your Sent folder, "
                        "then reject or re-approve the draft"
                    )
                receipt = connector.deliver(message, send=account.mode == "send")
        except ConnectorError as exc:
            _finish(ws, draft_id, None, error=str(exc), permanent=isinstance(exc, PermanentError))
            report.failed += isinstance(exc, PermanentError)
            log.warning("draft %d: delivery failed: %s", draft_id, exc)
            continue
        _finish(ws, draft_id, receipt)
        report.delivered += 1
    return report


def _message(ws: Workspace, draft: Draft) -> OutgoingMessage:
    owner = ws.settings.owner
    return OutgoingMessage(
        key=draft.key,
        from_address=owner.addresses[0],
        from_name=owner.name,
        to=tuple(draft.to),
        subject=draft.subject,
        body=draft.body,
        in_reply_to=draft.in_reply_to,
        references=(draft.in_reply_to,) if draft.in_reply_to else (),
    )


def _finish(
    ws: Workspace,
    draft_id: int,
    receipt: Receipt | None,
    *,
    error: str = "",
    permanent: bool = False,
) -> None:
    now = ws.settings.now()
    with ws.session() as session:
        draft = store.get_draft(session, draft_id)
        attempt = store.delivery_of(session, draft_id)
        assert attempt is not None
        if receipt is not None:
            attempt.state, attempt.finished_at, attempt.provider_ref = (
                "done",
                now,
                receipt.provider_ref,
            )
            draft.state, draft.provider_ref, draft.updated_at = (
                DraftState.DELIVERED.value,
                receipt.provider_ref,
                now,
            )
            store.log(
                session, draft_id=draft_id, now=now, action="delivered", detail=receipt.provider_ref
            )
        elif permanent:
            attempt.state, attempt.finished_at = "failed", now
            draft.state, draft.error, draft.updated_at = DraftState.FAILED.value, error, now
            store.log(session, draft_id=draft_id, now=now, action="failed", detail=error)
        else:  # transient: the attempt stays open and is reconciled on the next run
            draft.error = error
