"""The cycle's fan-out: a failing account is recorded and shown, the others go on; retries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect.states import Completed, Failed

from flows.cycle import cycle
from flows.tasks import _retry_transient, sync_account_task
from keepwarm.errors import AuthError, PermanentError, RateLimited, TransientError
from keepwarm.services import open_workspace
from keepwarm.services import sync as sync_service
from keepwarm.services.reports import status
from keepwarm.settings import load_settings


class _Expired:
    """A provider whose grant has expired: every pull fails with AuthError."""

    def pull(self, cursors: Any) -> Any:
        raise AuthError("the Google grant expired or was revoked", account="work")


def test_a_failing_account_never_blocks_the_others(
    demo_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`work` fails auth: `demo` and `home` still sync and draft; status shows the error and fix."""
    demo_config.write_text(
        demo_config.read_text()
        + '\n[[accounts]]\nname = "work"\nkind = "google"\n'
        + '\n[[accounts]]\nname = "home"\nkind = "files"\nmail = ["mail"]\n'
    )
    real = sync_service.build_connector
    monkeypatch.setattr(
        sync_service,
        "build_connector",
        lambda account, *a, **k: _Expired() if account.name == "work" else real(account, *a, **k),
    )
    summary = cycle(config=str(demo_config))
    assert "expired" in summary["sync"]["work"]["error"]
    assert summary["sync"]["demo"]["inserted"] == 65 + 34
    assert summary["sync"]["home"]["inserted"] == 65  # synced concurrently with `demo`
    assert summary["draft"]["created"] == 4

    ws = open_workspace(load_settings(demo_config))
    try:
        info = status(ws)
    finally:
        ws.close()
    work = next(a for a in info["accounts"] if a["name"] == "work")
    assert work["last_error_kind"] == "AuthError"
    assert work["fix"] == "run `keepwarm auth work` to sign in again"
    [run] = info["runs"]
    assert (run["state"], run["synced"], run["drafted"]) == ("failed", 99 + 65, 4)
    assert run["flow_run_id"] and run["errors"][0]["account"] == "work"


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (RateLimited("slow down", retry_after=5), True),
        (TransientError("503 from the provider"), True),
        (AuthError("grant revoked"), False),
        (PermanentError("mailbox not found"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_transient_errors_are_retried(error: Exception, retried: bool) -> None:
    """Prefect's retry condition retries rate limits and transient errors, nothing else."""
    assert _retry_transient(sync_account_task, None, Failed(data=error)) is retried  # type: ignore[arg-type]
    assert _retry_transient(sync_account_task, None, Completed(data=1)) is False  # type: ignore[arg-type]
