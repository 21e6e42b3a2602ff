"""The daily `digest` flow: publish the digest artifact and, if asked, a draft to the owner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from keepwarm.services import open_workspace
from keepwarm.services.digest import digest as digest_service
from keepwarm.services.digest import email_digest, markdown
from keepwarm.settings import load_settings


@flow(name="digest", log_prints=False)
def digest(config: str | None = None, email: bool = False, days: int = 1) -> dict[str, Any]:
    ws = open_workspace(load_settings(Path(config) if config else None))
    try:
        data = digest_service(ws, days=days)
        create_markdown_artifact(
            key="digest", markdown=markdown(data), description="new peers and drafts waiting"
        )
        if email:
            data["email"] = email_digest(ws, days=days)
        return data
    finally:
        ws.close()
