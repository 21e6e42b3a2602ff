"""`keepwarm digest`: the same digest the cycle publishes as a Prefect artifact."""

from __future__ import annotations

import sys

import typer

from keepwarm.cli.context import print_json, workspace
from keepwarm.services.digest import digest as digest_service
from keepwarm.services.digest import email_digest, markdown


def register(app: typer.Typer) -> None:
    @app.command()
    def digest(
        ctx: typer.Context,
        days: int = typer.Option(1, "--days", min=1, help="New peers of the last N days."),
        email: bool = typer.Option(
            False, "--email", help="Also put it as a draft in your own mailbox (once a day)."
        ),
        account: str | None = typer.Option(
            None, "--account", help="Mailbox for --email (default: the first account)."
        ),
        json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Print new peers and the drafts waiting for you (markdown).

        Example: keepwarm digest --days 7 --email
        """
        with workspace(ctx) as ws:
            data = digest_service(ws, days=days)
            if email:
                data["email"] = email_digest(ws, account=account, days=days)
        if json:
            print_json(data)
        else:
            sys.stdout.write(markdown(data))
