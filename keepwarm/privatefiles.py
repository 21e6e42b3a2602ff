"""Files only their owner can read: the state folder (0700) and what keepwarm writes (0600).

The database, delivered drafts, kept edits and tokens hold private mail metadata and
credentials; created with the process umask they would be world-readable (0644) on most systems.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` (and missing parents) as 0700; `tighten` also fixes an existing folder."""
    missing = not path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if missing or tighten:
        with contextlib.suppress(OSError):  # not ours to change: leave it, the files are 0600
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and only its owner can read or write it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (replacing it) as a 0600 file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        if stat.S_IMODE(os.fstat(f.fileno()).st_mode) & 0o077:
            os.fchmod(f.fileno(), FILE_MODE)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
