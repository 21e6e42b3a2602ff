"""Credentials out of every message keepwarm stores, prints or logs.

Provider error bodies quote what was sent (`Authorization: Bearer …`, `"refresh_token": "…"`),
a malformed `database_url` carries its password, a setting error quotes the value it refused.
`redact` replaces each secret with `***` and keeps the rest, so the message still explains.
Pure: no I/O.
"""

from __future__ import annotations

import re

MASK = "***"
#: Names under which secrets travel in JSON, forms, headers and URLs.
_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|assertion|code_verifier|password"
    r"|passwd|api_key|apikey|token|secret"
)
_PATTERNS = (
    # "refresh_token": "…"   'client_secret': '…'
    re.compile(rf"""(["']?(?:{_SECRET_NAMES})["']?\s*[:=]\s*["'])[^"']*(["'])""", re.IGNORECASE),
    # refresh_token=…&   token=… (forms, query strings, settings)
    re.compile(rf"""((?<![\w-])(?:{_SECRET_NAMES})=)[^&\s"',;]+""", re.IGNORECASE),
    # Authorization: Bearer …   Basic …
    re.compile(r"((?:authorization|proxy-authorization)\s*[:=]\s*(?:\w+\s+)?)[^\s,;\"']+", re.I),
    re.compile(r"(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    # scheme://user:password@host
    re.compile(r"(://[^:/@\s]*:)[^@\s]+(@)"),
    # tokens recognisable by their shape: JWTs, Google OAuth tokens
    re.compile(r"()\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*"),
    re.compile(r"()\b(?:ya29|1//)[\w.-]{16,}"),
)


def redact(text: str) -> str:
    """`text` with every credential it quotes replaced by `***`."""
    for pattern in _PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return text


def is_secret_name(name: str) -> bool:
    """Whether a setting called `name` holds a credential (its value is never shown)."""
    return re.search(_SECRET_NAMES + "|database_url", name, re.IGNORECASE) is not None
