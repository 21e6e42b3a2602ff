"""`keepwarm auth ACCOUNT [--no-browser]`: sign an account in with its provider."""

from __future__ import annotations

import typer

from keepwarm.cli.context import err, settings_for
from keepwarm.services.auth import authorise


def register(app: typer.Typer) -> None:
    @app.command()
    def auth(
        ctx: typer.Context,
        account: str = typer.Argument(..., help="The account name from keepwarm.toml."),
        no_browser: bool = typer.Option(
            False, "--no-browser", help="Print the sign-in URL instead of opening a browser."
        ),
    ) -> None:
        """Sign ACCOUNT in with its provider and store the token (0600) in the state folder.

        Example: keepwarm auth work --no-browser
        """
        authorise(
            settings_for(ctx),
            account,
            no_browser=no_browser,
            echo=lambda line: err.print(line, highlight=False, markup=False, soft_wrap=True),
        )
