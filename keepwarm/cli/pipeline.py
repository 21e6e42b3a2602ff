"""`run`, `demo`, `sync`, `detect`, `draft`, `deliver`: the cycle and its stages."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from keepwarm.cli.context import err, options, out, print_json, workspace
from keepwarm.cli.queue import print_queue
from keepwarm.errors import ConfigError, KeepwarmError
from keepwarm.ports import Page
from keepwarm.prefect_env import quiet_prefect
from keepwarm.services import open_workspace
from keepwarm.services.deliver import deliver as deliver_service
from keepwarm.services.pipeline import detect as detect_service
from keepwarm.services.pipeline import draft as draft_service
from keepwarm.services.queue import queue as queue_service
from keepwarm.services.sync import sync_account
from keepwarm.settings import config_path, load_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "keepwarm.toml"


def run_cycle(config: Path) -> dict[str, Any]:
    """Run the Prefect `cycle` flow once (a temporary local Prefect server when none is set)."""
    quiet_prefect(load_settings(config).state_path)
    from flows.cycle import cycle  # Prefect is imported only when a flow runs

    result: dict[str, Any] = cycle(config=str(config))
    return result


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        ctx: typer.Context,
        json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """Run one full cycle through the Prefect flow: sync, detect, draft, deliver approved.

        Example: keepwarm --config keepwarm.toml run
        """
        summary = run_cycle(config_path(options(ctx).config).resolve())
        if json:
            print_json(summary)
        else:
            _print_summary(summary)

    @app.command()
    def demo(ctx: typer.Context) -> None:
        """Run one cycle on the bundled sample mailbox and calendar, then show the queue.

        Example: keepwarm demo
        """
        if not EXAMPLES.is_file():
            raise ConfigError(
                f"{EXAMPLES}: the bundled examples are missing (run from a source checkout)"
            )
        out.print(f"[bold]keepwarm demo[/] — one cycle over {EXAMPLES.parent}")
        summary = run_cycle(EXAMPLES)
        _print_summary(summary)
        ws = open_workspace(load_settings(EXAMPLES))
        try:
            print_queue(queue_service(ws, state="pending"), title="Approval queue (pending)")
        finally:
            ws.close()
        shown = (
            EXAMPLES.relative_to(Path.cwd()) if EXAMPLES.is_relative_to(Path.cwd()) else EXAMPLES
        )
        out.print(f"\nSee it again with: keepwarm --config {shown} queue")

    @app.command()
    def sync(
        ctx: typer.Context,
        account: list[str] = typer.Option(
            [], "--account", "-a", help="Only this account (repeatable)."
        ),
        json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
    ) -> None:
        """Pull new mail and meetings from the accounts into the store (no Prefect).

        Example: keepwarm sync --account demo
        """
        failed = False
        reports = []
        with workspace(ctx) as ws:
            names = account or [a.name for a in ws.settings.accounts]
            with _progress(quiet=json) as progress:
                for name in names:
                    ws.settings.account(name)
                    try:
                        reports.append(asdict(sync_account(ws, name, progress=progress)))
                    except KeepwarmError as exc:  # one account failing never stops the others
                        failed = True
                        reports.append({"account": name, "error": str(exc)})
                        err.print(
                            f"[bold red]error:[/] account {escape(name)}: {escape(str(exc))}",
                            highlight=False,
                            soft_wrap=True,
                        )
        if json:
            print_json(reports)
        else:
            for r in reports:
                if "inserted" in r:
                    out.print(
                        f"{r['account']}: {r['inserted']} new, {r['updated']} changed, "
                        f"{r['unchanged']} unchanged, {r['quarantined']} quarantined"
                    )
        if failed:
            raise typer.Exit(1)

    @app.command()
    def detect(ctx: typer.Context, json: bool = typer.Option(False, "--json")) -> None:
        """Classify everyone in the store and stage the peers.

        Example: keepwarm detect --json
        """
        with workspace(ctx) as ws:
            report = asdict(detect_service(ws))
        print_json(report) if json else out.print(
            f"{report['people']} people: "
            + ", ".join(f"{k} {v}" for k, v in report["by_classification"].items())
        )

    @app.command()
    def draft(ctx: typer.Context, json: bool = typer.Option(False, "--json")) -> None:
        """Evaluate the rules and queue new drafts (never the same draft twice).

        Example: keepwarm draft
        """
        with workspace(ctx) as ws:
            report = asdict(draft_service(ws))
        for problem in report["problems"]:  # broken rule files are skipped, loudly
            err.print(
                f"[bold red]rule file skipped:[/] {escape(problem)}",
                highlight=False,
                soft_wrap=True,
            )
        print_json(report) if json else out.print(
            f"{report['proposed']} drafts proposed, {report['created']} new in the queue"
            + (f", {report['withdrawn']} withdrawn" if report["withdrawn"] else "")
        )

    @app.command()
    def deliver(ctx: typer.Context, json: bool = typer.Option(False, "--json")) -> None:
        """Deliver approved drafts that are due, exactly once each.

        Example: keepwarm deliver
        """
        with workspace(ctx) as ws:
            report = asdict(deliver_service(ws))
        if json:
            print_json(report)
        elif report["busy"]:
            out.print("another `keepwarm deliver` (or cycle) is delivering; nothing done")
        else:
            out.print(
                f"{report['delivered']} delivered, {report['reconciled']} reconciled, "
                f"{report['failed']} failed, {report['skipped']} waiting for their account"
            )


class _progress:
    """A Rich progress display fed by the sync service's per-page callback."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.fields[items]} items"), TimeElapsedColumn(),
            console=err, transient=True, disable=quiet,
        )  # fmt: skip
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def __call__(self, account: str, page: Page) -> None:
        if account not in self.tasks:
            self.tasks[account] = self.bar.add_task(f"sync {account}", total=None, items=0)
        task = self.tasks[account]
        done = self.bar.tasks[task].fields["items"] + len(page.interactions)
        self.bar.update(task, items=done)


def _print_summary(summary: dict[str, Any]) -> None:
    for name, r in summary["sync"].items():
        if r.get("error"):
            out.print(f"[red]account {name}: {r['error']}[/]")
        else:
            out.print(
                f"synced {name}: {r['inserted']} new, {r['updated']} changed, {r['quarantined']} quarantined"
            )
    det, dr, de = summary["detect"], summary["draft"], summary["deliver"]
    out.print(
        f"detected {det['people']} people ("
        + ", ".join(f"{k} {v}" for k, v in det["by_classification"].items())
        + f"); {dr['created']} new drafts; {de['delivered']} delivered"
    )
