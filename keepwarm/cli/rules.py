"""`rules check`, `rules preview`, `rules schema`: editing rule files safely."""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from keepwarm.cli.context import err, out, print_json, settings_for, workspace
from keepwarm.errors import KeepwarmError
from keepwarm.localtime import local_minute
from keepwarm.rules.schema import json_schema
from keepwarm.services.preview import Preview, preview
from keepwarm.services.rulesio import check_paths, stored_tags
from keepwarm.services.workspace import ensure_rules

SAMPLES_PER_RULE = 2


def register(app: typer.Typer) -> None:
    rules = typer.Typer(help="Check, preview and describe rule files.", no_args_is_help=True)
    app.add_typer(rules, name="rules")

    @rules.command("check")
    def check(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(
            None, help="Rule files or folders (default: the configured rules folder)."
        ),
        json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    ) -> None:
        """Check rule files: every problem as file:line:col: message, with a hint.

        Exit 1 on any error (its file's rules are left out); warnings (rules that load but may
        never do what they say) exit 0 unless --strict.
        Example: keepwarm rules check rules/
        """
        targets, tags = list(paths or []), frozenset[str]()
        try:
            settings = settings_for(ctx)
            if not targets:
                ensure_rules(settings)  # a new set-up's default folder gets the shipped rules
                targets = [settings.rules_path]
            tags = stored_tags(settings)
        except KeepwarmError:
            if not targets:
                raise  # no files given and no usable config: say why
        result = check_paths(targets, known_tags=tags)
        failed = bool(result.errors) or (strict and bool(result.warnings))
        if json:
            print_json(
                {
                    "ok": not failed,
                    "files": result.files,
                    "rules": [r.rule.name for r in result.rules],
                    "skipped": result.skipped,
                    "errors": len(result.errors),
                    "warnings": len(result.warnings),
                    "problems": [p.as_json() for p in result.problems],
                }
            )
        else:
            for problem in result.problems:
                sys.stdout.write(f"{problem}\n")
            counts = [
                f"{len(result.errors)} error(s)" if result.errors else "",
                f"{len(result.warnings)} warning(s)" if result.warnings else "",
            ]
            verdict = ", ".join(c for c in counts if c) or "no problems"
            err.print(
                f"{result.files} file(s), {len(result.rules)} rule(s) usable: {verdict}",
                highlight=False,
            )
        if failed:
            raise typer.Exit(1)

    @rules.command("preview")
    def preview_cmd(
        ctx: typer.Context,
        days: int = typer.Option(90, "--days", min=1, max=3650, help="How far back to replay."),
        rule: str | None = typer.Option(None, "--rule", help="Only this rule."),
        json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Replay stored history and show the drafts each rule would have made (queue untouched).

        Example: keepwarm rules preview --days 30 --rule no-reply-nudge
        """
        with workspace(ctx) as ws:
            result = preview(ws, days=days, rule=rule)
            timezone = ws.settings.owner.timezone
        if json:
            print_json(_preview_json(result))
        else:
            _print_preview(result, timezone)

    @rules.command("schema")
    def schema() -> None:
        """Print the JSON Schema of rule files (for editor autocompletion).

        Example: keepwarm rules schema > rules/schema.json
        """
        sys.stdout.write(jsonlib.dumps(json_schema(), indent=2) + "\n")


def _preview_json(result: Preview) -> dict[str, Any]:
    return {
        "from": result.start.isoformat(),
        "to": result.end.isoformat(),
        "rules": result.rules,
        "problems": result.problems,
        "warnings": result.warnings,
        "drafts": [
            {
                "rule": p.draft.rule,
                "person": p.person,
                "to": list(p.draft.to),
                "subject": p.draft.subject,
                "body": p.draft.body,
                "proposed_at": p.proposed_at.isoformat(),
                "due": p.draft.due_at.isoformat(),
                "reasons": list(p.draft.reasons),
                "key": p.draft.key,
                "in_reply_to": p.draft.in_reply_to,
            }
            for p in result.drafts
        ],
    }


def _print_preview(result: Preview, timezone: str) -> None:
    for problem in result.problems:
        err.print(f"[bold red]rule problem (file skipped):[/] {escape(problem)}", soft_wrap=True)
    for warning in result.warnings:
        err.print(f"[yellow]rule warning:[/] {escape(warning)}", soft_wrap=True)
    out.print(
        f"Replaying {result.start:%Y-%m-%d} … {result.end:%Y-%m-%d}: "
        f"{len(result.drafts)} draft(s) would have been proposed; the queue is not touched.",
        highlight=False,
        soft_wrap=True,
    )
    for name, count in sorted(result.rules.items()):
        out.print(f"\n[bold]{escape(name)}[/]: {count} draft(s)")
        samples = [p for p in result.drafts if p.draft.rule == name]
        for item in samples[:SAMPLES_PER_RULE]:
            out.print(
                f"  {item.proposed_at:%Y-%m-%d} → {escape(item.person)} <{item.draft.to[0]}>"
                f" due {local_minute(item.draft.due_at, timezone)}",
                highlight=False,
                soft_wrap=True,
            )
            out.print(f"  Subject: {escape(item.draft.subject)}", highlight=False, soft_wrap=True)
            for line in item.draft.body.splitlines():
                out.print(f"  │ {escape(line)}", highlight=False, soft_wrap=True)
        if len(samples) > SAMPLES_PER_RULE:
            out.print(f"  … and {len(samples) - SAMPLES_PER_RULE} more (use --json)")
