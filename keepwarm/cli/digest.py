"""`keepwarm digest`: the same digest the cycle publishes as a Prefect artifact."""

from __future__ import annotations

import sys

import typer

from keepwarm.cli.context import guarded, print_json, workspace
from keepwarm.services.digest import digest as digest_service
from keepwarm.services.digest import markdown


def register(app: typer.Typer) -> None:
    @app.command()
    def digest(
        ctx: typer.Context,
        days: int = typer.Option(1, "--days", min=1, help="New peers of the last N days."),
        json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Print new peers and the drafts waiting for you (markdown).

        Example: keepwarm digest --days 7
        """

        def body() -> None:
            with workspace(ctx) as ws:
                data = digest_service(ws, days=days)
            if json:
                print_json(data)
            else:
                sys.stdout.write(markdown(data))

        guarded(body)
