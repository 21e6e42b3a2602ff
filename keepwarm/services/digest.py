"""The daily digest: what waits for approval, what the scheduled runs did, what needs a hand.

No message bodies: recipients, subjects and counts only, so the digest is safe to log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from keepwarm.services.queue import queue
from keepwarm.services.reports import status
from keepwarm.services.workspace import Workspace


def digest(ws: Workspace, *, days: int = 1) -> dict[str, Any]:
    """Pending drafts, totals of the runs in the last `days`, and accounts that need action."""
    now = ws.settings.now()
    since = now - timedelta(days=days)
    health = status(ws, runs=1000)
    runs = [r for r in health["runs"] if r["started_at"] >= since.isoformat()]
    pending = [
        {"id": d["id"], "to": d["to"], "subject": d["subject"], "due": d["due"], "rule": d["rule"]}
        for d in queue(ws, state="pending")
    ]
    attention = [
        {"account": a["name"], "error": a["last_error"], "fix": a["fix"], "stalled": a["stalled"]}
        for a in health["accounts"]
        if a["last_error"] or a["stalled"]
    ]
    return {
        "as_of": now.isoformat(),
        "since": since.isoformat(),
        "pending": pending,
        "activity": {
            "runs": len(runs),
            "failed_runs": sum(1 for r in runs if r["state"] == "failed"),
            **{k: sum(r[k] for r in runs) for k in ("synced", "detected", "drafted", "delivered")},
        },
        "attention": attention,
    }


def digest_markdown(d: dict[str, Any]) -> str:
    """The digest as a short Markdown page (a Prefect artifact, or a mail body later)."""
    a = d["activity"]
    lines = [
        f"# keepwarm digest — {len(d['pending'])} drafts waiting for you",
        "",
        f"Since {d['since']}: {a['runs']} runs ({a['failed_runs']} with errors), "
        f"{a['synced']} interactions synced, {a['drafted']} drafts queued, "
        f"{a['delivered']} delivered.",
    ]
    if d["pending"]:
        lines += ["", "| id | to | subject | due |", "|---|---|---|---|"]
        lines += [
            f"| {p['id']} | {', '.join(p['to'])} | {p['subject']} | {p['due']} |"
            for p in d["pending"]
        ]
    for item in d["attention"]:
        what = "stalled" if item["stalled"] and not item["error"] else item["error"]
        lines.append(
            f"\n**{item['account']}**: {what} — {item['fix'] or 'check `keepwarm status`'}"
        )
    return "\n".join(lines)
