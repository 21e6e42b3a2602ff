"""Which independent inputs (streams) the configured paths hold, and in which format.

Each mbox file, Maildir folder (and each Maildir++ `.Sub` folder inside it), MH folder (the
numbered files of one directory), .eml file and .ics file is its own stream with its own
cursor, so a change in one never re-reads the others.
Directories are walked in sorted order so stream order, and therefore output, is reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from connectors.files.maildir import is_mh_name
from connectors.files.mboxgz import GZIP_MAGIC, gzip_head
from connectors.files.safety import SNIFF_BYTES, looks_binary, printable, special_file
from connectors.files.streams import os_reason

SourceKind = Literal["mbox", "mboxgz", "maildir", "mh", "eml", "ics", "missing", "problem"]

#: Index and lock files that mail clients keep beside their mailboxes: never mail themselves.
_NOT_MAIL = frozenset({".msf", ".lock", ".lck", ".sqlite", ".db", ".plist", ".toc"})


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind
    path: Path
    #: Why a `problem` source cannot be read (quarantined with this reason).
    reason: str = ""


def is_maildir(path: Path) -> bool:
    """Whether `path` holds `cur/` or `new/`; a folder that cannot be examined is not one."""
    try:
        return (path / "cur").is_dir() or (path / "new").is_dir()
    except OSError:
        return False


def _maildir_folders(root: Path) -> Iterable[Source]:
    """The Maildir itself and its Maildir++ subfolders (`.Sent`, `.Archive.2024`, ...).

    A subfolder that cannot be read is reported as a problem source; the others still sync."""
    yield Source("maildir", root)
    try:
        subs = sorted(p for p in root.iterdir() if p.name.startswith(".") and p.is_dir())
    except OSError:
        return
    for sub in subs:
        try:
            found = (sub / "cur").is_dir() or (sub / "new").is_dir()
        except OSError as exc:
            yield Source("problem", sub, os_reason(exc, printable(str(sub))))
            continue
        if found:
            yield Source("maildir", sub)


def _sniff(path: Path, *, explicit: bool) -> Source | None:
    """mbox when the content starts with `From `, else a single message; None to skip.

    Special files (FIFOs, devices) are never opened, binary files are not mail: both are
    skipped when found in a folder and reported when named on purpose."""
    special = special_file(path)
    if special is not None:
        return Source("problem", path, special) if explicit else None
    try:
        with path.open("rb") as f:
            start = f.read(SNIFF_BYTES)
    except OSError:
        return Source("eml", path)  # the reader reports why it cannot be read
    if start.startswith(b"From "):
        return Source("mbox", path)  # raw 8-bit bodies may hold NUL bytes: still an mbox
    if start.startswith(GZIP_MAGIC):  # lore's `t.mbox.gz`: read as it is
        if gzip_head(start).startswith(b"From "):
            return Source("mboxgz", path)
        reason = (
            f"{printable(str(path))} is compressed (gzip) but is not an mbox; decompress it "
            "(gunzip) and point keepwarm at what it holds"
        )
        return Source("problem", path, reason) if explicit else None
    if looks_binary(start):
        reason = f"{printable(str(path))} is binary data, not mail; skipped"
        return Source("problem", path, reason) if explicit else None
    if start:
        return Source("eml", path)
    if not explicit:
        return None
    # An empty file named on purpose is most likely an mbox that has no mail yet.
    return Source("eml" if path.suffix.lower() == ".eml" else "mbox", path)


def _walk_mail(root: Path) -> list[Source]:
    """Every mail source under `root`, in path order (a Maildir's subfolders follow it)."""
    return sorted(_walk_unsorted(root), key=lambda source: source.path)


def _walk_unsorted(root: Path) -> Iterable[Source]:
    for folder, dirs, files in os.walk(root):
        keep = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            sub = Path(folder, name)
            if is_maildir(sub):
                yield from _maildir_folders(sub)
            else:
                keep.append(name)
        dirs[:] = keep
        numbered = False
        for name in sorted(files):
            path = Path(folder, name)
            if is_mh_name(name):  # an MH folder (MH/nmh, Claws Mail, the Enron corpus)
                numbered = True
                continue
            if name.startswith(".") or path.suffix.lower() in _NOT_MAIL:
                continue
            found = _sniff(path, explicit=False)
            if found is not None:
                yield found
        if numbered:
            yield Source("mh", Path(folder))


def mail_sources(paths: Sequence[Path]) -> list[Source]:
    """Streams of the configured mail paths, each absolute and listed once."""
    found: dict[Path, Source] = {}
    for given in paths:
        path = Path(given).absolute()
        sources: Iterable[Source]
        if path.is_dir():
            sources = _maildir_folders(path) if is_maildir(path) else _walk_mail(path)
        elif path.exists():
            sniffed = _sniff(path, explicit=True)
            sources = [sniffed] if sniffed else []
        else:
            sources = [Source("missing", path)]
        for source in sources:
            found.setdefault(source.path, source)
    return list(found.values())


def calendar_sources(paths: Sequence[Path]) -> list[Source]:
    """.ics streams: files named directly, and every .ics file under a named directory."""
    found: dict[Path, Source] = {}
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and name.lower().endswith(".ics"):
                        full = Path(folder, name)
                        if special_file(full) is None:
                            found.setdefault(full, Source("ics", full))
        elif path.exists():
            special = special_file(path)
            found.setdefault(path, Source("problem", path, special) if special else Source("ics", path))
        else:
            found.setdefault(path, Source("missing", path))
    return list(found.values())
