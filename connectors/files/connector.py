"""`FilesConnector`: mbox / Maildir / .eml mail and .ics calendars on disk, drafts into a Maildir.

The embedded default account (`make demo` runs on it). It never raises for bad input: missing
paths, unreadable files and unusable messages or events become `Quarantined` entries in the
page of the stream they belong to, and every other stream still syncs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from connectors.files.calendar import calendar_text, read_ics, unchanged
from connectors.files.itip import Ledger, ledger_of
from connectors.files.maildir import read_eml, read_maildir, read_mh
from connectors.files.maildrafts import MaildirDrafts
from connectors.files.mbox import read_mbox
from connectors.files.mboxgz import read_gzip_mbox
from connectors.files.safety import MAX_CALENDAR_BYTES, printable, printable_page
from connectors.files.sources import Source, calendar_sources, mail_sources
from connectors.files.streams import calendar_stream, mail_stream, problem_page
from keepwarm.errors import ConfigError
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Cursor, Page, Receipt, Recorder


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class FilesConnector:
    """One `files` account: the mail and calendar paths it reads and the Maildir it drafts into."""

    def __init__(
        self,
        account: str,
        *,
        mail: Sequence[Path],
        calendars: Sequence[Path],
        drafts_dir: Path,
        calendar_window: tuple[datetime, datetime],
        snippets: bool = False,
    ) -> None:
        self.account = account
        #: Keep each message's first words (`[privacy] snippets`): a bounded read, no extra I/O.
        self.snippets = snippets
        self.mail = list(mail)
        self.calendars = list(calendars)
        self.calendar_window = (_aware(calendar_window[0]), _aware(calendar_window[1]))
        if self.calendar_window[0] > self.calendar_window[1]:
            raise ConfigError(f"account {account!r}: the calendar window ends before it starts")
        self._drafts = MaildirDrafts(Path(drafts_dir), account)

    def pull(self, cursors: Mapping[str, Cursor]) -> Iterator[Page]:
        """Pages for every stream that changed since `cursors`, mail first, then calendars."""
        for source in mail_sources(self.mail):
            pages = self._mail(source, cursors.get(printable(mail_stream(source.path))), self.snippets)
            yield from map(printable_page, pages)
        sources = calendar_sources(self.calendars)
        ledger = self._ledger(sources, cursors)
        for source in sources:
            stream = calendar_stream(source.path)
            if source.kind == "missing":
                page = problem_page(stream, source.path, f"file not found: {source.path}")
                yield printable_page(page)
            elif source.kind == "problem":
                yield printable_page(problem_page(stream, source.path, source.reason))
            else:
                cursor = cursors.get(printable(stream))
                pages = read_ics(source.path, cursor, self.calendar_window, ledger)
                yield from map(printable_page, pages)

    def _ledger(self, sources: list[Source], cursors: Mapping[str, Cursor]) -> Ledger | None:
        """What all invitation files say together (a CANCEL or update in one file changes what
        another's meeting is); read only when some calendar file must be read anyway."""
        files = [s.path for s in sources if s.kind == "ics"]
        if len(files) < 2 or all(
            unchanged(path, cursors.get(printable(calendar_stream(path))), self.calendar_window)
            for path in files
        ):
            return None
        texts = []
        for path in files:
            try:
                with path.open("rb") as f:
                    data = f.read(MAX_CALENDAR_BYTES + 1)
            except OSError:
                continue  # reported when the file itself is read
            if len(data) <= MAX_CALENDAR_BYTES:
                texts.append((str(path), calendar_text(data)))
        return ledger_of(texts)

    @staticmethod
    def _mail(source: Source, cursor: Cursor | None, snippets: bool) -> Iterator[Page]:
        if source.kind == "mbox":
            return read_mbox(source.path, cursor, snippets=snippets)
        if source.kind == "mboxgz":
            return read_gzip_mbox(source.path, cursor, snippets=snippets)
        if source.kind == "maildir":
            return read_maildir(source.path, cursor, snippets=snippets)
        if source.kind == "mh":
            return read_mh(source.path, cursor, snippets=snippets)
        if source.kind == "eml":
            return read_eml(source.path, cursor, snippets=snippets)
        stream = mail_stream(source.path)
        if source.kind == "problem":
            return iter([problem_page(stream, source.path, source.reason)])
        return iter([problem_page(stream, source.path, f"file not found: {source.path}")])

    def owner_addresses(self) -> set[str]:
        """Files carry no account identity: the owner's addresses come from the configuration."""
        return set()

    def deliver(
        self, message: OutgoingMessage, *, send: bool, record: Recorder | None = None
    ) -> Receipt:
        """Write the draft into the drafts Maildir once per key (sending is not possible; the
        write is atomic, so there is nothing to `record` before it)."""
        return self._drafts.deliver(message, send=send)

    def find_delivered(self, key: str, *, recorded: str | None = None) -> Receipt | None:
        return self._drafts.find(key)
