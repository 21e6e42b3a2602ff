"""`queue`, `show`, `approve`, `edit`, `reject`, `snooze`: the approval queue from the terminal.

Each command calls one function of `keepwarm.services.queue` (the web page calls the same ones),
prints a Rich view, or exactly one JSON document with `--json`.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from rich.markup import escape
from rich.table import Table

from keepwarm.cli.context import err, hint_nothing_synced, out, print_json, workspace
from keepwarm.errors import ConfigError
from keepwarm.localtime import local_minute
from keepwarm.models import DraftState
from keepwarm.privatefiles import private_dir, write_private
from keepwarm.services import health
from keepwarm.services import queue as service
from keepwarm.services.approval import approve_available
from keepwarm.services.drafttext import DraftTextError, from_text, to_text

STATES = ", ".join(s.value for s in DraftState)
JSON = typer.Option(False, "--json", help="Print one JSON document.")


def print_queue(items: list[dict[str, Any]], *, title: str, timezone: str) -> None:
    """A compact table: who, what and why; `keepwarm show ID` has the full draft."""
    if not items:
        out.print(f"{title}: empty")
        return
    several_states = len({d["state"] for d in items}) > 1
    table = Table(title=f"{title} · times in {timezone}", title_justify="left", expand=False)
    table.add_column("id", justify="right")
    if several_states:
        table.add_column("state")
    for column, ratio in (("to", 2), ("subject", 3), ("due", 1), ("why", 4)):
        table.add_column(column, ratio=ratio, overflow="fold")
    for d in items:
        person = d["person"]
        reason = d["reasons"][0].removeprefix("new peer: ") if d["reasons"] else ""
        row = [str(d["id"])] + ([d["state"]] if several_states else [])
        row += [
            person["name"] or d["to"][0],
            d["subject"],
            local_minute(d["due"], timezone),
            reason,
        ]
        table.add_row(*(escape(cell) for cell in row))  # "[list] Subject" is text
    out.print(table)


def print_draft(d: dict[str, Any], *, timezone: str) -> None:
    p = d["person"]

    def at(iso: str | None) -> str:
        return local_minute(iso, timezone)

    out.print(f"[bold]#{d['id']}[/] {d['state']} · rule {d['rule']} · account {d['account']}")
    until = f", expires {at(d['window']['until'])}" if d["window"]["until"] else ", never expires"
    out.print(f"Due {at(d['window']['from'])}{until} ({timezone})", highlight=False)
    if d["snoozed_until"]:
        out.print(f"Snoozed until {at(d['snoozed_until'])}", highlight=False)
    if d["error"]:
        out.print(f"[red]Error:[/] {escape(d['error'])}", highlight=False)
    out.print(
        f"\n[bold]Person:[/] {escape(p['name'] or p['address'])} · {escape(p['organisation'] or '-')} · "
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
            f"  ◦ {at(ev['date'])} {ev['kind']} {ev['subject']!r} — {', '.join(ev['who'])}",
            highlight=False,
            markup=False,
        )
        if ev.get("snippet"):
            out.print(f"      “{ev['snippet']}”", highlight=False, markup=False)
    if d.get("placeholders"):
        out.print(f"\n[bold red]To fill in before approving[/] (left by rule {d['rule']}):")
        out.print("  " + ", ".join(d["placeholders"]), highlight=False, markup=False)
    out.print(
        f"\nTo: {', '.join(d['to'])}\nSubject: {d['subject']}\n", highlight=False, markup=False
    )
    out.print(d["body"], highlight=False, markup=False)
    if d["previous"]:
        out.print("\n[bold]Previous follow-ups:[/]")
        for o in d["previous"]:
            out.print(f"  #{o['id']} {o['state']} {o['rule']}: {o['subject']}", markup=False)
    out.print("\n[bold]History:[/]")
    for h in d["history"]:
        line = f"  {at(h['at'])} {h['actor']}: {h['action']} {h['detail']}".rstrip()
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
        with workspace(ctx) as ws:
            items = service.queue(ws, state=state, rule=rule, account=account, person=person)
            synced, tz = health.synced_yet(ws), ws.settings.owner.timezone
        if json:
            print_json(items)
        elif items or synced:
            print_queue(items, title=f"Approval queue ({state or 'all'})", timezone=tz)
        if not items and not synced:
            hint_nothing_synced(ctx)

    @app.command()
    def show(
        ctx: typer.Context, draft_id: int = typer.Argument(..., metavar="ID"), json: bool = JSON
    ) -> None:
        """Show one draft with its context: person, rule, evidence, history and window.

        Example: keepwarm show 3
        """
        with workspace(ctx) as ws:
            d = service.show(ws, draft_id)
            tz = ws.settings.owner.timezone
        print_json(d) if json else print_draft(d, timezone=tz)

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

        A draft that cannot be approved is skipped with the reason (exit 1); the others are.
        Example: keepwarm approve 3 4   ·   keepwarm approve --rule new-peer-thank-you
        """
        with workspace(ctx) as ws:
            result = approve_available(ws, ids or [], rule=rule)
        if json:
            print_json(result.json())
        elif result.approved:
            out.print(f"approved {', '.join(map(str, result.approved))}")
        for refused in result.refused:
            err.print(f"skipped {refused.id}: {refused.reason}", markup=False, soft_wrap=True)
        if result.refused:
            raise typer.Exit(1)

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
        with workspace(ctx) as ws:
            done = service.reject(ws, ids, reason=reason, forget=forget, mute_rule=mute)
        _done("rejected", done, json)

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
        with workspace(ctx) as ws:
            when = service.parse_until(ws, until)
            done = service.snooze(ws, ids, until=when)
            tz = ws.settings.owner.timezone
        if json:
            print_json({"snoozed": done, "until": when.isoformat()})
        else:
            out.print(f"snoozed {', '.join(map(str, done))} until {local_minute(when, tz)} ({tz})")

    @app.command()
    def edit(
        ctx: typer.Context, draft_id: int = typer.Argument(..., metavar="ID"), json: bool = JSON
    ) -> None:
        """Edit a draft's recipients, subject and body in $EDITOR; validated on save.

        Example: EDITOR=nano keepwarm edit 3
        """
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
