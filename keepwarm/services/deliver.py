"""Delivery through the outbox: record the attempt, call the provider, record the outcome.

A crash between the record and the outcome leaves the delivery `attempting`; the next run asks
the connector whether it happened (`find_delivered`) before doing anything, so a draft is never
delivered twice. A send whose outcome stays unknown is marked failed, never retried blindly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from keepwarm.errors import ConfigError, ConnectorError, PermanentError
from keepwarm.mailsafety import address_problem, header_problem, text_problem
from keepwarm.models import DraftState, OutgoingMessage
from keepwarm.ports import Connector, Receipt, Recorder
from keepwarm.redact import redact
from keepwarm.rules import placeholders
from keepwarm.services.connectors import build_connector
from keepwarm.services.replies import reply_threading
from keepwarm.services.workspace import Workspace
from keepwarm.store import drafts as store
from keepwarm.store.locks import exclusive
from keepwarm.store.tables import Account, Delivery, Draft

log = logging.getLogger(__name__)

#: The recorded points of one delivery, in order; tests crash the deliver step at each of them.
CHECKPOINTS = ("recorded", "provider-called", "finished")
Checkpoint = Callable[[str, int], None]


def _no_checkpoint(point: str, draft_id: int) -> None:
    return None


@dataclass
class DeliverReport:
    delivered: int = 0
    reconciled: int = 0
    failed: int = 0
    #: Approved drafts not delivered: their account is not configured (see the log), or a
    #: [[placeholder]] is still in them (sent back to pending).
    skipped: int = 0
    #: Another deliverer held the outbox; nothing was attempted by this run.
    busy: bool = False


def deliver(ws: Workspace, *, checkpoint: Checkpoint = _no_checkpoint) -> DeliverReport:
    """Deliver every approved draft whose window has opened, each exactly once.

    `checkpoint(point, draft_id)` is called after each recorded step (see `CHECKPOINTS`); the
    crash tests raise there to prove a restart never delivers twice and never loses a draft.
    Only one deliverer runs per workspace at a time (`store.locks.exclusive`).
    """
    # A second deliverer would read a live attempt as a crashed one: one at a time, across
    # processes and (on PostgreSQL) machines.
    with exclusive(ws.engine, "deliver") as mine:
        if not mine:
            log.info("another process is delivering; skipping this run")
            return DeliverReport(busy=True)
        return _deliver(ws, checkpoint)


def _deliver(ws: Workspace, checkpoint: Checkpoint) -> DeliverReport:
    settings = ws.settings
    now = settings.now()
    report = DeliverReport()
    with ws.session() as session:
        store.wake_and_expire(session, now=now)
        due = [
            (d.id, session.get(Account, d.account_id)) for d in store.deliverable(session, now=now)
        ]
    connectors: dict[str, Connector] = {}
    for draft_id, account_row in due:
        assert account_row is not None
        try:
            account = settings.account(account_row.name)
            if account.name not in connectors:
                connectors[account.name] = build_connector(account, settings, now=now)
        except ConfigError as exc:
            # The account left the config (or can't deliver): keep the draft approved, move on.
            log.warning("draft %d stays approved: %s", draft_id, exc)
            report.skipped += 1
            continue
        connector = connectors[account.name]
        with ws.session() as session:
            draft = store.lock_draft(session, draft_id)
            if draft.state != DraftState.APPROVED.value:
                continue  # taken back since the listing: nothing unapproved is delivered
            left = placeholders.find(draft.subject, draft.body)
            if left and store.delivery_of(session, draft_id) is None:
                # Never leaves with a placeholder (approve refuses it; this is the last guard).
                draft.state, draft.updated_at = DraftState.PENDING.value, now
                store.log(session, draft_id=draft_id, now=now, action="pending",
                          detail=placeholders.refusal(draft_id, draft.rule, left))  # fmt: skip
                report.skipped += 1
                continue
            message = _message(ws, draft, session)
            problem = undeliverable(message)
            if problem is not None:
                # Nothing reached the provider: this draft fails alone, the others go on.
                draft.state, draft.error, draft.updated_at = DraftState.FAILED.value, problem, now
                store.log(session, draft_id=draft_id, now=now, action="failed", detail=problem)
                report.failed += 1
                log.warning("draft %d: cannot be delivered: %s", draft_id, problem)
                continue
            attempt = store.delivery_of(session, draft_id)
            recorded = attempt.provider_ref if attempt is not None else None
            if attempt is None:
                session.add(Delivery(draft_id=draft_id, state="attempting", started_at=now))
                store.log(
                    session, draft_id=draft_id, now=now, action="delivering", detail=account.name
                )
        # The attempt is committed before the provider call.
        checkpoint("recorded", draft_id)
        try:
            record = _recorder(ws, draft_id)
            receipt = (
                connector.find_delivered(message.key, recorded=recorded)
                if attempt is not None
                else None
            )
            if receipt is not None and account.mode == "send" and not receipt.sent:
                # The draft exists but was never sent (a sent draft is no longer a draft):
                # sending it now is the first send, and the connector reuses that draft.
                receipt = connector.deliver(message, send=True, record=record)
            if receipt is not None:
                report.reconciled += 1
            else:
                if attempt is not None and account.mode == "send":
                    raise PermanentError(
                        "an earlier send attempt has an unknown outcome; check your Sent folder, "
                        "then reject or re-approve the draft"
                    )
                receipt = connector.deliver(message, send=account.mode == "send", record=record)
        except ConnectorError as exc:
            _finish(ws, draft_id, None, error=str(exc), permanent=isinstance(exc, PermanentError))
            report.failed += isinstance(exc, PermanentError)
            log.warning("draft %d: delivery failed: %s", draft_id, redact(str(exc)))
            continue
        except Exception as exc:  # a bug or a library refusing this draft: it fails alone
            # Failed, not retried: re-approving it reconciles through `find_delivered` first.
            error = f"cannot deliver: {type(exc).__name__}: {exc}"
            _finish(ws, draft_id, None, error=error, permanent=True)
            report.failed += 1
            log.warning("draft %d: %s", draft_id, redact(error))
            continue
        checkpoint("provider-called", draft_id)
        _finish(ws, draft_id, receipt)
        checkpoint("finished", draft_id)
        report.delivered += 1
    return report


def _recorder(ws: Workspace, draft_id: int) -> Recorder:
    """Keeps what the connector says about an unsent delivery (its draft's ids) on the open
    attempt, committed before the connector sends, so a crash can be reconciled by those ids."""

    def record(provider_ref: str) -> None:
        with ws.session() as session:
            attempt = store.delivery_of(session, draft_id)
            if attempt is not None and attempt.state == "attempting":
                attempt.provider_ref = provider_ref

    return record


def undeliverable(message: OutgoingMessage) -> str | None:
    """Why `message` cannot become a mail (a header character, a bad address), or None."""
    if not message.to:
        return "the draft has no recipient; edit it and add one"
    for field, value in (
        ("Subject", message.subject),
        ("From", message.from_name),
        ("From", message.from_address),
        *(("To", address) for address in message.to),
        *(("In-Reply-To", ref) for ref in (message.in_reply_to, *message.references) if ref),
    ):
        problem = header_problem(field, value)
        if problem is not None:
            return problem
    for address in message.to:  # the owner's own address was validated with the settings
        problem = address_problem(address)
        if problem is not None:
            return f"{address!r} is not a usable address ({problem}); edit the draft"
    return text_problem("Body", message.body)


def _message(ws: Workspace, draft: Draft, session: Session) -> OutgoingMessage:
    owner = ws.settings.owner
    thread_id, references = reply_threading(session, draft)
    return OutgoingMessage(
        key=draft.key,
        from_address=owner.addresses[0],
        from_name=owner.name,
        to=tuple(draft.to),
        subject=draft.subject,
        body=draft.body,
        in_reply_to=draft.in_reply_to,
        references=references,
        thread_id=thread_id,
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
    error = redact(error)  # provider error bodies quote tokens: never store them
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
