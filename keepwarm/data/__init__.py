"""Lists shipped as data (read by services, passed to the pure domain)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def personal_domains() -> frozenset[str]:
    text = files(__package__).joinpath("personal_domains.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
