"""`keepwarm status` for people: per account a line, its folders summed, then the recent runs.

`--verbose` adds every input file and every quarantined item; `--json` has all of it always.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape

from keepwarm.cli.context import out
from keepwarm.localtime import ago, local_minute
from keepwarm.services.reports import before_window_note
from keepwarm.settings import Settings


def _say(text: str) -> None:
    out.print(text, highlight=False, soft_wrap=True)


def _short(path: str, base: Path) -> str:
    full = Path(path)
    return str(full.relative_to(base)) if full.is_relative_to(base) else path


def print_status(info: dict[str, Any], settings: Settings, *, detail: bool) -> None:
    tz, base = settings.owner.timezone, settings.base_dir.resolve()
    _say(f"[dim]times in {tz}[/]")
    for a in info["accounts"]:
        if a["last_success"]:
            when = f"last success {local_minute(a['last_success'], tz)}"
        else:
            when = "never synced" if not a["last_sync"] else "no successful sync yet"
        age = f", cursor {ago(a['cursor_age_seconds'])} old" if a["cursor_age_seconds"] else ""
        _say(
            f"[bold]{escape(a['name'])}[/] ({a['kind']}): {a['interactions']} interactions, "
            f"{when}{age}"
        )
        if a["stalled"]:
            _say(
                f"  [red]stalled:[/] no successful sync for over "
                f"{info['stalled_after_minutes']} minutes"
            )
        if a["last_error"]:
            _say(f"  [red]last error:[/] {escape(a['last_error'])}")
            _say(f"  [bold]fix:[/] {escape(a['fix'])}")
        if a["folders"] and not detail:
            for f in a["folders"]:
                _say(f"  {escape(_short(f['path'], base))}: {_folder_counts(f)}")
        else:
            for i in a["inputs"]:
                counts = ", ".join(f"{k} {v}" for k, v in i.items() if isinstance(v, int))
                _say(f"  {escape(_short(str(i.get('path', i['stream'])), base))}: {counts}")
        if a.get("events_before_window"):
            _say(f"  {escape(before_window_note(a['events_before_window']))}")
        quarantined = a["quarantined"]
        if quarantined and detail:
            for q in quarantined:
                where = f" @ {q['position']}" if q["position"] else ""
                _say(
                    f"  [yellow]quarantined[/] {escape(_short(q['source'], base))}{escape(where)}: "
                    f"{escape(q['reason'])}"
                )
        elif quarantined:
            _say(
                f"  [yellow]{len(quarantined)} quarantined[/] (unreadable messages or entries; "
                "`keepwarm status --verbose` lists each with its reason)"
            )
    if info["runs"]:
        _say("\n[bold]Recent runs[/]")
    for r in info["runs"]:
        _say(f"  {run_line(r, tz)}")


def run_line(r: dict[str, Any], tz: str, *, errors: bool = False) -> str:
    """One flow run: when, what it did, and which accounts or stages failed (with why)."""
    what = (
        f"{local_minute(r['started_at'], tz)} {r['flow']} {r['state']}: {r['synced']} synced, "
        f"{r['detected']} peers, {r['drafted']} drafted, {r['delivered']} delivered"
    )
    if not r["errors"]:
        return what
    if errors:
        failed = "; ".join(
            f"{e.get('account') or e.get('stage', '')}: {e.get('error', '')}" for e in r["errors"]
        )
    else:
        failed = ", ".join(e.get("account") or e.get("stage", "") for e in r["errors"])
    return f"{what}  [red]errors: {escape(failed)}[/]"


def _folder_counts(f: dict[str, Any]) -> str:
    if not f["exists"]:
        return f"[red]does not exist[/] ({f['key']})"
    parts = []
    if f["messages"] or not f["events"]:
        parts.append(f"{f['messages']} messages")
    if f["events"]:
        parts.append(f"{f['events']} events")
    if f["inputs"] > 1:
        parts.append(f"in {f['inputs']} files or folders")
    if f["quarantined"]:
        parts.append(f"[yellow]{f['quarantined']} quarantined[/]")
    return ", ".join(parts)
