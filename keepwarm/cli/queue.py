"""`queue`, `show`, `approve`, `reject`: the approval queue from the terminal."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from keepwarm.cli.context import guarded, out, print_json, workspace
from keepwarm.errors import ConfigError, NotFound
from keepwarm.models import DraftState
from keepwarm.services import queue as service

STATES = ", ".join(s.value for s in DraftState)


def print_queue(items: list[dict[str, Any]], *, title: str) -> None:
    """A compact table: who, what and why; `keepwarm show ID` has the full draft."""
    if not items:
        out.print(f"{title}: empty")
        return
    several_states = len({d["state"] for d in items}) > 1
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("id", justify="right")
    if several_states:
        table.add_column("state")
    for column, ratio in (("to", 2), ("subject", 3), ("due (UTC)", 1), ("why", 4)):
        table.add_column(column, ratio=ratio, overflow="fold")
    for d in items:
        person = d["person"]
        reason = d["reasons"][0].removeprefix("new peer: ") if d["reasons"] else ""
        row = [str(d["id"])] + ([d["state"]] if several_states else [])
        row += [person["name"] or d["to"][0], d["subject"], d["due"][:16].replace("T", " "), reason]
        table.add_row(*row)
    out.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def queue(
        ctx: typer.Context,
        state: str | None = typer.Option(
            None, "--state", help=f"Only drafts in this state ({STATES})."
        ),
        json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """List the drafts waiting for you (and, with --state, the others).

        Example: keepwarm queue --state pending --json
        """

        def body() -> None:
            if state is not None and state not in {s.value for s in DraftState}:
                raise ConfigError(f"--state {state!r} is not a draft state; use one of: {STATES}")
            with workspace(ctx) as ws:
                items = service.queue(ws, state=state)
            if json:
                print_json(items)
            else:
                print_queue(items, title=f"Approval queue ({state or 'all'})")

        guarded(body)

    @app.command()
    def show(
        ctx: typer.Context,
        draft_id: int = typer.Argument(..., metavar="ID"),
        json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Show one draft with why it exists.

        Example: keepwarm show 3
        """

        def body() -> None:
            with workspace(ctx) as ws:
                items = [d for d in service.queue(ws) if d["id"] == draft_id]
            if not items:
                raise NotFound(f"no draft with id {draft_id}; list them with `keepwarm queue`")
            d = items[0]
            if json:
                print_json(d)
                return
            out.print(f"[bold]#{d['id']}[/] {d['state']} · rule {d['rule']} · due {d['due']}")
            out.print(f"To: {', '.join(d['to'])}\nSubject: {d['subject']}\n")
            out.print(d["body"], highlight=False, markup=False)
            out.print("[bold]Why:[/]")
            for reason in d["reasons"]:
                out.print(f"  • {reason}", highlight=False, markup=False)

        guarded(body)

    @app.command()
    def approve(ctx: typer.Context, ids: list[int] = typer.Argument(..., metavar="ID...")) -> None:
        """Approve drafts; the next cycle (or `keepwarm deliver`) delivers them.

        Example: keepwarm approve 3 4
        """

        def body() -> None:
            with workspace(ctx) as ws:
                done = service.approve(ws, ids)
            out.print(f"approved {', '.join(map(str, done))}")

        guarded(body)

    @app.command()
    def reject(
        ctx: typer.Context,
        ids: list[int] = typer.Argument(..., metavar="ID..."),
        reason: str = typer.Option("", "--reason", help="Why (kept in the draft's history)."),
    ) -> None:
        """Reject drafts; the same follow-up is never proposed again.

        Example: keepwarm reject 5 --reason "met again already"
        """

        def body() -> None:
            with workspace(ctx) as ws:
                done = service.reject(ws, ids, reason=reason)
            out.print(f"rejected {', '.join(map(str, done))}")

        guarded(body)
