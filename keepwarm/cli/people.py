"""`peers`, `why`, `status`: read-only views of people and accounts."""

from __future__ import annotations

import typer
from rich.table import Table

from keepwarm.cli.context import guarded, out, print_json, workspace
from keepwarm.services import reports


def register(app: typer.Typer) -> None:
    @app.command()
    def peers(
        ctx: typer.Context,
        all_: bool = typer.Option(False, "--all", help="Everyone, not only peers."),
        json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """List professional peers with their stage and the reasons behind it.

        Example: keepwarm peers --all --json
        """

        def body() -> None:
            with workspace(ctx) as ws:
                people = reports.peers(ws, everyone=all_)
            if json:
                print_json(people)
                return
            table = Table(title="People" if all_ else "Peers", title_justify="left")
            for column in ("name", "address", "classification", "stage", "last seen", "why"):
                table.add_column(column, overflow="fold")
            for p in people:
                table.add_row(
                    p["name"], p["addresses"][0], p["classification"], p["stage"] or "",
                    p["last_seen"][:10], "; ".join(p["reasons"]),
                )  # fmt: skip
            out.print(table)

        guarded(body)

    @app.command()
    def why(ctx: typer.Context, address: str, json: bool = typer.Option(False, "--json")) -> None:
        """Explain how an address is classified, with every reason.

        Example: keepwarm why grace.hopper@navylabs.example
        """

        def body() -> None:
            with workspace(ctx) as ws:
                info = reports.why(ws, address)
            if json:
                print_json(info)
                return
            out.print(
                f"[bold]{info['address']}[/] ({info['name'] or 'no name'}): {info['classification']}"
            )
            for reason in info["reasons"]:
                out.print(f"  • {reason}", highlight=False, markup=False)

        guarded(body)

    @app.command()
    def status(ctx: typer.Context, json: bool = typer.Option(False, "--json")) -> None:
        """Sync health per account (last success, stalled, last error and its fix) and recent runs.

        Example: keepwarm status --json
        """

        def body() -> None:
            with workspace(ctx) as ws:
                info = reports.status(ws)
            if json:
                print_json(info)
                return
            for a in info["accounts"]:
                out.print(
                    f"[bold]{a['name']}[/] ({a['kind']}): {a['interactions']} interactions, "
                    f"last success {a['last_success'] or 'never'}"
                )
                if a["stalled"]:
                    out.print(
                        f"  [red]stalled:[/] no successful sync for over "
                        f"{info['stalled_after_minutes']} minutes"
                    )
                if a["last_error"]:
                    out.print(f"  [red]last error:[/] {a['last_error']}", highlight=False)
                    out.print(f"  [bold]fix:[/] {a['fix']}", highlight=False)
                for i in a["inputs"]:
                    counts = ", ".join(f"{k} {v}" for k, v in i.items() if isinstance(v, int))
                    out.print(f"  {i.get('path', i['stream'])}: {counts}", highlight=False)
                for q in a["quarantined"]:
                    out.print(
                        f"  [yellow]quarantined[/] {q['source']} @ {q['position']}: {q['reason']}",
                        highlight=False,
                    )
            if info["runs"]:
                out.print("\n[bold]Recent runs[/] (synced / peers / drafted / delivered)")
            for r in info["runs"]:
                errors = "; ".join(e.get("account", e.get("stage", "")) for e in r["errors"])
                out.print(
                    f"  {r['started_at']} {r['flow']} {r['state']}: {r['synced']} / "
                    f"{r['detected']} / {r['drafted']} / {r['delivered']}"
                    + (f"  [red]errors: {errors}[/]" if errors else ""),
                    highlight=False,
                )

        guarded(body)
