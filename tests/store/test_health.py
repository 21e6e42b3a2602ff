"""Sync health: stalled accounts, the fix for each error, and per-run counts, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from keepwarm.services import open_workspace
from keepwarm.services.health import finish_run, start_run
from keepwarm.services.reports import status
from keepwarm.settings import Settings
from keepwarm.store.accounts import ensure_account, record_sync
from tests.builders import NOW, OWNER


def _settings(tmp_path: Path, database_url: str, minutes_later: float) -> Settings:
    return Settings(
        owner={"name": "Ada", "addresses": [OWNER]},
        accounts=[
            {"name": "work", "kind": "google"},
            {"name": "home", "kind": "files"},
        ],
        base_dir=tmp_path,
        database_url=database_url,
        as_of=NOW + timedelta(minutes=minutes_later),
    )


def test_an_account_without_success_for_three_intervals_is_stalled(
    tmp_path: Path, database_url: str
) -> None:
    """Stalled after 3 intervals of 15 min without a successful sync; the auth error comes with its fix."""
    ws = open_workspace(_settings(tmp_path, database_url, 0))
    with ws.session() as s:
        home = ensure_account(s, name="home", kind="files", now=NOW)
        record_sync(s, account=home, now=NOW, error=None)
        work = ensure_account(s, name="work", kind="google", now=NOW)
        record_sync(s, account=work, now=NOW, error="token expired", error_kind="AuthError")
    ws.close()

    early = open_workspace(_settings(tmp_path, database_url, 30))
    late = open_workspace(_settings(tmp_path, database_url, 46))
    try:
        soon = {a["name"]: a for a in status(early)["accounts"]}
        later = {a["name"]: a for a in status(late)["accounts"]}
    finally:
        early.close()
        late.close()
    assert not soon["home"]["stalled"] and not soon["work"]["stalled"]
    assert later["home"]["stalled"] and later["work"]["stalled"]
    assert soon["work"]["last_error"] == "token expired"
    assert "keepwarm auth work" in soon["work"]["fix"]
    assert soon["home"]["fix"] is None


def test_a_finished_run_keeps_its_counts_and_errors(tmp_path: Path, database_url: str) -> None:
    """What a cycle synced, detected, drafted and delivered is shown per run, newest first."""
    ws = open_workspace(_settings(tmp_path, database_url, 0))
    try:
        first = start_run(ws, flow="cycle", flow_run_id="a")
        finish_run(
            ws,
            first,
            {
                "sync": {"home": {"inserted": 5, "updated": 1}, "work": {"error": "expired"}},
                "detect": {"people": 9, "by_classification": {"peer": 3, "automated": 6}},
                "draft": {"proposed": 3, "created": 2},
                "deliver": {"delivered": 1},
            },
        )
        start_run(ws, flow="cycle", flow_run_id="b")
        runs = status(ws)["runs"]
    finally:
        ws.close()
    assert [r["flow_run_id"] for r in runs] == ["b", "a"]
    assert runs[0]["state"] == "running"
    done = runs[1]
    assert (done["synced"], done["detected"], done["drafted"], done["delivered"]) == (6, 3, 2, 1)
    assert done["state"] == "failed"
    assert done["errors"] == [{"account": "work", "error": "expired"}]
