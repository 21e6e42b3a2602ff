"""Detect and draft: the two pure stages, fed from and written back to the store.

Both are incremental (`keepwarm.services.detection`, `keepwarm.services.drafting`): a cycle
costs what is new, and `refresh` runs them back to back sharing what detection read.
"""

from __future__ import annotations

from keepwarm.services.detection import DetectReport, Shared, detect
from keepwarm.services.detectpolicy import organisation_of, policy
from keepwarm.services.drafting import DraftReport, draft
from keepwarm.services.workspace import Workspace

__all__ = [
    "DetectReport",
    "DraftReport",
    "Shared",
    "detect",
    "draft",
    "ensure_detected",
    "organisation_of",
    "policy",
    "refresh",
]


def ensure_detected(ws: Workspace) -> None:
    """Bring people up to date (incremental: costs nothing when nothing changed)."""
    detect(ws)


def refresh(ws: Workspace, *, full: bool = False) -> tuple[DetectReport, DraftReport]:
    """Detect then draft, as one cycle does: drafting reuses what detection just read."""
    shared = Shared()
    detected = detect(ws, full=full, shared=shared)
    return detected, draft(ws, shared=shared)
