"""Units (an address's evidence and touches for one week, the owner's sightings for one day),
the interactions each unit was folded from, and the organisation of every address seen.

Units are pickled (they are detection's and the rules' own objects, whatever fields those
grow), and read back through an unpickler that only knows those few classes, so a tampered
database cannot make keepwarm run code.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from keepwarm.incremental.buckets import Unit as UnitKey
from keepwarm.peers.evidence import Evidence
from keepwarm.rules.history import Touch
from keepwarm.store.changetables import AddressKey, Unit, UnitMember

_ALLOWED = {
    ("keepwarm.peers.evidence", "Evidence"): Evidence,
    ("keepwarm.rules.history", "Touch"): Touch,
}
_CHUNK = 400


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is not None:
            return found
        if module == "datetime" and name in ("datetime", "timezone", "timedelta"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in a stored unit")


def encode(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def _chunks(items: Collection[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    ordered = list(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# --- units ----------------------------------------------------------------------------------


def write_units(
    session: Session,
    *,
    evidence: dict[UnitKey, Evidence],
    touches: dict[UnitKey, list[Touch]],
    due: dict[UnitKey, datetime],
    replace: Collection[UnitKey] = (),
) -> None:
    """Store units (overwriting `replace`, which may include units that are now empty)."""
    _delete(session, Unit, replace)
    units = sorted(set(evidence) | set(touches))
    rows = [
        {
            "key": key, "bucket": bucket,
            "evidence": encode(evidence[(key, bucket)]) if (key, bucket) in evidence else None,
            "touches": encode(touches[(key, bucket)]) if (key, bucket) in touches else None,
            "due_at": due.get((key, bucket)),
        }
        for key, bucket in units
    ]  # fmt: skip
    for chunk in _chunks(rows, 1000):
        session.execute(insert(Unit), chunk)


def _delete(session: Session, table: Any, units: Collection[UnitKey]) -> None:
    for chunk in _chunks(units):
        session.execute(delete(table).where(tuple_(table.key, table.bucket).in_(chunk)))


def clear(session: Session) -> None:
    """Forget every unit, member and address (before a full pass)."""
    for table in (Unit, UnitMember, AddressKey):
        session.execute(delete(table))


def evidence_of(session: Session, keys: Collection[str]) -> dict[str, list[Evidence]]:
    """Each address's evidence units, oldest first."""
    return _load(session, keys, Unit.evidence)


def touches_of(session: Session, keys: Collection[str]) -> dict[str, list[list[Touch]]]:
    """Each address's touch units, oldest first."""
    return _load(session, keys, Unit.touches)


def _load(session: Session, keys: Collection[str], column: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(Unit.key, column)
            .where(Unit.key.in_(chunk), column.is_not(None))
            .order_by(Unit.key, Unit.bucket)
        )
        for key, data in rows:
            found.setdefault(key, []).append(decode(data))
    return found


def due_units(session: Session, *, now: datetime) -> set[UnitKey]:
    rows = session.execute(select(Unit.key, Unit.bucket).where(Unit.due_at <= now))
    return {(key, bucket) for key, bucket in rows}


def unit_count(session: Session) -> int:
    return len(session.scalars(select(Unit.bucket).limit(1)).all())


# --- members: which interactions each unit was folded from ----------------------------------


def write_members(
    session: Session, members: dict[UnitKey, set[int]], *, replace: Collection[UnitKey] = ()
) -> None:
    _delete(session, UnitMember, replace)
    rows = [
        {"key": key, "bucket": bucket, "interaction_id": iid}
        for (key, bucket), ids in members.items()
        for iid in ids
    ]
    for chunk in _chunks(rows, 5000):
        session.execute(insert(UnitMember), chunk)


def members_of(session: Session, units: Collection[UnitKey]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(units):
        found.update(
            session.scalars(
                select(UnitMember.interaction_id).where(
                    tuple_(UnitMember.key, UnitMember.bucket).in_(chunk)
                )
            )
        )
    return found


def units_of(session: Session, interaction_ids: Collection[int]) -> set[UnitKey]:
    """The address units these interactions were folded into."""
    found: set[UnitKey] = set()
    for chunk in _chunks(interaction_ids, 900):
        rows = session.execute(
            select(UnitMember.key, UnitMember.bucket).where(UnitMember.interaction_id.in_(chunk))
        )
        found.update((key, bucket) for key, bucket in rows)
    return found


def folded(session: Session, interaction_ids: Collection[int]) -> set[int]:
    """Those of these interactions that some unit was folded from."""
    found: set[int] = set()
    for chunk in _chunks(interaction_ids, 900):
        found.update(
            session.scalars(
                select(UnitMember.interaction_id).where(UnitMember.interaction_id.in_(chunk))
            )
        )
    return found


# --- address keys and their organisations ---------------------------------------------------


def add_addresses(session: Session, organisations: dict[str, str]) -> None:
    """Record addresses not seen before (with the organisation identity groups them by)."""
    known: set[str] = set()
    for chunk in _chunks(organisations):
        known.update(session.scalars(select(AddressKey.key).where(AddressKey.key.in_(chunk))))
    rows = [{"key": k, "organisation": o} for k, o in organisations.items() if k not in known]
    for chunk in _chunks(rows, 2000):
        session.execute(insert(AddressKey), chunk)


def org_members(session: Session, organisations: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(set(organisations)):
        found.update(
            session.scalars(select(AddressKey.key).where(AddressKey.organisation.in_(chunk)))
        )
    return found


def all_addresses(session: Session) -> set[str]:
    return set(session.scalars(select(AddressKey.key)))
