"""`GoogleConnector`: Gmail and Google Calendar of one account behind the Connector protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import httplib2
from google.auth.credentials import Credentials

from connectors.google import gmail as mail
from connectors.google.auth import CommandCredentials, TokenStore, fresh, scopes, token_file
from connectors.google.calendar import CalendarSync, stream_of, unreadable
from connectors.google.client import Endpoints, GoogleClient
from connectors.google.delivery import GmailDelivery
from connectors.google.quota import DEFAULT_UNITS_PER_MINUTE, QuotaLimiter, Retrier
from keepwarm.errors import PermanentError
from keepwarm.models import OutgoingMessage, Quarantined
from keepwarm.ports import Cursor, Page, Receipt, Recorder
from keepwarm.settings import GoogleAccount

log = logging.getLogger(__name__)


class GoogleConnector:
    """One Google account: Gmail stream `gmail`, one stream per calendar `calendar:<id>`."""

    def __init__(
        self,
        account: str,
        *,
        credentials: Credentials | Callable[[], Credentials],
        api_endpoint: str,
        window: tuple[datetime, datetime],
        calendars: Sequence[str] = ("primary",),
        search_filters: bool = True,
        limiter: QuotaLimiter | None = None,
        retrier: Retrier | None = None,
        snippets: bool = False,
    ) -> None:
        self.account = account
        self.snippets = snippets
        self.calendars = list(calendars)
        self._credentials = credentials
        self._settings = (api_endpoint, window, search_filters)
        self._limiter = limiter or QuotaLimiter(DEFAULT_UNITS_PER_MINUTE)
        self._retrier = retrier or Retrier()
        self._client: GoogleClient | None = None

    def _ready(self) -> GoogleClient:
        """Credentials are loaded (and refreshed) at the first request, not at construction,
        so a sign-in problem is reported like any other sync or delivery error."""
        if self._client is None:
            creds = self._credentials
            if callable(creds) and not isinstance(creds, Credentials):
                creds = creds()
            endpoint, window, search_filters = self._settings
            client = GoogleClient(
                self.account, creds, Endpoints(endpoint), self._limiter, self._retrier
            )
            self._gmail = mail.GmailSync(
                client, search_filters=search_filters, snippets=self.snippets
            )
            self._calendar = CalendarSync(client, window=window)
            self._delivery = GmailDelivery(client, search_filters=search_filters)
            self._client = client
        return self._client

    @property
    def limiter(self) -> QuotaLimiter:
        """The mailbox's pacing (Gmail quota units per user per minute)."""
        return self._limiter

    @property
    def client(self) -> GoogleClient:
        return self._ready()

    @property
    def gmail(self) -> mail.GmailSync:
        self._ready()
        return self._gmail

    @property
    def calendar(self) -> CalendarSync:
        self._ready()
        return self._calendar

    @property
    def delivery(self) -> GmailDelivery:
        self._ready()
        return self._delivery

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        """Mail first, then each calendar; every page carries its stream's resume cursor."""
        for page in self.gmail.pull(cursors.get(mail.STREAM)):
            log.info("account %s: gmail page, %d messages", self.account, len(page.interactions))
            yield page
        for calendar_id in self.calendars:
            stream = stream_of(calendar_id)
            try:
                yield from self.calendar.pull(calendar_id, cursors.get(stream))
            except PermanentError as exc:
                # A calendar that cannot be read (wrong id, no access) must not stop the others;
                # its stored position is kept, and the reason says what to fix.
                reason = unreadable(calendar_id, self.account, exc)
                problem = Quarantined(stream, f"calendar {calendar_id}", reason)
                yield Page(stream, quarantined=(problem,), summary={"error": reason})

    def owner_addresses(self) -> set[str]:
        return self.gmail.owner_addresses()

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        return self.delivery.deliver(message, send=send, record=record)

    def find_delivered(self, key: str, *, recorded: str | None = None) -> Receipt | None:
        return self.delivery.find(key, recorded)


def connect(
    account: GoogleAccount,
    *,
    state_path: Path,
    window: tuple[datetime, datetime],
    snippets: bool = False,
) -> GoogleConnector:
    """The connector for configured `account`: `token_command`, else the stored OAuth token
    (refreshed at first use when expired, and saved back)."""

    def credentials() -> Credentials:
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
        return fresh(creds, account=account.name, http=http, store=store)

    return GoogleConnector(
        account.name,
        credentials=credentials,
        api_endpoint=account.api_endpoint,
        window=window,
        calendars=account.calendars,
        search_filters=account.search_filters,
        limiter=QuotaLimiter(account.quota_units_per_minute),
        snippets=snippets,
    )
