"""Environment that keeps Prefect quiet and offline, set before Prefect is first imported.

Only defaults are set: anything the user exported (a real PREFECT_API_URL, say) wins.
"""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "keepwarm,connectors",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def quiet_prefect(state_dir: Path) -> None:
    home = Path(os.environ.setdefault("PREFECT_HOME", str(state_dir / "prefect")))
    home.mkdir(parents=True, exist_ok=True)  # Prefect creates only the last level itself
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
