"""Microsoft accounts → `MicrosoftConnector`: token source, per-mailbox limiter, Graph client."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from connectors.microsoft import MicrosoftConnector
from connectors.microsoft.auth import CommandTokens, MsalTokens, scopes
from connectors.microsoft.graph import Graph, TokenSource
from connectors.microsoft.limiter import Limiter, for_mailbox
from keepwarm.settings import MicrosoftAccount, Settings


def msal_cache_path(settings: Settings, name: str) -> Path:
    """Where an account's MSAL token cache lives (0600; see connectors.microsoft.auth)."""
    return settings.state_path / "tokens" / f"{name}.msal.json"


def microsoft_tokens(account: MicrosoftAccount, settings: Settings) -> TokenSource:
    if account.token_command:
        return CommandTokens(account=account.name, command=account.token_command)
    return MsalTokens(
        account=account.name,
        client_id=account.client_id,
        authority=account.authority_url,
        scopes=scopes(send=account.mode == "send", graph_endpoint=account.graph_endpoint),
        cache_path=msal_cache_path(settings, account.name),
    )


def build_microsoft(
    account: MicrosoftAccount, settings: Settings, *, now: datetime
) -> MicrosoftConnector:
    """The connector for one Microsoft account; the calendar window is baseline back, forward on."""
    window = (
        now - timedelta(days=settings.detection.baseline_days),
        now + timedelta(days=settings.detection.forward_days),
    )
    limiter = for_mailbox(
        (account.graph_endpoint, account.name),
        lambda: Limiter(
            concurrency=account.max_concurrency,
            budget=account.request_budget,
            window=account.budget_window_seconds,
        ),
    )
    graph = Graph(
        account=account.name,
        endpoint=account.graph_endpoint,
        tokens=microsoft_tokens(account, settings),
        limiter=limiter,
        timeout=account.timeout_seconds,
    )
    return MicrosoftConnector(
        account.name,
        graph=graph,
        folders=account.folders,
        calendar_window=window,
        page_size=account.page_size,
        message_headers=account.message_headers,
        send_mode=account.mode == "send",
        calendar=account.calendar,
        snippets=settings.privacy.snippets_for(account.kind),
    )
