"""`peers` (and its overrides `block`, `allow`, `forget`, `merge`), `why`, `status`."""

from __future__ import annotations

import typer
from rich.table import Table

from keepwarm.cli.context import out, print_json, workspace
from keepwarm.services import reports
from keepwarm.services.people import override as override_detection
from keepwarm.services.people import why as explain


def register(app: typer.Typer) -> None:
    peers_app = typer.Typer(
        name="peers",
        invoke_without_command=True,
        no_args_is_help=False,
        help="Professional peers; `block`, `allow`, `forget` and `merge` correct detection.",
    )
    app.add_typer(peers_app)

    @peers_app.callback()
    def peers(
        ctx: typer.Context,
        all_: bool = typer.Option(False, "--all", help="Everyone, not only peers."),
        json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """List professional peers with their stage and the reasons behind it.

        Example: keepwarm peers --all --json
        """
        if ctx.invoked_subcommand is not None:
            return

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

    def _override(ctx: typer.Context, action: str, target: str, other: str | None) -> None:
        with workspace(ctx) as ws:
            result = override_detection(ws, action, target, other)
        done = "recorded" if result.recorded else "already recorded"
        what = f"{action} {result.target}" + (f" {other.strip().lower()}" if other else "")
        now = f"; now {result.classification}" if result.classification else ""
        out.print(f"{what}: {done}{now}", highlight=False, markup=False)

    @peers_app.command("block")
    def block(
        ctx: typer.Context, target: str = typer.Argument(..., metavar="ADDRESS|@DOMAIN")
    ) -> None:
        """Never treat this address or domain (subdomains included) as a peer.

        Example: keepwarm peers block @leadgen-pro.example
        """
        _override(ctx, "block", target, None)

    @peers_app.command("allow")
    def allow(
        ctx: typer.Context, target: str = typer.Argument(..., metavar="ADDRESS|@DOMAIN")
    ) -> None:
        """Treat this address or domain as a peer despite a role, free-mail or automated look.

        Example: keepwarm peers allow barbara.liskov.home@gmail.com
        """
        _override(ctx, "allow", target, None)

    @peers_app.command("forget")
    def forget(
        ctx: typer.Context, target: str = typer.Argument(..., metavar="ADDRESS|@DOMAIN")
    ) -> None:
        """Delete this person (every address of theirs) and their drafts; never re-create them.

        Example: keepwarm peers forget dan.seller@leadgen-pro.example
        """
        _override(ctx, "forget", target, None)

    @peers_app.command("merge")
    def merge(
        ctx: typer.Context,
        first: str = typer.Argument(..., metavar="ADDRESS"),
        second: str = typer.Argument(..., metavar="ADDRESS"),
    ) -> None:
        """Make two addresses one person (kept across syncs).

        Example: keepwarm peers merge kj@orbital.example katherine@kj-consulting.example
        """
        _override(ctx, "merge", first, second)

    @app.command()
    def why(ctx: typer.Context, address: str, json: bool = typer.Option(False, "--json")) -> None:
        """Explain how an address is classified: every reason, the stage and the evidence.

        Example: keepwarm why grace.hopper@navylabs.example
        """
        with workspace(ctx) as ws:
            info = explain(ws, address)
        if json:
            print_json(info)
            return
        stage = f", {info['stage']}" if info["stage"] else ""
        out.print(
            f"[bold]{info['address']}[/] ({info['name'] or 'no name'}): "
            f"{info['classification']}{stage}"
        )
        if len(info["addresses"]) > 1:
            out.print(f"  addresses: {', '.join(info['addresses'])}", highlight=False)
        for reason in info["reasons"]:
            out.print(f"  • {reason}", highlight=False, markup=False)
        counts = ", ".join(f"{k} {v}" for k, v in info["counts"].items())
        if counts:
            out.print(f"  counts: {counts}", highlight=False)
        for e in info["evidence"]:
            out.print(
                f"  {e['date'][:10]} {e['kind']:<7} {e['subject']}",
                highlight=False,
                markup=False,
            )

    @app.command()
    def status(ctx: typer.Context, json: bool = typer.Option(False, "--json")) -> None:
        """Sync health per account (last success, stalled, last error and its fix) and recent runs.

        Example: keepwarm status --json
        """
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
