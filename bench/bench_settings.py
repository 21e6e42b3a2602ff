"""Constants shared by the pipeline benchmark's modules: the owner, the clock, the targets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "rules"

OWNER_NAME = "Ada Lovelace"
OWNER = "ada@analytical.example"
OWNER_DOMAIN = "analytical.example"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
AS_OF = "2026-11-20T18:00:00Z"
ACCOUNT = "bench"
SEED = 42
GENERATOR_VERSION = 1  # bump when the generated data changes, so `--keep` regenerates

DEFAULT_MESSAGES = 100_000
QUICK_MESSAGES = 20_000
MEETINGS = 200

#: DESIGN.md §11: a cold import ≥ 15,000 msg/s on 2 cores at 100k messages (gated up to 100k).
TARGET_MSG_PER_S = 15_000.0
THROUGHPUT_GATED_UP_TO = 100_000
TARGET_PEAK_MB = 300.0
TARGET_PARSE_RATIO = 3.0


def config_head(state_dir: Path) -> str:
    """The start of a benchmark's keepwarm.toml: the pinned clock, the shipped rules, the owner
    (accounts follow)."""
    return f"""as_of = "{AS_OF}"
rules_dir = {json.dumps(str(RULES_DIR))}
state_dir = {json.dumps(str(state_dir))}

[owner]
name = "{OWNER_NAME}"
addresses = ["{OWNER}"]
domains = ["{OWNER_DOMAIN}"]
timezone = "Europe/London"
"""


# Mirrors keepwarm.settings.DetectionSettings defaults, as services/connectors.py uses them.
BASELINE_DAYS = 365
FORWARD_DAYS = 30


# =============================================================================================
# Synthetic data
# =============================================================================================
