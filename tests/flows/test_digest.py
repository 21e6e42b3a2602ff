"""The digest reaches Prefect: the cycle publishes it as the `digest` markdown artifact."""

from __future__ import annotations

from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.cycle import cycle
from flows.digest import digest
from keepwarm.services.digest import markdown


def test_cycle_and_digest_flow_publish_the_digest_artifact(demo_config: Path) -> None:
    """After a cycle the latest `digest` artifact lists the drafts waiting; the flow agrees."""
    cycle(config=str(demo_config))
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["digest"])), limit=1,
            sort="CREATED_DESC",
        )  # fmt: skip
    assert isinstance(artifact.data, str)
    assert "## Drafts waiting for you (4)" in artifact.data
    assert "grace.hopper@navylabs.example" in artifact.data
    data = digest(config=str(demo_config))
    assert len(data["waiting"]) == 4


def test_the_digest_reports_the_days_runs_and_no_alarms(demo_config: Path) -> None:
    """After one cycle: one run that synced 99 and drafted 4, and no account needing a hand."""
    cycle(config=str(demo_config))
    summary = digest(config=str(demo_config))
    a = summary["activity"]
    assert (a["runs"], a["failed_runs"], a["synced"], a["drafted"], a["delivered"]) == (
        1,
        0,
        99,
        4,
        0,
    )
    assert summary["attention"] == []
    assert "Runs since" in markdown(summary)
