"""The digest: new peers and the drafts waiting, as data and as the markdown everyone shows.

The cycle flow publishes it as a Prefect markdown artifact after every run and `keepwarm digest`
prints the very same text, so what the UI shows and what the terminal shows never drift apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from keepwarm.errors import ConfigError
from keepwarm.models import OutgoingMessage
from keepwarm.services import queue as queue_service
from keepwarm.services.connectors import build_connector
from keepwarm.services.reports import status
from keepwarm.services.workspace import Workspace
from keepwarm.store.people import new_peers as stored_new_peers


def digest(ws: Workspace, *, days: int = 1) -> dict[str, Any]:
    """Peers planted in the last `days` days (or still awaiting their first follow-up), and
    every draft waiting for a decision."""
    now = ws.settings.now()
    since = now - timedelta(days=days)
    with ws.session() as session:
        peers = stored_new_peers(session, since=since)
        new_peers = [
            {
                "name": p.name,
                "address": p.key,
                "organisation": p.organisation,
                "stage": p.stage,
                "since": p.planted_at.isoformat() if p.planted_at else None,
                "reason": p.reasons[0] if p.reasons else "",
            }
            for p in peers
        ]
    waiting = queue_service.summaries(ws, state="pending")
    return {
        "generated": now.isoformat(),
        "since": since.isoformat(),
        "new_peers": new_peers,
        "waiting": [
            {k: d[k] for k in ("id", "rule", "to", "subject", "reason", "due")} for d in waiting
        ],
        "counts": queue_service.counts(ws),
        **_health(ws, since),
    }


def _health(ws: Workspace, since: datetime) -> dict[str, Any]:
    """What the scheduled runs did since `since`, and which accounts need a hand."""
    health = status(ws, runs=1000)
    runs = [r for r in health["runs"] if r["started_at"] >= since.isoformat()]
    return {
        "activity": {
            "runs": len(runs),
            "failed_runs": sum(1 for r in runs if r["state"] == "failed"),
            **{k: sum(r[k] for r in runs) for k in ("synced", "detected", "drafted", "delivered")},
        },
        "attention": [
            {
                "account": a["name"],
                "error": a["last_error"],
                "fix": a["fix"],
                "stalled": a["stalled"],
            }
            for a in health["accounts"]
            if a["last_error"] or a["stalled"]
        ],
    }


def _cell(text: object) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def markdown(d: dict[str, Any]) -> str:
    lines = [f"# keepwarm digest — {d['generated'][:16].replace('T', ' ')} UTC", ""]
    lines.append(
        f"## New peers since {d['since'][:10]} or awaiting your first follow-up "
        f"({len(d['new_peers'])})"
    )
    if d["new_peers"]:
        lines += ["", "| person | organisation | stage | why |", "|---|---|---|---|"]
        for p in d["new_peers"]:
            who = f"{p['name']} <{p['address']}>" if p["name"] else p["address"]
            lines.append(
                f"| {_cell(who)} | {_cell(p['organisation'])} | {_cell(p['stage'])} "
                f"| {_cell(p['reason'])} |"
            )
    else:
        lines.append("\nNone.")
    lines += ["", f"## Drafts waiting for you ({len(d['waiting'])})"]
    if d["waiting"]:
        lines += ["", "| id | to | subject | rule | why |", "|---|---|---|---|---|"]
        for w in d["waiting"]:
            lines.append(
                f"| {w['id']} | {_cell(', '.join(w['to']))} | {_cell(w['subject'])} "
                f"| {_cell(w['rule'])} | {_cell(w['reason'])} |"
            )
        lines += ["", "Review them with `keepwarm web` or `keepwarm queue`."]
    else:
        lines.append("\nNothing waiting.")
    c, a = d["counts"], d["activity"]
    lines += [
        "",
        f"Queue: {c['pending']} pending, {c['approved']} approved, {c['snoozed']} snoozed, "
        f"{c['delivered']} delivered, {c['failed']} failed.",
        "",
        f"Runs since {d['since'][:10]}: {a['runs']} ({a['failed_runs']} with errors), "
        f"{a['synced']} interactions synced, {a['drafted']} drafts queued, "
        f"{a['delivered']} delivered.",
    ]
    for item in d["attention"]:
        problem = (
            "stalled (no successful sync for 3 intervals)" if item["stalled"] else item["error"]
        )
        lines.append(f"- **{_cell(item['account'])}**: {_cell(problem)} — {_cell(item['fix'])}")
    return "\n".join(lines) + "\n"


def email_digest(ws: Workspace, *, account: str | None = None, days: int = 1) -> dict[str, Any]:
    """Put today's digest as a draft in the owner's own mailbox, at most once per day.

    Always a provider *draft* addressed to the owner (never a send to anyone else), keyed by
    the date so a rerun finds the existing one instead of adding another.
    """
    settings = ws.settings
    if not settings.accounts:
        raise ConfigError("no account configured to put the digest in; add one to keepwarm.toml")
    chosen = settings.account(account) if account else settings.accounts[0]
    now = settings.now()
    data = digest(ws, days=days)
    owner = settings.owner
    message = OutgoingMessage(
        key=f"digest:{chosen.name}:{now:%Y-%m-%d}",
        from_address=owner.addresses[0],
        from_name=owner.name,
        to=(owner.addresses[0],),
        subject=f"keepwarm digest {now:%Y-%m-%d}: {len(data['waiting'])} drafts waiting",
        body=markdown(data),
    )
    connector = build_connector(chosen, settings, now=now)
    receipt = connector.find_delivered(message.key)
    existed = receipt is not None
    if receipt is None:
        receipt = connector.deliver(message, send=False)
    return {"account": chosen.name, "provider_ref": receipt.provider_ref, "existed": existed}
