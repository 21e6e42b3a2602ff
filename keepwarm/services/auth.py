"""`keepwarm auth ACCOUNT`: sign an account in with its provider, by account kind.

Each provider contributes one function with the same signature; the table maps an account's
`kind` to it. Tokens are written under the state folder with 0600 permissions and never echoed.
"""

from __future__ import annotations

from collections.abc import Callable

from keepwarm.errors import ConfigError
from keepwarm.services.auth_microsoft import authorise as authorise_microsoft
from keepwarm.settings import AccountSettings, GoogleAccount, Settings

Authorise = Callable[..., None]


def authorise_google(
    settings: Settings,
    account: AccountSettings,
    *,
    no_browser: bool,
    echo: Callable[[str], None],
) -> None:
    """Run Google's installed-app flow (loopback redirect) and store the token privately."""
    from connectors.google.auth import (
        TokenStore,
        run_installed_app_flow,
        scopes,
        token_file,
    )

    assert isinstance(account, GoogleAccount)
    if account.token_command:
        echo(
            f"account {account.name!r} gets its tokens from token_command; nothing to sign in. "
            "Remove token_command from keepwarm.toml to use the OAuth flow instead."
        )
        return
    if account.client_secrets is None:
        raise ConfigError(
            f"account {account.name!r}: set client_secrets = 'PATH' in keepwarm.toml to an OAuth "
            "client JSON ('Desktop app' client from the Google Cloud console), or set token_command"
        )
    wanted = scopes(search_filters=account.search_filters)
    creds = run_installed_app_flow(
        settings.resolve(account.client_secrets),
        scope_list=wanted,
        no_browser=no_browser,
        echo=echo,
    )
    path = token_file(settings.state_path, account.name)
    TokenStore(path, account=account.name, scopes=wanted).save(creds)
    echo(f"account {account.name!r} is signed in; token stored in {path} (readable by you only)")


#: The sign-in function of each account kind (other providers add theirs here).
AUTHORISERS: dict[str, Authorise] = {"google": authorise_google, "microsoft": authorise_microsoft}


def authorise(
    settings: Settings, name: str, *, no_browser: bool, echo: Callable[[str], None]
) -> None:
    account = settings.account(name)
    handler = AUTHORISERS.get(account.kind)
    if handler is None:
        raise ConfigError(
            f"account {name!r} is of kind {account.kind!r}, which needs no sign-in "
            f"(sign-in exists for: {', '.join(sorted(AUTHORISERS))})"
        )
    handler(settings, account, no_browser=no_browser, echo=echo)
