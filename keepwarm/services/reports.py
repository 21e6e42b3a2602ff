"""Read-only views for `peers`, `why` and `status` (the JSON contracts of DESIGN.md §9)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from keepwarm.errors import NotFound
from keepwarm.services.health import STALL_INTERVALS, fix_for, is_stalled, recent_runs
from keepwarm.services.workspace import Workspace
from keepwarm.settings import FilesAccount, Settings
from keepwarm.store.accounts import account_statuses
from keepwarm.store.people import find_person, load_people
from keepwarm.store.tables import Person


def person_json(p: Person, addresses: list[str]) -> dict[str, Any]:
    return {
        "name": p.name,
        "addresses": addresses,
        "organisation": p.organisation,
        "classification": p.classification,
        "stage": p.stage,
        "reasons": list(p.reasons),
        "first_seen": p.first_seen.isoformat(),
        "last_seen": p.last_seen.isoformat(),
        "last_two_way": p.last_two_way.isoformat() if p.last_two_way else None,
        "planted_at": p.planted_at.isoformat() if p.planted_at else None,
        "known_before_first_sync": p.known,
        "counts": p.counts or {},
    }


def peers(ws: Workspace, *, everyone: bool = False) -> list[dict[str, Any]]:
    with ws.session() as session:
        return [person_json(p, a) for p, a in load_people(session, peers_only=not everyone)]


def why(ws: Workspace, address: str) -> dict[str, Any]:
    with ws.session() as session:
        person = find_person(session, address=address)
        if person is None:
            raise NotFound(
                f"{address} does not appear in any synced interaction; run `keepwarm sync`"
            )
        return {"address": address.strip().lower(), **person_json(person, [person.key])}


def folders(
    settings: Settings,
    account: str,
    inputs: list[dict[str, Any]],
    quarantined: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """A files account's inputs summed per configured path (a Maildir with its subfolders, a
    folder of mbox files): what `status` shows unless asked for every file."""
    configured = next((a for a in settings.accounts if a.name == account), None)
    if not isinstance(configured, FilesAccount):
        return []
    index = settings.accounts.index(configured)
    result = []
    for key in ("mail", "calendars"):
        for i, given in enumerate(getattr(configured, key)):
            root = settings.resolve(given)
            inside = [x for x in inputs if _under(x.get("path"), root)]
            result.append(
                {
                    "key": f"accounts.{index}.{key}[{i}]",
                    "path": str(root),
                    "exists": root.exists(),
                    "inputs": len(inside),
                    "messages": sum(int(x.get("messages", 0)) for x in inside),
                    "events": sum(int(x.get("events", 0)) for x in inside),
                    "quarantined": sum(1 for q in quarantined if _under(q["source"], root)),
                }
            )
    return result


def _under(path: object, root: Path) -> bool:
    if not isinstance(path, str) or not path:
        return False
    candidate = Path(path.split("#", 1)[0])  # calendar entries: "<file>#VEVENT UID=…"
    return candidate == root or candidate.is_relative_to(root)


def status(ws: Workspace, *, runs: int = 10) -> dict[str, Any]:
    """Per account: sync health with the fix for its last error; then the latest flow runs."""
    now = ws.settings.now()
    interval = timedelta(minutes=ws.settings.cycle_interval_minutes)
    accounts = []
    configured = {a.name: a.kind for a in ws.settings.accounts}
    with ws.session() as session:
        seen = {s.name: s for s in account_statuses(session)}
    for name, kind in configured.items():
        s = seen.get(name)
        accounts.append(
            {
                "name": name,
                "kind": kind,
                "last_sync": s.last_sync_at.isoformat() if s and s.last_sync_at else None,
                "last_success": s.last_success_at.isoformat() if s and s.last_success_at else None,
                "cursor_age_seconds": (
                    round((now - s.cursor_updated_at).total_seconds())
                    if s and s.cursor_updated_at
                    else None
                ),
                "interactions": s.interactions if s else 0,
                "last_error": s.last_error if s else None,
                "last_error_kind": s.last_error_kind if s else None,
                "fix": fix_for(s.last_error_kind if s and s.last_error else None, name),
                "stalled": bool(
                    s
                    and is_stalled(
                        now=now,
                        interval=interval,
                        created_at=s.created_at,
                        last_success=s.last_success_at,
                    )
                ),
                "inputs": s.streams if s else [],
                "events_before_window": sum(
                    i.get("before_window", 0)
                    for i in (s.streams if s else [])
                    if isinstance(i.get("before_window"), int)
                ),
                "quarantined": s.quarantined if s else [],
                "folders": folders(
                    ws.settings, name, s.streams if s else [], s.quarantined if s else []
                ),
            }
        )
    return {
        "synced": any(a["last_sync"] for a in accounts),
        "accounts": accounts,
        "stalled_after_minutes": ws.settings.cycle_interval_minutes * STALL_INTERVALS,
        "runs": recent_runs(ws, limit=runs),
    }


def before_window_note(n: int) -> str:
    """The one line `sync` and `status` print when old calendar events were skipped."""
    return (
        f"{n} events before the baseline window were not read; "
        "set detection.baseline_days to read further back"
    )
