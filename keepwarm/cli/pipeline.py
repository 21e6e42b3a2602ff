"""`run`, `demo`, `sync`, `detect`, `draft`, `deliver`: the cycle and its stages."""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from keepwarm.cli.context import err, options, out, print_json, run_hint, workspace
from keepwarm.cli.queue import print_queue
from keepwarm.errors import ConfigError, KeepwarmError
from keepwarm.ports import Page
from keepwarm.prefect_env import quiet_prefect
from keepwarm.services import open_workspace
from keepwarm.services.deliver import deliver as deliver_service
from keepwarm.services.onboarding import DEMO_MARK, demo_config, reset_demo_state
from keepwarm.services.pipeline import detect as detect_service
from keepwarm.services.pipeline import draft as draft_service
from keepwarm.services.queue import queue as queue_service
from keepwarm.services.reports import before_window_note
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
        summary = _cycle_with_progress(
            config_path(options(ctx).config).resolve(), verbose=options(ctx).verbose, quiet=json
        )
        ok = not any(r.get("error") for r in summary["sync"].values())
        if json:
            print_json(summary)
        else:
            ok = _print_summary(summary)
        if not ok:  # an account failed: said above; the others synced and drafted
            raise typer.Exit(1)

    @app.command()
    def demo(
        ctx: typer.Context,
        keep_state: bool = typer.Option(
            False,
            "--keep-state",
            help="Keep the previous demo run's queue instead of starting afresh.",
        ),
    ) -> None:
        """Run one cycle on the bundled sample mailbox and calendar, then show the queue.

        The demo's config and state go to ~/.cache/keepwarm/demo/ ($XDG_CACHE_HOME), or to
        --config PATH and the folder beside it; the bundled examples are only read. Each run
        starts from an empty state (the clock is pinned), so it always shows what the current
        rules draft; --keep-state keeps the earlier queue and decisions.
        Example: keepwarm demo
        """
        if not EXAMPLES.is_file():
            raise ConfigError(
                f"{EXAMPLES}: the bundled examples are missing (run from a source checkout)"
            )
        target = (options(ctx).config or demo_home() / "keepwarm.toml").absolute()
        _write_demo_config(target)
        if not keep_state:
            reset_demo_state(target)
        out.print(
            f"[bold]keepwarm demo[/] — one cycle over {escape(str(EXAMPLES.parent))}",
            highlight=False,
            soft_wrap=True,
        )
        summary = _cycle_with_progress(target, verbose=options(ctx).verbose)
        _print_summary(summary)
        ws = open_workspace(load_settings(target))
        try:
            print_queue(
                queue_service(ws, state="pending"),
                title="Approval queue (pending)",
                timezone=ws.settings.owner.timezone,
            )
        finally:
            ws.close()
        out.print(
            f"\nSee it again with: {run_hint(target, 'queue')}", highlight=False, soft_wrap=True
        )
        out.print(
            f"Review it in your browser: {run_hint(target, 'web')}", highlight=False, soft_wrap=True
        )

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
                    if r["events_before_window"]:
                        out.print(f"  {before_window_note(r['events_before_window'])}")
        if failed:
            raise typer.Exit(1)

    @app.command()
    def detect(
        ctx: typer.Context,
        json: bool = typer.Option(False, "--json"),
        full: bool = typer.Option(
            False, "--full", help="Refold every interaction instead of only what changed."
        ),
    ) -> None:
        """Classify the people whose interactions changed and stage the peers.

        Example: keepwarm detect --json   (keepwarm detect --full recomputes everyone)
        """
        with workspace(ctx) as ws:
            report = asdict(detect_service(ws, full=full))
        print_json(report) if json else out.print(
            f"{report['people']} people ({report['mode']} pass, "
            f"{report['recomputed']} recomputed): "
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


def demo_home() -> Path:
    """Where `keepwarm demo` keeps its config and state unless --config says otherwise."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "keepwarm" / "demo"


def _write_demo_config(target: Path) -> None:
    """(Re)write the demo's config at `target`, never over a config that is not a demo's."""
    if target.exists() and not target.read_text(encoding="utf-8").startswith(DEMO_MARK):
        raise ConfigError(
            f"{target} exists and is not a keepwarm demo config; the demo never overwrites "
            "a configuration: give it another --config path, or run `keepwarm run` on yours"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(demo_config(EXAMPLES), encoding="utf-8")


def _cycle_with_progress(config: Path, *, verbose: bool, quiet: bool = False) -> dict[str, Any]:
    """One cycle with a spinner on stderr; Prefect's own error tracebacks stay out of the way
    (the summary reports every error) unless --verbose."""
    quieter = {} if verbose else {f"PREFECT_LOGGING_LOGGERS_PREFECT_{x}_LEVEL": "CRITICAL"
                                  for x in ("FLOW_RUNS", "TASK_RUNS")}  # fmt: skip
    saved = {key: os.environ.get(key) for key in quieter}
    os.environ.update({k: v for k, v in quieter.items() if saved[k] is None})
    try:
        with (
            nullcontext()
            if quiet
            else err.status(
                "one cycle through Prefect: sync, detect, draft, deliver (a local Prefect server "
                "starts first; ~20 s)…"
            )
        ):
            return run_cycle(config)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)


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


def _print_summary(summary: dict[str, Any]) -> bool:
    """The cycle in a few lines; errors on stderr. Returns whether everything went well."""
    ok = True
    for name, r in summary["sync"].items():
        if r.get("error"):
            ok = False
            err.print(
                f"[bold red]error:[/] account {escape(name)}: {escape(str(r['error']))}",
                highlight=False,
                soft_wrap=True,
            )
        else:
            out.print(
                f"synced {name}: {r['inserted']} new, {r['updated']} changed, "
                f"{r['quarantined']} quarantined",
                highlight=False,
                soft_wrap=True,
            )
    det, dr, de = summary["detect"], summary["draft"], summary["deliver"]
    for problem in dr.get("problems", []):
        err.print(f"[bold red]rule file skipped:[/] {escape(problem)}", soft_wrap=True)
    out.print(
        f"detected {det['people']} people ("
        + ", ".join(f"{k} {v}" for k, v in det["by_classification"].items())
        + f"); {dr['created']} new drafts; {de['delivered']} delivered",
        highlight=False,
        soft_wrap=True,
    )
    return ok
