"""Sync: pull pages from an account's connector into the store, one transaction per page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from keepwarm.collector import collector_paused
from keepwarm.errors import ConfigError, CursorExpired
from keepwarm.ports import Connector, Page
from keepwarm.services.connectors import build_connector
from keepwarm.services.workspace import Workspace
from keepwarm.settings import AccountSettings, FilesAccount, MissingInput, Settings
from keepwarm.store import accounts as store
from keepwarm.store import meta
from keepwarm.store.interactions import forget_snippets, upsert_interactions
from keepwarm.store.locks import serialize
from keepwarm.store.meetings import cancel_deleted_meetings

log = logging.getLogger(__name__)

#: Called after each committed page, for progress bars and flow logs.
ProgressFn = Callable[[str, Page], None]


@dataclass
class SyncReport:
    account: str
    pages: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    error: str | None = None
    streams: list[str] = field(default_factory=list)
    #: Calendar events wholly before the window (`detection.baseline_days`): not read.
    events_before_window: int = 0


def sync_account(ws: Workspace, name: str, *, progress: ProgressFn | None = None) -> SyncReport:
    """Pull everything new for one account. Connector errors are recorded on the account and
    re-raised; a rejected cursor falls back to one full sync."""
    settings = ws.settings
    account = settings.account(name)
    now = settings.now()
    report = SyncReport(account=name)
    missing = settings.missing_inputs(name)
    with ws.session() as session:
        account_id = store.ensure_account(session, name=name, kind=account.kind, now=now).id
        _snippet_policy(session, account_id, keep=settings.privacy.snippets_for(account.kind))
        if missing:  # reported as the account's error below, not as quarantined files
            store.release_quarantined(
                session, account_id=account_id, sources=[str(m.path) for m in missing]
            )
    try:
        connector = build_connector(_present(account, settings), settings, now=now)
        try:
            _pull(ws, account_id, connector, report, progress)
        except CursorExpired:
            log.warning("account %s: sync cursor rejected by the provider; doing a full sync", name)
            with ws.session() as session:
                store.clear_cursors(session, account_id=account_id)
            _pull(ws, account_id, connector, report, progress)
        owner = connector.owner_addresses()
    except Exception as exc:  # recorded for `keepwarm status`, then raised to the caller
        report.error = str(exc) or type(exc).__name__
        with ws.session() as session:
            row = store.ensure_account(session, name=name, kind=account.kind, now=now)
            store.record_sync(
                session, account=row, now=now, error=report.error, error_kind=type(exc).__name__
            )
        raise
    problem = _missing_message(missing)
    with ws.session() as session:
        row = store.ensure_account(session, name=name, kind=account.kind, now=now)
        store.remember_owner_addresses(session, account=row, addresses=owner)
        store.record_sync(
            session,
            account=row,
            now=now,
            error=problem,
            error_kind="ConfigError" if problem else None,
        )
    if problem:
        raise ConfigError(problem)
    log.info(
        "account %s: %d new, %d changed, %d quarantined",
        name,
        report.inserted,
        report.updated,
        report.quarantined,
    )
    return report


def _snippet_policy(session: Session, account_id: int, *, keep: bool) -> None:
    """Remember that an account keeps snippets; once it no longer may, erase what it kept."""
    key = f"snippets:{account_id}"
    kept = meta.read(session, key)
    if keep and not kept:
        meta.write(session, key, 1)
    elif not keep and kept:
        erased = forget_snippets(session, account_id=account_id)
        meta.write(session, key, 0)
        log.info("[privacy] snippets is off: erased %d stored snippets", erased)
def _missing_message(missing: list[MissingInput]) -> str | None:
    if not missing:
        return None
    return (
        "; ".join(map(str, missing))
        + ". Fix the path in keepwarm.toml or remove it (the account's other inputs were synced)."
    )


def _present(account: AccountSettings, settings: Settings) -> AccountSettings:
    """A files account without its paths that do not exist (those are reported by their key)."""
    if not isinstance(account, FilesAccount):
        return account
    return account.model_copy(
        update={
            key: [p for p in getattr(account, key) if settings.resolve(p).exists()]
            for key in ("mail", "calendars")
        }
    )


def _pull(
    ws: Workspace,
    account_id: int,
    connector: Connector,
    report: SyncReport,
    progress: ProgressFn | None,
) -> None:
    with collector_paused():
        _pages(ws, account_id, connector, report, progress)


def _pages(
    ws: Workspace,
    account_id: int,
    connector: Connector,
    report: SyncReport,
    progress: ProgressFn | None,
) -> None:
    now = ws.settings.now()
    with ws.session() as session:
        cursors = store.load_cursors(session, account_id=account_id)
    for page in connector.pull(cursors):
        with ws.session() as session:
            serialize(session, f"sync:{account_id}")  # two workers on one account take turns
            result = upsert_interactions(
                session, account_id=account_id, items=page.interactions, now=now
            )
            if page.cancelled:
                report.updated += cancel_deleted_meetings(
                    session, account_id=account_id, provider_ids=page.cancelled, after=now
                )
            report.quarantined += store.quarantine(
                session, account_id=account_id, items=page.quarantined, now=now
            )
            if page.cursor is not None:
                store.release_quarantined(  # the input reads again: its old problem is stale
                    session, account_id=account_id, sources=[str(page.summary.get("path", ""))]
                )
                store.save_cursor(
                    session, account_id=account_id, stream=page.stream, value=page.cursor,
                    summary=dict(page.summary), now=now,
                )  # fmt: skip
        report.pages += 1
        report.inserted += result.inserted
        report.updated += result.updated
        report.unchanged += result.unchanged
        before = page.summary.get("before_window") if page.summary else None
        if isinstance(before, int):
            report.events_before_window += before
        if page.stream not in report.streams:
            report.streams.append(page.stream)
        if progress is not None:
            progress(report.account, page)
