"""`keepwarm auth ACCOUNT` for Microsoft accounts: MSAL's device-code flow into the token cache.

The device-code flow prints a URL and a code to enter on any device, so it works over SSH and
without a browser (`no_browser` changes nothing here). The cache file is 0600.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.microsoft.auth import device_flow, public_app, scopes, token_cache
from keepwarm.errors import ConfigError
from keepwarm.services.connectors_microsoft import msal_cache_path
from keepwarm.settings import AccountSettings, MicrosoftAccount, Settings


def authorise(
    settings: Settings,
    account: AccountSettings,
    *,
    no_browser: bool,
    echo: Callable[[str], None],
) -> None:
    """Sign the account in and keep its refresh token in the persistent MSAL cache."""
    del no_browser  # device code never needs a local browser
    if not isinstance(account, MicrosoftAccount):
        raise ConfigError(f"account {account.name!r} is not a microsoft account")
    if account.token_command:
        echo(
            f"account {account.name!r} gets its tokens from token_command; nothing to sign in. "
            "Remove token_command to use keepwarm's own sign-in."
        )
        return
    path = msal_cache_path(settings, account.name)
    app = public_app(
        account=account.name,
        client_id=account.client_id,
        authority=account.authority_url,
        cache=token_cache(path),
    )
    who = device_flow(
        app,
        scopes(send=account.mode == "send", graph_endpoint=account.graph_endpoint),
        account=account.name,
        echo=echo,
    )
    path.chmod(0o600)
    echo(f"account {account.name!r} signed in{' as ' + who if who else ''}; token cache: {path}")
