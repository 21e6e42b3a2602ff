"""`GoogleConnector`: Gmail and Google Calendar of one account behind the Connector protocol."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import httplib2
from google.auth.credentials import Credentials

from connectors.google import gmail
from connectors.google.auth import CommandCredentials, TokenStore, fresh, scopes, token_file
from connectors.google.calendar import CalendarSync, stream_of
from connectors.google.client import Endpoints, GoogleClient
from connectors.google.delivery import GmailDelivery
from connectors.google.quota import QuotaLimiter, Retrier
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Cursor, Page, Receipt
from keepwarm.settings import GoogleAccount

log = logging.getLogger(__name__)


class GoogleConnector:
    """One Google account: Gmail stream `gmail`, one stream per calendar `calendar:<id>`."""

    def __init__(
        self,
        account: str,
        *,
        credentials: Credentials,
        api_endpoint: str,
        window: tuple[datetime, datetime],
        calendars: Sequence[str] = ("primary",),
        search_filters: bool = True,
        limiter: QuotaLimiter | None = None,
        retrier: Retrier | None = None,
    ) -> None:
        self.account = account
        self.client = GoogleClient(
            account,
            credentials,
            Endpoints(api_endpoint),
            limiter or QuotaLimiter(6000),
            retrier or Retrier(),
        )
        self.calendars = list(calendars)
        self.gmail = gmail.GmailSync(self.client, search_filters=search_filters)
        self.calendar = CalendarSync(self.client, window=window)
        self.delivery = GmailDelivery(self.client, search_filters=search_filters)

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        """Mail first, then each calendar; every page carries its stream's resume cursor."""
        for page in self.gmail.pull(cursors.get(gmail.STREAM)):
            log.info("account %s: gmail page, %d messages", self.account, len(page.interactions))
            yield page
        for calendar_id in self.calendars:
            yield from self.calendar.pull(calendar_id, cursors.get(stream_of(calendar_id)))

    def owner_addresses(self) -> set[str]:
        return self.gmail.owner_addresses()

    def deliver(self, message: OutgoingMessage, *, send: bool) -> Receipt:
        return self.delivery.deliver(message, send=send)

    def find_delivered(self, key: str) -> Receipt | None:
        return self.delivery.find(key)


def connect(
    account: GoogleAccount,
    *,
    state_path: Path,
    window: tuple[datetime, datetime],
) -> GoogleConnector:
    """The connector for configured `account`: `token_command`, else the stored OAuth token
    (refreshed now if expired, and saved back)."""
    http = httplib2.Http(timeout=60)
    store: TokenStore | None = None
    creds: Credentials
    if account.token_command:
        creds = CommandCredentials(account.token_command, account=account.name)
    else:
        store = TokenStore(
            token_file(state_path, account.name),
            account=account.name,
            scopes=scopes(search_filters=account.search_filters),
        )
        creds = store.load()
    creds = fresh(creds, account=account.name, http=http, store=store)
    limiter = QuotaLimiter(account.quota_units_per_minute)
    return GoogleConnector(
        account.name,
        credentials=creds,
        api_endpoint=account.api_endpoint,
        window=window,
        calendars=account.calendars,
        search_filters=account.search_filters,
        limiter=limiter,
    )
