"""The detection policy: settings, shipped lists, discovered aliases and the user's overrides.

Its fingerprint (with the version of the code that folds evidence) decides whether the evidence
kept from earlier passes still holds or everything must be folded again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import datetime
from functools import cache
from pathlib import Path

import tldextract
from sqlalchemy.orm import Session

import keepwarm
from keepwarm import peers
from keepwarm.data import list_hosts, personal_domains, relay_hosts, role_local_parts
from keepwarm.services.workspace import Workspace
from keepwarm.store import changes, loading
from keepwarm.store.accounts import discovered_owner_addresses
from keepwarm.store.people import overrides


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot: never fetch the list over the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@cache
def organisation_of(domain: str) -> str:
    """The registrable domain (`mail.eng.example.co.uk` → `example.co.uk`)."""
    parts = _extractor()(domain)
    return parts.top_domain_under_public_suffix or domain


def baseline(session: Session) -> datetime | None:
    """When the first sync stored something: the earliest ingest ever recorded."""
    stored = changes.read_state(session).get("baseline_at")
    if stored is None:
        return loading.first_ingest(session)
    known = datetime.fromisoformat(stored)
    fresh = loading.first_pending_ingest(session)
    return min(known, fresh) if fresh is not None else known


def policy(
    ws: Workspace, session: Session | None = None, *, baseline_at: datetime | None = None
) -> peers.DetectionPolicy:
    """Settings, shipped lists, connector-discovered aliases and the user's overrides, as one policy."""
    if session is None:
        with ws.session() as own:
            return policy(ws, own)
    settings, d = ws.settings, ws.settings.detection
    discovered = discovered_owner_addresses(session)
    decided = overrides(session)
    if d.first_sync is not None:
        first: datetime | None = d.first_sync  # the user's word beats the store's first ingest
    else:
        first = baseline_at if baseline_at is not None else baseline(session)
    free_mail = (personal_domains() | frozenset(d.personal_domains)) - frozenset(
        d.not_personal_domains
    )
    return peers.DetectionPolicy(
        owner_addresses=frozenset(settings.owner.addresses) | frozenset(discovered),
        owner_name=settings.owner.name,
        owner_domains=tuple(settings.owner.domains),
        personal_domains=free_mail,
        role_local_parts=role_local_parts() | frozenset(d.role_local_parts),
        blocked=(*d.blocked, *(t for t, _ in decided["block"])),
        allowed=(*d.allowed, *(t for t, _ in decided["allow"])),
        forgotten=tuple(t for t, _ in decided["forget"]),
        aliases=(
            *(tuple(g) for g in d.aliases),
            *((t, o) for t, o in decided["merge"] if o is not None),
        ),
        max_meeting_size=d.max_meeting_size,
        mass_mail_recipients=d.mass_mail_recipients,
        dormant_after_days=d.dormant_after_days,
        growing_after=d.growing_after,
        established_after=d.established_after,
        established_days=d.established_days,
        baseline_at=first,
        organisation_of=organisation_of,
        lists=tuple(sorted(list_hosts())),
        relays=tuple(sorted(relay_hosts())),
    )


def fingerprint(policy: peers.DetectionPolicy) -> str:
    """Changes whenever folded evidence or people could come out differently."""
    values = {}
    for f in fields(policy):
        value = getattr(policy, f.name)
        if callable(value):
            continue
        if isinstance(value, frozenset):
            value = sorted(value)
        values[f.name] = value
    text = json.dumps(values, default=str, sort_keys=True)
    return hashlib.sha256(f"{detection_code()}\n{text}".encode()).hexdigest()


@cache
def detection_code() -> str:
    """A digest of the code and data that fold evidence and histories: an upgrade refolds all."""
    root = Path(keepwarm.__file__).parent
    files = sorted(
        [
            *(root / "peers").glob("*.py"),
            *(root / "incremental").glob("*.py"),
            *(root / "data").glob("*.txt"),
            root / "rules" / "history.py",
            root / "models.py",
        ]
    )
    digest = hashlib.sha256(tldextract.__version__.encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
