"""`peers` (its overrides `block`, `allow`, `forget`, `merge`; notes `tag`, `untag`, `set`),
`why`, `status`."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.markup import escape
from rich.table import Table

from keepwarm.cli.context import err, hint_nothing_synced, options, out, print_json, workspace
from keepwarm.cli.statusview import print_status
from keepwarm.localtime import local_minute
from keepwarm.services import health, notes, reports
from keepwarm.services.notes import NotesResult
from keepwarm.services.people import override as override_detection
from keepwarm.services.people import why as explain
from keepwarm.services.workspace import Workspace


def register(app: typer.Typer) -> None:
    peers_app = typer.Typer(
        name="peers",
        invoke_without_command=True,
        no_args_is_help=False,
        help="Professional peers; `block`, `allow`, `forget` and `merge` correct detection; "
        "`tag`, `untag` and `set` note what rules should know about someone.",
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
            synced, tz = health.synced_yet(ws), ws.settings.owner.timezone
        if json:
            print_json(people)
        elif people:
            table = Table(title="People" if all_ else "Peers", title_justify="left")
            table.add_column("who", ratio=3, overflow="fold")
            if all_:
                table.add_column("classification", overflow="fold")
            table.add_column("stage")
            table.add_column("last seen", no_wrap=True)
            table.add_column("why", ratio=4, overflow="fold")
            for p in people:
                more = f" (+{len(p['reasons']) - 1} more)" if len(p["reasons"]) > 1 else ""
                who = f"{p['name']}\n{p['addresses'][0]}" if p["name"] else p["addresses"][0]
                row = [who] + ([p["classification"]] if all_ else [])
                row += [
                    p["stage"] or "",
                    local_minute(p["last_seen"], tz, date_only=True),
                    (p["reasons"][0] if p["reasons"] else "") + more,
                ]
                table.add_row(*row)
            out.print(table, markup=False, highlight=False)
            out.print("Every reason and the evidence: keepwarm why ADDRESS", highlight=False)
        elif synced:
            out.print("no peers yet" if not all_ else "nobody in the synced mail yet")
        if not people and not synced:
            hint_nothing_synced(ctx)

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

    def _notes(ctx: typer.Context, change: Callable[[Workspace], NotesResult]) -> None:
        with workspace(ctx) as ws:
            result = change(ws)
        if result.note:
            err.print(result.note, highlight=False, markup=False)
        tags = ", ".join(result.tags) or "none"
        fields = ", ".join(f"{k}={v}" for k, v in result.fields.items()) or "none"
        out.print(f"{result.target}: tags {tags}; fields {fields}", highlight=False, markup=False)

    @peers_app.command("tag")
    def tag(
        ctx: typer.Context,
        target: str = typer.Argument(..., metavar="ADDRESS|@DOMAIN"),
        name: str = typer.Argument(..., metavar="TAG"),
    ) -> None:
        """Tag a person (or everyone at a domain), for rules: `when: {tags: [TAG]}`, person.tags.

        Example: keepwarm peers tag grace.hopper@navylabs.example investor
        """
        _notes(ctx, lambda ws: notes.tag(ws, target, name))

    @peers_app.command("untag")
    def untag(
        ctx: typer.Context,
        target: str = typer.Argument(..., metavar="ADDRESS|@DOMAIN"),
        name: str = typer.Argument(..., metavar="TAG"),
    ) -> None:
        """Take a tag away from a person (or a domain).

        Example: keepwarm peers untag grace.hopper@navylabs.example investor
        """
        _notes(ctx, lambda ws: notes.untag(ws, target, name))

    @peers_app.command("set")
    def set_(
        ctx: typer.Context,
        target: str = typer.Argument(..., metavar="ADDRESS"),
        pairs: list[str] = typer.Argument(..., metavar="NAME=VALUE..."),
    ) -> None:
        """Set fields on a person, for rules: person.fields.NAME, `when: {fields: …}`, yearly dates.

        An empty value (`NAME=`) removes the field.
        Example: keepwarm peers set grace.hopper@navylabs.example role=advisor first_met=2019-03-14
        """
        _notes(ctx, lambda ws: notes.set_fields(ws, target, pairs))

    @app.command()
    def why(ctx: typer.Context, address: str, json: bool = typer.Option(False, "--json")) -> None:
        """Explain how an address is classified: every reason, the stage and the evidence.

        Example: keepwarm why grace.hopper@navylabs.example
        """
        with workspace(ctx) as ws:
            info = explain(ws, address)
            tz = ws.settings.owner.timezone
        if json:
            print_json(info)
            return
        stage = f", {info['stage']}" if info["stage"] else ""
        out.print(
            f"[bold]{escape(info['address'])}[/] ({escape(info['name'] or 'no name')}): "
            f"{info['classification']}{stage}",
            highlight=False,
        )
        if len(info["addresses"]) > 1:
            out.print(f"  addresses: {', '.join(info['addresses'])}", highlight=False)
        for reason in info["reasons"]:
            out.print(f"  • {reason}", highlight=False, markup=False)
        if info["tags"] or info["fields"]:
            noted = [*info["tags"], *(f"{k}={v}" for k, v in info["fields"].items())]
            out.print(f"  notes: {', '.join(noted)}", highlight=False, markup=False)
        counts = ", ".join(f"{k} {v}" for k, v in info["counts"].items())
        if counts:
            out.print(f"  counts: {counts}", highlight=False)
        for e in info["evidence"]:
            out.print(
                f"  {local_minute(e['date'], tz)} {e['kind']:<7} {e['subject']}",
                highlight=False,
                markup=False,
            )

    @app.command()
    def status(
        ctx: typer.Context,
        json: bool = typer.Option(False, "--json"),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="Every input file and every quarantined item."
        ),
    ) -> None:
        """Sync health per account (last success, stalled, last error and its fix) and recent runs.

        Example: keepwarm status --verbose
        """
        with workspace(ctx) as ws:
            info = reports.status(ws)
            settings = ws.settings
        if json:
            print_json(info)
        else:
            print_status(info, settings, detail=verbose or options(ctx).verbose)
        if not info["synced"]:
            hint_nothing_synced(ctx)
