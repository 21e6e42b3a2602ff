"""`token_command`: a command that prints an access token (`gcloud auth print-access-token`,
`az account get-access-token … -o tsv`), shared by the provider connectors."""

from __future__ import annotations

import shlex
import subprocess

from keepwarm.errors import AuthError


def run_token_command(command: str, *, account: str, timeout: float = 60.0) -> str:
    """Run the command and return the token it printed (its last non-empty line).

    Raises AuthError with the command's own last words on stderr; never includes the token.
    """
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise AuthError(
            f"account {account!r}: token_command {command!r} could not run ({type(exc).__name__}: {exc}); "
            "fix token_command in keepwarm.toml",
            account=account,
        ) from None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    token = lines[-1] if lines else ""
    if done.returncode != 0 or not token or len(token.split()) != 1:
        said = (done.stderr.strip().splitlines() or ["no token printed"])[-1][:200]
        raise AuthError(
            f"account {account!r}: token_command {command!r} failed (exit {done.returncode}): {said}; "
            "run it by hand to see why, or sign in with its tool",
            account=account,
        )
    return token
