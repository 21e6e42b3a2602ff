"""The one place that turns account settings into connectors."""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.files import FilesConnector
from keepwarm.errors import ConfigError
from keepwarm.ports import Connector
from keepwarm.services.connectors_microsoft import build_microsoft
from keepwarm.settings import (
    AccountSettings,
    FilesAccount,
    GoogleAccount,
    MicrosoftAccount,
    Settings,
)


def build_connector(account: AccountSettings, settings: Settings, *, now: datetime) -> Connector:
    window = (
        now - timedelta(days=settings.detection.baseline_days),
        now + timedelta(days=settings.detection.forward_days),
    )
    if isinstance(account, MicrosoftAccount):
        return build_microsoft(account, settings, now=now)
    if isinstance(account, FilesAccount):
        return FilesConnector(
            account.name,
            mail=[settings.resolve(p) for p in account.mail],
            calendars=[settings.resolve(p) for p in account.calendars],
            drafts_dir=settings.resolve(account.drafts)
            if account.drafts
            else settings.state_path / "drafts" / account.name,
            calendar_window=window,
            snippets=settings.privacy.snippets_for(account.kind),
        )
    if isinstance(account, GoogleAccount):
        from connectors.google import connect  # imports the Google client only when needed

        return connect(
            account,
            state_path=settings.state_path,
            window=window,
            snippets=settings.privacy.snippets_for(account.kind),
        )
    raise ConfigError(
        f"account {account.name!r}: the {account.kind} connector is not available in this version; "
        "remove the account or set kind = 'files'"
    )
