"""`queue`, `show`, `approve`, `edit`, `reject`, `snooze`: the approval queue from the terminal.

Each command calls one function of `keepwarm.services.queue` (the web page calls the same ones),
prints a Rich view, or exactly one JSON document with `--json`.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from rich.table import Table

from keepwarm.cli.context import guarded, out, print_json, workspace
from keepwarm.errors import ConfigError
from keepwarm.models import DraftState
from keepwarm.privatefiles import private_dir, write_private
from keepwarm.services import queue as service
from keepwarm.services.drafttext import DraftTextError, from_text, to_text

STATES = ", ".join(s.value for s in DraftState)
JSON = typer.Option(False, "--json", help="Print one JSON document.")


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


def print_draft(d: dict[str, Any]) -> None:
    p = d["person"]
    out.print(f"[bold]#{d['id']}[/] {d['state']} · rule {d['rule']} · account {d['account']}")
    out.print(
        f"Window: from {d['window']['from']} until {d['window']['until'] or 'no expiry'}",
        highlight=False,
    )
    if d["snoozed_until"]:
        out.print(f"Snoozed until {d['snoozed_until']}", highlight=False)
    if d["error"]:
        out.print(f"[red]Error:[/] {d['error']}", highlight=False)
    out.print(
        f"\n[bold]Person:[/] {p['name'] or p['address']} · {p['organisation'] or '-'} · "
        f"{p['classification']}, stage {p['stage'] or '-'}",
        highlight=False,
    )
    for reason in p["reasons"]:
        out.print(f"  • {reason}", highlight=False, markup=False)
    out.print("\n[bold]Why this draft:[/]")
    for reason in d["reasons"]:
        out.print(f"  • {reason}", highlight=False, markup=False)
    for ev in d["evidence"]:
        out.print(
            f"  ◦ {ev['date'][:10]} {ev['kind']} {ev['subject']!r} — {', '.join(ev['who'])}",
            highlight=False,
            markup=False,
        )
    out.print(f"\nTo: {', '.join(d['to'])}\nSubject: {d['subject']}\n", highlight=False)
    out.print(d["body"], highlight=False, markup=False)
    if d["previous"]:
        out.print("\n[bold]Previous follow-ups:[/]")
        for o in d["previous"]:
            out.print(f"  #{o['id']} {o['state']} {o['rule']}: {o['subject']}", markup=False)
    out.print("\n[bold]History:[/]")
    for h in d["history"]:
        line = f"  {h['at'][:16]} {h['actor']}: {h['action']} {h['detail']}".rstrip()
        out.print(line, highlight=False, markup=False)


def _done(verb: str, ids: list[int], json: bool) -> None:
    if json:
        print_json({verb: ids})
    else:
        out.print(f"{verb} {', '.join(map(str, ids))}")


def register(app: typer.Typer) -> None:
    @app.command()
    def queue(
        ctx: typer.Context,
        state: str | None = typer.Option(
            None, "--state", help=f"Only drafts in this state ({STATES})."
        ),
        rule: str | None = typer.Option(None, "--rule", help="Only drafts of this rule."),
        account: str | None = typer.Option(None, "--account", help="Only this account's drafts."),
        person: str | None = typer.Option(
            None, "--person", help="Only drafts to this person (address or part of the name)."
        ),
        json: bool = JSON,
    ) -> None:
        """List the drafts (all states unless --state narrows it).

        Example: keepwarm queue --state pending --json
        """

        def body() -> None:
            with workspace(ctx) as ws:
                items = service.queue(ws, state=state, rule=rule, account=account, person=person)
            if json:
                print_json(items)
            else:
                print_queue(items, title=f"Approval queue ({state or 'all'})")

        guarded(body)

    @app.command()
    def show(
        ctx: typer.Context, draft_id: int = typer.Argument(..., metavar="ID"), json: bool = JSON
    ) -> None:
        """Show one draft with its context: person, rule, evidence, history and window.

        Example: keepwarm show 3
        """

        def body() -> None:
            with workspace(ctx) as ws:
                d = service.show(ws, draft_id)
            print_json(d) if json else print_draft(d)

        guarded(body)

    @app.command()
    def approve(
        ctx: typer.Context,
        ids: list[int] = typer.Argument(None, metavar="ID..."),
        rule: str | None = typer.Option(
            None, "--rule", help="Approve every pending draft of this rule."
        ),
        json: bool = JSON,
    ) -> None:
        """Approve drafts; the next cycle (or `keepwarm deliver`) delivers them in their window.

        Example: keepwarm approve 3 4   ·   keepwarm approve --rule new-peer-thank-you
        """

        def body() -> None:
            with workspace(ctx) as ws:
                done = service.approve(ws, ids or [], rule=rule)
            _done("approved", done, json)

        guarded(body)

    @app.command()
    def reject(
        ctx: typer.Context,
        ids: list[int] = typer.Argument(..., metavar="ID..."),
        reason: str = typer.Option("", "--reason", help="Why (kept in the draft's history)."),
        forget: bool = typer.Option(
            False, "--forget", help="Never draft anything for this person again."
        ),
        mute: bool = typer.Option(
            False, "--mute-rule", help="Never draft this rule for this person again."
        ),
        json: bool = JSON,
    ) -> None:
        """Reject drafts; the same follow-up is never proposed again.

        Example: keepwarm reject 5 --reason "met again already" --forget
        """

        def body() -> None:
            with workspace(ctx) as ws:
                done = service.reject(ws, ids, reason=reason, forget=forget, mute_rule=mute)
            _done("rejected", done, json)

        guarded(body)

    @app.command()
    def snooze(
        ctx: typer.Context,
        ids: list[int] = typer.Argument(..., metavar="ID..."),
        until: str = typer.Option(
            ..., "--until", help="A date (09:00 your time), 'YYYY-MM-DD HH:MM', or 3d / 12h."
        ),
        json: bool = JSON,
    ) -> None:
        """Put drafts aside; they return to pending on that date.

        Example: keepwarm snooze 5 --until 2026-12-01
        """

        def body() -> None:
            with workspace(ctx) as ws:
                when = service.parse_until(ws, until)
                done = service.snooze(ws, ids, until=when)
            if json:
                print_json({"snoozed": done, "until": when.isoformat()})
            else:
                out.print(f"snoozed {', '.join(map(str, done))} until {when.isoformat()}")

        guarded(body)

    @app.command()
    def edit(
        ctx: typer.Context, draft_id: int = typer.Argument(..., metavar="ID"), json: bool = JSON
    ) -> None:
        """Edit a draft's recipients, subject and body in $EDITOR; validated on save.

        Example: EDITOR=nano keepwarm edit 3
        """

        def body() -> None:
            with workspace(ctx) as ws:
                d = service.show(ws, draft_id)
                text = to_text(d["to"], d["subject"], d["body"])
                edited = click.edit(text, extension=".txt", require_save=True)
                if edited is None:
                    raise ConfigError(f"draft {draft_id}: not saved, nothing changed")
                try:
                    parsed = from_text(edited)
                    if parsed is None:
                        raise ConfigError(f"draft {draft_id}: file emptied, nothing changed")
                    to, subject, text_body = parsed
                    d = service.edit(ws, draft_id, to=to, subject=subject, body=text_body)
                except DraftTextError as exc:
                    kept = ws.settings.state_path / "edits" / f"draft-{draft_id}.txt"
                    private_dir(kept.parent)
                    write_private(kept, edited.encode("utf-8"))
                    raise ConfigError(
                        f"draft {draft_id} not changed: {exc}. Your text is kept in {kept}"
                    ) from None
            if json:
                print_json(d)
            else:
                out.print(f"edited {draft_id}: {d['history'][-1]['detail'] or 'no change'}")

        guarded(body)
